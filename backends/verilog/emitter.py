"""Print a prepared plan as Verilog-2001: a top module, one module per element-wise chain,
engine instances of the template modules, and ROM initialisation files.

The printer only reads the IR. Each tqi op has one small handler (backends/verilog/registry.py):
engine handlers return a module instance (and write ROM files), element-wise handlers append
pipeline steps to a `Chain`. Unknown ops raise a TqcError naming the op.

Streams: the top module's ports (`plan.inputs`, `plan.outputs`: `in`/`out`, or `in0`, `out1`,
… with several) and one `s<k>` wire bundle per stage output. A stage handler gets its streamed
inputs with `inputs(stage)` (or `take(value)` one by one, in `stage.inputs` order) and
declares its output with `output(stage, width)`: a value with several consumers (stages or
output ports) goes through `tqc_fork`, with a whole-tensor FIFO in front of every consumer
that is not an engine; a handler never sees the fork.

A chain step may be a run-time check (`Step.check`, `tqi.nonzero_check`): its chain gets a
sticky `err` output, and the top module ORs every such output into its own `err` port (only
designs with a check have one).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xdsl.ir import Operation, SSAValue

from tqc.backends.verilog.prepare import (
    Plan,
    Port,
    Stage,
    clog2,
    hw_kind,
    is_streamed,
    root,
)
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal
from tqc.errors import TqcError

TEMPLATES = Path(__file__).parent / "templates"


def hexword(value: int, width: int) -> str:
    """`width`-bit two's complement constant, e.g. 32'hFFFFFF80."""
    return f"{width}'h{value & ((1 << width) - 1):0{(width + 3) // 4}X}"


# ---- element-wise chains ----------------------------------------------------------------


@dataclass
class Step:
    """One pipeline step: `expr` ({x} = previous value, {c} = its channel) of `expr_width`
    bits, of which the low `width` are kept; `signed` says how wider steps extend it."""

    expr: str
    width: int
    signed: bool
    expr_width: int = 32
    registered: bool = True
    check: bool = False  # a beat whose input is 0 raises the chain's sticky `err` output


@dataclass
class Chain:
    """A stallable pipeline of element-wise steps over one stream of `lanes` elements per
    beat (one copy of every step per lane; lane i of beat b of a pixel holds channel
    b·lanes + i)."""

    stage: Stage
    channels: int  # size of the last axis (per-channel parameters cycle over it)
    in_width: int
    in_signed: bool
    lanes: int = 1
    steps: list[Step] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    per_channel: bool = False
    roms: dict[str, str] = field(default_factory=dict)  # suffix → $readmemh text (MODULE_suffix.hex)

    @property
    def width(self) -> int:
        return self.steps[-1].width if self.steps else self.in_width

    @property
    def signed(self) -> bool:
        return self.steps[-1].signed if self.steps else self.in_signed

    def x(self, width: int = 32) -> str:
        """The previous step's value, sign- or zero-extended to `width` bits."""
        have = self.width
        if have == width:
            return "{x}"
        if have > width:
            raise TqcError(f"verilog backend: internal: narrowing {have} → {width} bits")
        fill = f"{{x}}[{have - 1}]" if self.signed else "1'b0"
        return f"{{{{{width - have}{{{fill}}}}}, {{x}}}}"

    @property
    def checks(self) -> bool:
        """Whether the chain has an `err` output (a run-time check, `tqi.nonzero_check`)."""
        return any(s.check for s in self.steps)

    @property
    def beats(self) -> int:
        """Beats per pixel: the values of the channel counter {c}."""
        return self.channels // self.lanes

    def param(self, values: Sequence[int], width: int = 32) -> str:
        """A per-channel parameter: a literal when uniform, else a function of the channel
        counter {c}. With several lanes the counter counts beats and each lane has its own
        function ({lane}), of the channels c·lanes + lane only."""
        if len(set(values)) == 1:
            return hexword(values[0], width)
        if len(values) != self.channels:
            raise TqcError(f"verilog backend: {len(values)} per-channel values for "
                           f"{self.channels} channels")
        self.per_channel = True
        name = f"p{len(self.functions)}"
        cw = clog2(self.beats)
        for lane in range(self.lanes):
            fname = name if self.lanes == 1 else f"{name}_{lane}"
            cases = "\n".join(f"        {cw}'d{b}: {fname} = {hexword(v, width)};"
                              for b, v in enumerate(values[lane::self.lanes]))
            self.functions.append(
                f"    function [{width - 1}:0] {fname};\n        input [{cw - 1}:0] c;\n"
                f"        case (c)\n{cases}\n        default: {fname} = {width}'d0;\n"
                f"        endcase\n    endfunction")
        return f"{name}({{c}})" if self.lanes == 1 else f"{name}_{{lane}}({{c}})"

    def add(self, expr: str, width: int, signed: bool, expr_width: int = 32,
            registered: bool = True, check: bool = False) -> None:
        self.steps.append(Step(expr, width, signed, expr_width, registered, check))

    def render(self, module: str) -> str:
        cw, n, lanes = clog2(self.beats), len(self.steps), self.lanes

        def at(base: str, i: int, lane: int) -> str:  # a lane's signal (no suffix for one lane)
            return f"{base}{i}" if lanes == 1 else f"{base}{i}_{lane}"

        lines = [
            f"// {self.stage.name}: " + ", ".join(op.name for op in self.stage.ops)
            + (f"; {lanes} elements per beat" if lanes > 1 else ""),
            f"module {module} (",
            "    input clk,",
            "    input rst,",
            "    input in_valid,",
            "    output in_ready,",
            f"    input [{lanes * self.in_width - 1}:0] in_data,",
            "    output out_valid,",
            "    input out_ready,",
            f"    output [{lanes * self.width - 1}:0] out_data" + (",\n    output err"
                                                               if self.checks else ""),
            ");",
            '`include "tqc_fixedpoint.vh"',
            *(f.replace("{module}", module) for f in self.functions),
        ]
        if lanes == 1:
            lines.append(f"    wire [{self.in_width - 1}:0] d0 = in_data;")
        else:
            lines += [f"    wire [{self.in_width - 1}:0] d0_{j} = "
                      f"in_data[{j * self.in_width + self.in_width - 1}:{j * self.in_width}];"
                      for j in range(lanes)]
        lines.append("    wire v0 = in_valid;")
        registered = any(s.registered for s in self.steps)
        if not registered:  # only casts: wires from input to output
            lines += ["    /* verilator lint_off UNUSEDSIGNAL */",
                      "    wire unused_clock = clk ^ rst;",
                      "    /* verilator lint_on UNUSEDSIGNAL */"]
        # the channel travels up to the last step that reads it
        last_c = max((i for i, s in enumerate(self.steps, 1) if "{c}" in s.expr), default=0)
        if self.per_channel:  # the channel (one lane) or the beat within a pixel
            last = f"{cw}'d{self.beats - 1}"
            lines += [
                f"    reg [{cw - 1}:0] c0;",
                "    always @(posedge clk) begin",
                f"        if (rst) c0 <= {cw}'d0;",
                f"        else if (in_valid && in_ready) c0 <= (c0 == {last}) ? {cw}'d0 : c0 + 1'b1;",
                "    end",
            ]
        lines.append("    wire adv;")
        lines += self.render_checks(lanes)
        for i, st in enumerate(self.steps, 1):
            for j in range(lanes):
                expr = (st.expr.replace("{x}", at("d", i - 1, j)).replace("{c}", f"c{i - 1}")
                        .replace("{lane}", str(j)))
                r = at("r", i, j)
                if st.expr_width > st.width:  # only the low bits are kept
                    lines += ["    /* verilator lint_off UNUSEDSIGNAL */",
                              f"    wire [{st.expr_width - 1}:0] {r} = {expr};",
                              "    /* verilator lint_on UNUSEDSIGNAL */"]
                else:
                    lines.append(f"    wire [{st.expr_width - 1}:0] {r} = {expr};")
            if st.registered:
                lines.append(f"    reg v{i};")
                lines += [f"    reg [{st.width - 1}:0] {at('d', i, j)};" for j in range(lanes)]
                lines += [
                    "    always @(posedge clk) begin",
                    f"        if (rst) v{i} <= 1'b0;",
                    f"        else if (adv) v{i} <= v{i - 1};",
                    "    end",
                ]
                lines += [f"    always @(posedge clk) if (adv) {at('d', i, j)} <= "
                          f"{at('r', i, j)}[{st.width - 1}:0];" for j in range(lanes)]
                if i < last_c:
                    lines += [f"    reg [{cw - 1}:0] c{i};",
                              f"    always @(posedge clk) if (adv) c{i} <= c{i - 1};"]
            else:
                lines.append(f"    wire v{i} = v{i - 1};")
                lines += [f"    wire [{st.width - 1}:0] {at('d', i, j)} = "
                          f"{at('r', i, j)}[{st.width - 1}:0];" for j in range(lanes)]
                if i < last_c:
                    lines.append(f"    wire [{cw - 1}:0] c{i} = c{i - 1};")
        out = ", ".join(at("d", n, j) for j in reversed(range(lanes)))
        lines += [
            f"    assign adv = !v{n} || out_ready;" if registered else "    assign adv = out_ready;",
            "    assign in_ready = adv;",
            f"    assign out_valid = v{n};",
            f"    assign out_data = {out if lanes == 1 else '{' + out + '}'};",
            "endmodule",
        ]
        return "\n".join(lines) + "\n"

    def render_checks(self, lanes: int) -> list[str]:
        """The sticky `err` register: set when a beat whose input is 0 in any lane passes a
        checking step (`adv` moves it on), cleared only by `rst`."""
        zero = []
        for i, st in enumerate(self.steps, 1):
            if st.check:
                names = [f"d{i - 1}" if lanes == 1 else f"d{i - 1}_{j}" for j in range(lanes)]
                zero.append(f"(v{i - 1} && ({' || '.join(f'~|{d}' for d in names)}))")
        if not zero:
            return []
        return ["    reg err_r;",
                "    always @(posedge clk) begin",
                "        if (rst) err_r <= 1'b0;",
                f"        else if (adv && ({' || '.join(zero)})) err_r <= 1'b1;",
                "    end",
                "    assign err = err_r;"]


