"""The self-checking testbench and its vector files.

`<name>_tb.v` drives every input port of the design from its own hex file (one element per
line, row-major, samples back to back, no reset between them), each port independently;
writes every output port's elements to a hex file of its own, compares each with its
expected-values file when one is given, and prints one result line:

    TQC_RESULT samples=N mismatches=M latency=L total=T

latency: cycles from the first input beat (on any port) to the beat that completes the first
sample on every output port; total: to the last output beat of the last sample. Before it, one
line per sample, `TQC_SAMPLE k done=D`: the cycle (from the first input beat) at which sample k
is complete on every output port; back to back, done[k] - done[k-1] is the interval between
samples. Plusargs, with `<p>` the port's suffix (empty for a design's only input / output,
else its index: `+in0=`, `+out1=`): +in<p>=FILE +out<p>=FILE +expect<p>=FILE +nocheck +n=N
+throttle=1 (random gaps on every handshake, each port its own) +seed=S +timeout=C.

A design with an `err` output (a run-time check: the zero divisor of DIV, FLOOR_DIV, FLOOR_MOD, where
the reference fails the invocation) is watched too: the cycle `err` rises, the testbench
prints `TQC_FAILED err at cycle C after D complete samples` (and runs on to the end).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class TbPort:
    """A port as the testbench sees it: `name` (`in`, `in0`, `out1`, …), `suffix` (`""` or
    the index, for plusargs and file names), bits per element and elements per sample."""

    name: str
    suffix: str
    width: int
    elements: int


def vector_file(name: str, what: str, port: TbPort) -> str:
    """Default vector file of a port: `<name>_tb_input.hex` (`_input0.hex`, …), `_output`,
    `_expected`."""
    return f"{name}_tb_{what}{port.suffix}.hex"


def _declarations(name: str, inputs: list[TbPort], outputs: list[TbPort],
                  err: bool) -> list[str]:
    lines = []
    for p in inputs:
        lines += [f"    reg {p.name}_valid = 1'b0;", f"    wire {p.name}_ready;",
                  f"    reg [{p.width - 1}:0] {p.name}_data = {p.width}'d0;",
                  f"    reg [{p.width - 1}:0] {p.name}_v;",
                  f"    integer {p.name}_file, {p.name}_sent;",
                  f"    reg [8*1024-1:0] {p.name}_path;"]
    for p in outputs:
        lines += [f"    wire {p.name}_valid;", f"    reg {p.name}_ready = 1'b0;",
                  f"    wire [{p.width - 1}:0] {p.name}_data;",
                  f"    reg [{p.width - 1}:0] {p.name}_e;",
                  f"    integer {p.name}_file, {p.name}_exp, {p.name}_recv;",
                  f"    reg [8*1024-1:0] {p.name}_path, {p.name}_exp_path;"]
    conns = [f"        .{p.name}_valid({p.name}_valid), .{p.name}_ready({p.name}_ready), "
             f".{p.name}_data({p.name}_data)" for p in [*inputs, *outputs]]
    if err:
        lines += ["    wire err;", "    reg err_seen = 1'b0;"]
        conns.append("        .err(err)")
    return [*lines, "", f"    {name} dut (", "        .clk(clk), .rst(rst),",
            ",\n".join(conns), "    );"]


def _open_files(name: str, inputs: list[TbPort], outputs: list[TbPort]) -> list[str]:
    lines = []
    for p in inputs:
        lines += [(f'        if (!$value$plusargs("in{p.suffix}=%s", {p.name}_path)) '
                   f'{p.name}_path = "{vector_file(name, "input", p)}";'),
                  f'        {p.name}_file = $fopen({p.name}_path, "r");',
                  f"        {p.name}_sent = 0;",
                  f"        if ({p.name}_file == 0) failed = 1'b1;"]
    for p in outputs:
        lines += [(f'        if (!$value$plusargs("out{p.suffix}=%s", {p.name}_path)) '
                   f'{p.name}_path = "{vector_file(name, "output", p)}";'),
                  (f'        if (!$value$plusargs("expect{p.suffix}=%s", {p.name}_exp_path)) '
                   f'{p.name}_exp_path = "{vector_file(name, "expected", p)}";'),
                  f'        {p.name}_file = $fopen({p.name}_path, "w");',
                  f"        {p.name}_exp = 0;",
                  f'        if (checking) {p.name}_exp = $fopen({p.name}_exp_path, "r");',
                  f"        {p.name}_recv = 0;",
                  (f"        if ({p.name}_file == 0 || (checking && {p.name}_exp == 0)) "
                   "failed = 1'b1;")]
    return lines


def _sources(inputs: list[TbPort]) -> list[str]:
    """One registered valid/data pair per input port, refilled whenever it is empty or taken."""
    lines = []
    for p in inputs:
        lines += [
            f"            if (!{p.name}_valid || {p.name}_ready) begin",
            (f"                if ({p.name}_sent < n * {p.elements} && "
             "(throttle == 0 || ($random(seed) & 3) != 0)) begin"),
            f'                    r = $fscanf({p.name}_file, "%h\\n", {p.name}_v);',
            f"                    {p.name}_data <= {p.name}_v;",
            f"                    {p.name}_valid <= 1'b1;",
            f"                    {p.name}_sent = {p.name}_sent + 1;",
            f"                end else {p.name}_valid <= 1'b0;",
            "            end"]
    return lines


def _sinks(outputs: list[TbPort]) -> list[str]:
    """Write, compare and count each output port's beats."""
    lines = []
    for p in outputs:
        where = "" if not p.suffix else f"{p.name} "
        lines += [
            f"            if ({p.name}_valid && {p.name}_ready) begin",
            f'                $fwrite({p.name}_file, "%h\\n", {p.name}_data);',
            "                if (checking) begin",
            f'                    r = $fscanf({p.name}_exp, "%h\\n", {p.name}_e);',
            f"                    if ({p.name}_e !== {p.name}_data) begin",
            "                        if (mismatches < 10)",
            (f'                            $display("TQC_MISMATCH {where}sample %0d element %0d: '
             f'got %h expected %h", {p.name}_recv / {p.name.upper()}_ELEMS, '
             f"{p.name}_recv % {p.name.upper()}_ELEMS, {p.name}_data, {p.name}_e);"),
            "                        mismatches = mismatches + 1;",
            "                    end",
            "                end",
            f"                {p.name}_recv = {p.name}_recv + 1;",
            "            end"]
    return lines


