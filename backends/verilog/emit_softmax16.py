"""`tqi.softmax_lut` (int16 SOFTMAX, reference_ops::SoftmaxInt16) → an instance of
`tqc_softmax16` (templates/tqc_softmax16.v) with its two 513-entry int16 LUTs as ROM files.

Arithmetic (as `tqc/semantics/softmax.py: softmax_int16`): d = x − row max;
s = MultiplyByQuantizedMultiplier(d, m, shift) (double rounding); e = LUT_exp(clamp(s + 32767));
sum = Σ e (int32); h = CountLeadingZeros(sum); r = LUT_recip(clamp((((int64 sum << (h − 1)) +
2^13) >> 14) − 98304)); out = clamp((e · r + 2^(30 − h)) >> (31 − h), 0, 32767).
"""

from __future__ import annotations

import numpy as np

from tqc.backends.verilog.emit_conv import rom_lines
from tqc.backends.verilog.emitter import VerilogEmitter, hexword
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array, int_value
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal


@emits(tqi.SoftmaxLutOp)
def softmax16(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.SoftmaxLutOp)
    if hw_kind(op.input).name != "i16" or hw_kind(op.output).name != "i16":
        raise refusal(op, "int16 softmax on other types: no Verilog hardware yet")
    shift = int_value(op.input_shift)
    if not -31 <= shift <= 31:
        raise refusal(op, f"input shift {shift} out of range: no Verilog hardware yet")
    n = dims(op.input)[-1]
    files = {}
    for label, attr in (("exp", op.exp_lut), ("recip", op.reciprocal_lut)):
        rom = f"{e.plan.name}_{stage.name}_{label}.hex"
        values = dense_array(attr).astype(np.int64).reshape(513, 1)
        e.files[rom] = rom_lines(values & 0xFFFF, 16)
        files[label] = rom
    params = {"N": n, "NAW": clog2(n), "MUL": hexword(int_value(op.input_multiplier), 32),
              "LEFT": max(shift, 0), "RIGHT": max(-shift, 0),
              "EXPFILE": f'"{files["exp"]}"', "RECIPFILE": f'"{files["recip"]}"'}
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    e.template("tqc_softmax16.v")
    src, dst = e.connect(stage, 16)
    return e.instance("tqc_softmax16", f"u_{stage.name}", src, dst, text)
