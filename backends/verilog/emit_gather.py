"""TRANSPOSE, PAD, STRIDED_SLICE, RESIZE_NEAREST_NEIGHBOR, CONCATENATION → a gather engine: a
module of its own per stage (`NAME_gatherN.v`) that keeps each streamed operand whole in a
double-buffered `tqc_tensor_buffer` (templates/tqc_tensor_buffer.v; a constant operand in a
ROM) and streams the output in row-major order by address generation.

Counters walk the output coordinates o_d; each source k's address is Σ_d T[k][d][o_d]
(backends/verilog/gather_map.py): a table entry is an expression (i · stride + base) where the
table is affine and valid everywhere, else a case ROM of {valid, offset}. Pipeline (stallable,
adv = !v2 || out_ready): counters → registered addresses and source select → registered
memory reads → the selected source's element or the pad value. The read bank is released when
the last output's read is done; the next tensor loads meanwhile (double buffering).
"""

from __future__ import annotations

import numpy as np

from tqc.backends.verilog.emit_conv import rom_lines
from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.gather_map import GatherMap, gather_map
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.origin import refusal


def affine(table: np.ndarray) -> tuple[int, int] | None:
    """(base, step) when table[i] = base + step · i ≥ 0 for every i, else None."""
    if (table < 0).any():
        return None
    base = int(table[0])
    step = int(table[1] - table[0]) if len(table) > 1 else 0
    if step < 0 or not (table == base + step * np.arange(len(table))).all():
        return None
    return base, step


def counter_width(n: int) -> int:
    return clog2(n)


class GatherModule:
    """The text of one gather stage's module."""

    def __init__(self, m: GatherMap, module: str, width: int, roms: list[str | None]):
        self.m, self.module, self.w, self.roms = m, module, width, roms
        self.axes = [d for d, n in enumerate(m.shape) if n > 1]  # axes with a counter
        self.lines: list[str] = []
        self.functions: list[str] = []

    def coordinate(self, d: int) -> str:
        n = self.m.shape[d]
        return f"o{d}" if n > 1 else "1'b0"

    def term(self, k: int, d: int, aw: int) -> tuple[str, str | None]:
        """(offset expression, valid expression or None) of source k's axis d."""
        table = self.m.tables[k][d]
        n = len(table)
        if n == 1:
            if table[0] < 0:
                return f"{aw}'d0", "1'b0"
            return f"{aw}'d{int(table[0])}", None
        cw = counter_width(n)
        fit = affine(table)
        if fit is not None:
            base, step = fit
            if step == 0:
                return f"{aw}'d{base}", None
            o = f"{{{{{aw - cw}{{1'b0}}}}, o{d}}}" if aw > cw else f"o{d}[{aw - 1}:0]"
            mul = o if step == 1 else f"{aw}'d{step} * {o}"
            return (mul if base == 0 else f"{aw}'d{base} + {mul}"), None
        name = f"t{k}_{d}"
        cases = "\n".join(
            f"            {cw}'d{i}: {name} = {{1'b{int(v >= 0)}, {aw}'d{max(int(v), 0)}}};"
            for i, v in enumerate(table))
        self.functions.append(
            f"    function [{aw}:0] {name};\n        input [{cw - 1}:0] i;\n"
            f"        case (i)\n{cases}\n            default: {name} = {{1'b0, {aw}'d0}};\n"
            f"        endcase\n    endfunction")
        self.lines.append(f"    wire [{aw}:0] e{k}_{d} = {name}(o{d});")
        return f"e{k}_{d}[{aw - 1}:0]", f"e{k}_{d}[{aw}]"

    def render(self, op_names: str) -> str:
        m, w = self.m, self.w
        ks = range(len(m.sources))
        streamed = [k for k in ks if m.sources[k].data is None]
        sw = clog2(len(m.sources) + 1)  # source select; len(sources) = the pad value
        ports = []
        for j, k in enumerate(streamed):
            ports += [f"    input in{j}_valid,", f"    output in{j}_ready,",
                      f"    input [{w - 1}:0] in{j}_data,"]
        body: list[str] = []
        # ---- the output walk ----
        for d in self.axes:
            body.append(f"    reg [{counter_width(m.shape[d]) - 1}:0] o{d};")
        body += ["    reg walked;  // the last output of this tensor is issued",
                 "    reg v1, v2, last1;", f"    reg [{sw - 1}:0] sel1, sel2;", "    wire adv;"]
        body += [f"    wire full{k};" for k in streamed]
        body.append("    wire done;  // the last output's read: release the read banks")
        full = " && ".join(f"full{k}" for k in streamed) or "1'b1"
        body.append(f"    wire ready_all = {full};")
        body.append("    wire issue = ready_all && !walked && adv;")
        at_max = {d: f"(o{d} == {counter_width(m.shape[d])}'d{m.shape[d] - 1})" for d in self.axes}
        last = " && ".join(at_max.values()) or "1'b1"
        body.append(f"    wire at_last = {last};")
        # ---- addresses and the source select ----
        for k in ks:
            aw = clog2(m.sources[k].elements)
            terms, valids = [], []
            for d in range(len(m.shape)):
                offset, valid = self.term(k, d, aw)
                if not offset.endswith("'d0"):
                    terms.append(offset)
                if valid is not None:
                    valids.append(valid)
            body += self.lines
            self.lines = []
            address = " + ".join(terms) or f"{aw}'d0"
            hit = " && ".join(valids) or "1'b1"
            body.append(f"    wire [{aw - 1}:0] a{k} = {address};")
            body.append(f"    wire hit{k} = {hit};")
            body.append(f"    reg [{aw - 1}:0] a1_{k};")
        select = f"{sw}'d{len(m.sources)}"
        for k in reversed(ks):
            select = f"hit{k} ? {sw}'d{k} : {select}"
        body.append(f"    wire [{sw - 1}:0] sel0 = {select};")
        # ---- memories ----
        for k in ks:
            src = m.sources[k]
            aw = clog2(src.elements)
            body.append(f"    wire [{w - 1}:0] q{k};")
            if src.data is None:
                j = streamed.index(k)
                body += [
                    f"    tqc_tensor_buffer #(.W({w}), .N({src.elements}), .AW({aw})) u_buf{k} (",
                    "        .clk(clk), .rst(rst),",
                    f"        .in_valid(in{j}_valid), .in_ready(in{j}_ready), .in_data(in{j}_data),",
                    (f"        .full(full{k}), .done(done), .rd_en(adv), .rd_addr(a1_{k}), "
                     f".rd_data(q{k})"),
                    "    );"]
            else:
                body += [f"    reg [{w - 1}:0] rom{k} [0:{src.elements - 1}];",
                         f"    reg [{w - 1}:0] r{k};",
                         f'    initial $readmemh("{self.roms[k]}", rom{k});',
                         f"    always @(posedge clk) if (adv) r{k} <= rom{k}[a1_{k}];",
                         f"    assign q{k} = r{k};"]
        # ---- control ----
        body += ["    assign done = adv && v1 && last1;", "    always @(posedge clk) begin",
                 "        if (rst) begin", "            walked <= 1'b0;",
                 "            v1 <= 1'b0;", "            v2 <= 1'b0;"]
        body += [f"            o{d} <= {counter_width(m.shape[d])}'d0;" for d in self.axes]
        body += ["        end else begin",
                 "            if (issue && at_last) walked <= 1'b1;",
                 "            else if (done) walked <= 1'b0;",
                 "            if (adv) begin", "                v1 <= issue;", "                v2 <= v1;",
                 "            end"]
        for i, d in enumerate(self.axes):
            inner = [at_max[e] for e in self.axes[i + 1:]]
            cond = " && ".join(["issue", *inner])
            cw = counter_width(m.shape[d])
            body.append(f"            if ({cond}) o{d} <= {at_max[d]} ? {cw}'d0 : o{d} + 1'b1;")
        body += ["        end", "    end", "    always @(posedge clk) begin",
                 "        if (adv) begin", "            last1 <= at_last;",
                 "            sel1 <= sel0;", "            sel2 <= sel1;"]
        body += [f"            a1_{k} <= a{k};" for k in ks]
        body += ["        end", "    end"]
        out = f"{w}'h{m.pad_value & ((1 << w) - 1):X}"
        for k in reversed(ks):
            out = f"sel2 == {sw}'d{k} ? q{k} : {out}"
        body += ["    assign adv = !v2 || out_ready;", "    assign out_valid = v2;",
                 f"    assign out_data = {out};"]
        lines = [f"// {op_names}: a gather over {list(m.shape)} from {len(m.sources)} source(s)",
                 f"module {self.module} (", "    input clk,", "    input rst,", *ports,
                 "    output out_valid,", "    input out_ready,", f"    output [{w - 1}:0] out_data",
                 ");", *self.functions, *body, "endmodule"]
        return "\n".join(lines) + "\n"


