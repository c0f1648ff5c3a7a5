"""`tqi.softmax` (8-bit input) → an instance of `tqc_softmax` (templates/tqc_softmax.v).

The Q0.31 exponential of every possible difference to the row maximum (0..255) goes to a ROM,
computed with the NumPy backend's runtime functions from the op's attributes, exactly as
`runtime/softmax.py: softmax` computes `exp_q0` (0 where the difference is below diff_min, so
such elements add nothing to the sum and come out as the output minimum, as the reference's
skip does).
"""

from __future__ import annotations

import numpy as np

from tqc.backends.verilog.emit_conv import rom_lines
from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal
from tqc.semantics.fixedpoint import mul_high, shift_left
from tqc.semantics.gemmlowp import exp_on_negative_values

SCALED_DIFF_INTEGER_BITS = 5


def exp_table(op: tqi.SoftmaxOp) -> np.ndarray:
    """exp_q0 for diff = 0, -1, ..., -255 (index = max - x)."""
    diff = -np.arange(256, dtype=np.int64)
    scaled = mul_high(shift_left(diff, int_value(op.input_left_shift)), int_value(op.input_multiplier))
    exp_q0 = exp_on_negative_values(scaled, SCALED_DIFF_INTEGER_BITS).astype(np.int64)
    return np.where(diff >= int_value(op.diff_min), exp_q0, 0)


@emits(tqi.SoftmaxOp)
def softmax(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.SoftmaxOp)
    xkind, okind = hw_kind(op.input), hw_kind(op.output)
    xw, xsigned, ow = xkind.bits, xkind.signed, okind.bits
    if xw != 8:
        raise refusal(op, f"{xkind.name} input: no Verilog hardware yet (8-bit only)")
    n = dims(op.input)[-1]
    omin, omax = okind.range
    rom = f"{e.plan.name}_{stage.name}_exp.hex"
    e.files[rom] = rom_lines(exp_table(op).reshape(256, 1) & 0xFFFFFFFF, 32)
    params = {"N": n, "NAW": clog2(n), "XW": xw, "XSIGNED": int(xsigned), "OW": ow,
              "OMIN": omin, "OMAX": omax, "EXPFILE": f'"{rom}"'}
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    e.template("tqc_softmax.v")
    src, dst = e.connect(stage, ow)
    return e.instance("tqc_softmax", f"u_{stage.name}", src, dst, text)