# ---- the design -------------------------------------------------------------------------


@dataclass
class Emitted:
    files: dict[str, str]
    sources: list[str]  # Verilog files of the design, top first
    top: str
    err: bool = False  # the top has an `err` output (a run-time check)


class VerilogEmitter:
    def __init__(self, plan: Plan, handlers: Mapping[type[Operation], Callable]):
        self.plan = plan
        self.handlers = handlers
        self.files: dict[str, str] = {}
        self.modules: list[tuple[str, str]] = []  # (module name, text)
        self.templates: set[str] = {"tqc_fixedpoint.vh"}
        self.produced: dict[SSAValue, str] = {}  # stream value → producer's stream name
        self.consumers: dict[SSAValue, list[Stage | Port]] = {}  # Port: a design output
        self.branches: dict[SSAValue, list[str]] = {}  # forked streams not yet taken
        self.lanes: dict[str, int] = {p.name: 1 for p in plan.inputs}  # stream → elements per beat
        self.wires: list[str] = []
        self.instances: list[str] = []
        self.errors: list[str] = []  # the `err` outputs of run-time checks (the top's `err`)
        self.count = 0

    def new_stream(self, width: int, lanes: int = 1) -> str:
        """A stream of `lanes` elements of `width` bits per beat (lane 0 in the low bits)."""
        self.count += 1
        name = f"s{self.count}"
        self.lanes[name] = lanes
        self.wires += [f"    wire {name}_valid, {name}_ready;",
                       f"    wire [{lanes * width - 1}:0] {name}_data;"]
        return name

    def take(self, value: SSAValue, lanes: int = 1) -> str:
        """The stream of `value` for its next consumer (in stage order) at `lanes` elements
        per beat (a divisor of the stream's lanes: `tqc_lanes` narrows it); a value with
        several consumers is forked, with a FIFO of one whole tensor in front of each
        consumer that is not an engine (engines buffer their input image themselves)."""
        value = root(value)
        users = self.consumers[value]
        if len(users) == 1:
            src = self.produced[value]
        else:
            if value not in self.branches:
                self.fork(value, users)
            src = self.branches[value].pop(0)
        return self.narrow(src, hw_kind(value).bits, lanes)

    def narrow(self, src: str, width: int, lanes: int) -> str:
        """`src` at `lanes` elements per beat."""
        have = self.lanes[src]
        if have == lanes:
            return src
        if have % lanes:
            raise TqcError(f"verilog backend: internal: {have} lanes to {lanes}")
        dst = self.new_stream(width, lanes)
        self.template("tqc_lanes.v")
        params = (f"        .W({width}), .LI({have}), .LO({lanes}), "
                  f".NW({clog2(have // lanes)})")
        self.instances.append(self.instance("tqc_lanes", f"u_lanes_{dst}", src, dst, params))
        return dst

    def fork(self, value: SSAValue, users: list[Stage | Port]) -> None:
        width = hw_kind(value).bits
        src = self.produced[value]
        lanes = self.lanes[src]
        k = len(users)
        outs = [self.new_stream(width, lanes) for _ in users]
        self.template("tqc_fork.v")
        cat = lambda suffix: "{" + ", ".join(f"{o}_{suffix}" for o in reversed(outs)) + "}"
        self.instances.append(
            f"    tqc_fork #(.W({lanes * width}), .K({k})) u_fork_{src} (\n"
            f"        .in_valid({src}_valid), .in_ready({src}_ready), .in_data({src}_data),\n"
            f"        .out_valid({cat('valid')}), .out_ready({cat('ready')}), "
            f".out_data({cat('data')})\n    );")
        depth = max(2, math.prod(dims(value)) // lanes)
        branches = []
        for out, user in zip(outs, users):
            if isinstance(user, Stage) and user.kind == "engine":
                branches.append(out)
                continue
            buffered = self.new_stream(width, lanes)
            self.template("tqc_fifo.v")
            params = (f"        .W({lanes * width}), .DEPTH({depth}), .AW({clog2(depth)}), "
                      f".CW({clog2(depth + 1)})")
            self.instances.append(self.instance("tqc_fifo", f"u_fifo_{out}", out, buffered,
                                                params))
            branches.append(buffered)
        self.branches[value] = branches

    def inputs(self, stage: Stage) -> list[str]:
        """The streams of the stage's inputs (`stage.inputs`, in order) at its input lanes."""
        return [self.take(v, stage.in_lanes) for v in stage.inputs]

    def output(self, stage: Stage, width: int) -> str:
        """A new stream of `width`-bit elements for the stage's output at its output lanes."""
        dst = self.new_stream(width, stage.out_lanes)
        self.produced[stage.output] = dst
        return dst

    def connect(self, stage: Stage, width: int) -> tuple[str, str]:
        """(input stream, output stream) names of a one-input stage."""
        src = self.take(stage.input, stage.in_lanes)
        return src, self.output(stage, width)

    def instance(self, module: str, name: str, src: str, dst: str, params: str = "") -> str:
        head = f"    {module} {params}{name} (" if not params else f"    {module} #(\n{params}\n    ) {name} ("
        return (f"{head}\n        .clk(clk), .rst(rst),\n"
                f"        .in_valid({src}_valid), .in_ready({src}_ready), .in_data({src}_data),\n"
                f"        .out_valid({dst}_valid), .out_ready({dst}_ready), .out_data({dst}_data)\n"
                "    );")

    def template(self, filename: str) -> None:
        self.templates.add(filename)

    def emit(self) -> Emitted:
        plan = self.plan
        for port in plan.inputs:
            self.produced[port.value] = port.name
        for stage in plan.stages:
            for v in stage.inputs:
                self.consumers.setdefault(root(v), []).append(stage)
        for port in plan.outputs:
            self.consumers.setdefault(root(port.value), []).append(port)
        for stage in plan.stages:
            if stage.kind == "chain":
                self.emit_chain(stage)
            else:
                self.emit_engine(stage)
        top = self.top()
        name = plan.name
        self.files[f"{name}.v"] = top
        for module, text in self.modules:
            self.files[f"{module}.v"] = text
        for t in sorted(self.templates):
            self.files[t] = (TEMPLATES / t).read_text()
        sources = [f"{name}.v", *(f"{m}.v" for m, _ in self.modules),
                   *sorted(t for t in self.templates if t.endswith(".v"))]
        return Emitted(self.files, sources, name, bool(self.errors))

    def handler(self, op: Operation) -> Callable:
        handler = self.handlers.get(type(op))
        if handler is None:
            raise refusal(op, "no Verilog hardware yet")
        return handler

    def emit_engine(self, stage: Stage) -> None:
        self.instances.append(self.handler(stage.ops[0])(self, stage))

    def emit_chain(self, stage: Stage) -> None:
        width, signed = chain_bits(stage.input)
        shape = dims(stage.input)
        chain = Chain(stage, shape[-1] if shape else 1, width, signed, stage.in_lanes)
        for op in stage.ops:
            handler = self.handler(op)
            if dims(op.results[0]) != shape:
                raise refusal(op, "changes the shape inside an element-wise chain: no Verilog "
                              "hardware yet")
            handler(chain, op)
        out_width, _ = chain_bits(stage.output)
        if chain.width != out_width:
            raise TqcError(f"verilog backend: internal: chain width {chain.width} != {out_width}")
        module = f"{self.plan.name}_{stage.name}"
        self.modules.append((module, chain.render(module)))
        for suffix, text in chain.roms.items():
            self.files[f"{module}_{suffix}.hex"] = text
        src, dst = self.connect(stage, chain.width)
        inst = self.instance(module, f"u_{stage.name}", src, dst)
        if chain.checks:
            err = f"err_{stage.name}"
            self.wires.append(f"    wire {err};")
            self.errors.append(err)
            inst = inst.replace(f".out_data({dst}_data)\n",
                                f".out_data({dst}_data),\n        .err({err})\n")
        self.instances.append(inst)

    def top(self) -> str:
        plan = self.plan
        outs = [(port, self.take(port.value)) for port in plan.outputs]
        if len(plan.inputs) == len(plan.outputs) == 1:
            io = (f"// input {list(dims(plan.inputs[0].value))} → output "
                  f"{list(dims(plan.outputs[0].value))}")
        else:
            io = ("// inputs " + ", ".join(f"{p.name} {list(dims(p.value))}" for p in plan.inputs)
                  + " → outputs "
                  + ", ".join(f"{p.name} {list(dims(p.value))}" for p in plan.outputs))
        ports = ["    input clk,", "    input rst,"]
        for p in plan.inputs:
            ports += [f"    input {p.name}_valid,", f"    output {p.name}_ready,",
                      f"    input [{p.kind.bits - 1}:0] {p.name}_data,"]
        for p in plan.outputs:
            ports += [f"    output {p.name}_valid,", f"    input {p.name}_ready,",
                      f"    output [{p.kind.bits - 1}:0] {p.name}_data,"]
        if self.errors:  # a run-time check: the reference fails the invocation
            ports.append("    output err,")
        ports[-1] = ports[-1].removesuffix(",")
        unused = [p for p in plan.inputs if root(p.value) not in self.consumers]
        lines = [
            f"// {plan.name}: generated by tqc. Streams one element per beat in row-major order.",
            f"{io}; {plan.parallel} MAC units per layer.",
            f"module {plan.name} (",
            *ports,
            ");",
            *self.wires,
            *self.instances,
        ]
        for p in unused:  # an input nothing reads: taken and dropped
            lines += [f"    assign {p.name}_ready = 1'b1;",
                      "    /* verilator lint_off UNUSEDSIGNAL */",
                      f"    wire unused_{p.name} = &{{1'b0, {p.name}_valid, {p.name}_data}};",
                      "    /* verilator lint_on UNUSEDSIGNAL */"]
        for p, src in outs:
            lines += [f"    assign {p.name}_valid = {src}_valid;",
                      f"    assign {src}_ready = {p.name}_ready;",
                      f"    assign {p.name}_data = {src}_data;"]
        if self.errors:
            lines.append(f"    assign err = {' | '.join(self.errors)};")
        lines.append("endmodule")
        return "\n".join(lines) + "\n"


def chain_bits(v: SSAValue) -> tuple[int, bool]:
    """(width, signed) of a chain's input or output: its element type's when the hardware
    streams that type, else 32-bit signed."""
    if not is_streamed(v):
        return 32, True
    k = hw_kind(v)
    return k.bits, k.signed