@emits(tqi.TransposeOp, tqi.PadOp, tqi.SliceOp, tqi.ResizeNearestOp, tqi.ConcatOp)
def gather(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    m = gather_map(op)
    kind = hw_kind(op.results[0])
    for src in m.sources:
        if src.data is None and hw_kind(src.value) != kind:
            raise refusal(op, "operands of different types: no Verilog hardware yet")
    if not any(src.data is None for src in m.sources):
        raise refusal(op, "constant operands only: no Verilog hardware")
    w = kind.bits
    module = f"{e.plan.name}_{stage.name}"
    roms: list[str | None] = []
    for k, src in enumerate(m.sources):
        if src.data is None:
            roms.append(None)
            continue
        name = f"{module}_c{k}.hex"
        words = (src.data.astype(np.int64) & ((1 << w) - 1)).reshape(-1, 1)
        e.files[name] = rom_lines(words, w)
        roms.append(name)
    ops = ", ".join(o.name for o in stage.ops)
    e.modules.append((module, GatherModule(m, module, w, roms).render(ops)))
    e.template("tqc_tensor_buffer.v")
    srcs = e.inputs(stage)
    if len(srcs) != sum(1 for src in m.sources if src.data is None):
        raise refusal(op, "an operand computed from constants: no Verilog hardware yet")
    dst = e.output(stage, w)
    ports = [f"        .in{j}_valid({s}_valid), .in{j}_ready({s}_ready), .in{j}_data({s}_data),"
             for j, s in enumerate(srcs)]
    return "\n".join([f"    {module} u_{stage.name} (", "        .clk(clk), .rst(rst),", *ports,
                      (f"        .out_valid({dst}_valid), .out_ready({dst}_ready), "
                       f".out_data({dst}_data)"), "    );"])