def testbench(name: str, inputs: list[TbPort], outputs: list[TbPort], n_default: int,
              timeout: int, err: bool = False) -> str:
    """`<name>_tb.v`: drives every input port, checks every output port (module docstring)."""
    both = [*inputs, *outputs]
    beat = " || ".join(f"({p.name}_valid && {p.name}_ready)" for p in inputs) or "1'b0"
    # samples complete on every output port
    complete = " && ".join(f"{p.name}_recv >= (done + 1) * {p.name.upper()}_ELEMS"
                           for p in outputs)
    finished = " && ".join(f"{p.name}_recv == n * {p.name.upper()}_ELEMS" for p in outputs)
    received = " + ".join(f"{p.name}_recv" for p in outputs)
    expected = " + ".join(f"{p.name.upper()}_ELEMS" for p in outputs)
    # a port takes n samples, no more (a constant output's ROM streams without end)
    readies = [f"            {p.name}_ready <= {p.name}_recv < n * {p.name.upper()}_ELEMS && "
               "(throttle == 0 || ($random(seed) & 3) != 0);" for p in outputs]
    closes = [f"                $fclose({p.name}_file);" for p in outputs]
    lines = [
        "`timescale 1ns/1ps",
        f"// Self-checking testbench for {name}: generated by tqc.",
        f"module {name}_tb;",
        *(f"    localparam {p.name.upper()}_ELEMS = {p.elements};" for p in both),
        "    reg clk = 1'b0;",
        "    reg rst = 1'b1;",
        "    always #5 clk = ~clk;",
        "",
        *_declarations(name, inputs, outputs, err),
        "",
        "    integer n, throttle, seed, timeout, r, mismatches, cycle, start, latency, done;",
        "    reg checking, failed;",
        "",
        "    initial begin",
        "        checking = 1'b1;",
        '        if ($test$plusargs("nocheck")) checking = 1\'b0;',
        f'        if (!$value$plusargs("n=%d", n)) n = {n_default};',
        '        if (!$value$plusargs("throttle=%d", throttle)) throttle = 0;',
        '        if (!$value$plusargs("seed=%d", seed)) seed = 1;',
        f'        if (!$value$plusargs("timeout=%d", timeout)) timeout = {timeout};',
        "        failed = 1'b0;",
        *_open_files(name, inputs, outputs),
        "        if (failed) begin",
        '            $display("TQC_ERROR cannot open the vector files");',
        "            $finish;",
        "        end",
        "        mismatches = 0; cycle = 0; start = -1; latency = -1; done = 0;",
        "        repeat (3) @(posedge clk);",
        "        rst <= 1'b0;",
        "    end",
        "",
        "    // sources (one per input port), sinks (one per output port), the result",
        "    always @(posedge clk) begin",
        "        if (!rst) begin",
        "            cycle <= cycle + 1;",
        f"            if (start < 0 && ({beat})) start = cycle;",
        *_sources(inputs),
        *_sinks(outputs),
        *readies,
        *([  # a run-time check failed: the reference fails this invocation
            "            if (err && !err_seen) begin",
            "                err_seen = 1'b1;",
            '                $display("TQC_FAILED err at cycle %0d after %0d complete samples",',
            "                         cycle - start + 1, done);",
            "            end"] if err else []),
        f"            while (done < n && {complete}) begin",
        "                if (done == 0) latency = cycle - start + 1;",
        '                $display("TQC_SAMPLE %0d done=%0d", done, cycle - start + 1);',
        "                done = done + 1;",
        "            end",
        f"            if ({finished}) begin",
        '                $display("TQC_RESULT samples=%0d mismatches=%0d latency=%0d total=%0d", n,',
        "                         mismatches, latency, cycle - start + 1);",
        "                if (checking && mismatches == 0) $display(\"PASS\");",
        "                if (checking && mismatches != 0) $display(\"FAIL\");",
        *closes,
        "                $finish;",
        "            end",
        "            if (cycle > timeout) begin",
        '                $display("TQC_ERROR timeout after %0d cycles (%0d of %0d outputs)", cycle,',
        f"                         {received}, n * ({expected}));",
        "                $finish;",
        "            end",
        "        end",
        "    end",
        "endmodule",
    ]
    return "\n".join(lines) + "\n"


def hex_lines(values: np.ndarray, width: int) -> str:
    """One `width`-bit two's complement value per line."""
    digits = (width + 3) // 4
    mask = (1 << width) - 1  # Python ints: a 64-bit mask does not fit numpy's int64
    if values.dtype == np.bool_:
        values = values.astype(np.uint8)
    return "".join(f"{v & mask:0{digits}x}\n" for v in values.reshape(-1).tolist())


def parse_hex(text: str, width: int, dtype: str) -> np.ndarray:
    vals = [int(t, 16) for t in text.split()]
    if np.dtype(dtype) == np.bool_:  # a one-bit bool stream
        return np.array(vals, dtype=np.bool_)
    if np.iinfo(dtype).min < 0:
        vals = [v - (1 << width) if v >= 1 << (width - 1) else v for v in vals]
    return np.array(vals, dtype=dtype)
