"""`tqi.log_softmax` (int8, uint8) → an instance of `tqc_log_softmax`
(templates/tqc_log_softmax.v).

Two 256-entry ROMs indexed by the difference to the row maximum (max − x, 0..255) hold what
depends on it alone, computed at compile time with the functions of
`tqc.semantics.log_softmax` from the op's attributes: SCALED, the Q5.26 rescaled difference
MultiplyByQuantizedMultiplier(diff, input_multiplier, input_left_shift), and EXP, its
RoundingDivideByPOT(exp_on_negative_values(scaled), 12), 0 where diff < diff_min (such elements
add nothing to the sum). The per-row logarithm runs as microcode in the template.
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
from tqc.semantics.fixedpoint import multiply_by_quantized_multiplier
from tqc.semantics.gemmlowp import (
    exp_on_negative_values,
    saturating_rounding_mul_by_pot,
)

# Rows of 4096 elements could wrap the int32 sum of 2^19-sized terms (the template assumes not).
MAX_ROW = 4095


def log_softmax_tables(op: tqi.LogSoftmaxOp) -> tuple[np.ndarray, np.ndarray]:
    """(EXP, SCALED) for diff = 0, −1, …, −255 (index = max − x)."""
    diff = -np.arange(256, dtype=np.int64)
    scaled = multiply_by_quantized_multiplier(diff, int_value(op.input_multiplier),
                                              int_value(op.input_left_shift)).astype(np.int64)
    exp_q12 = saturating_rounding_mul_by_pot(exp_on_negative_values(scaled, 5), -12)
    return np.where(diff >= int_value(op.diff_min), exp_q12, 0), scaled


@emits(tqi.LogSoftmaxOp)
def log_softmax(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.LogSoftmaxOp)
    kind = hw_kind(op.input)
    n = dims(op.input)[-1]
    if n > MAX_ROW:
        raise refusal(op, f"rows of {n} elements (more than {MAX_ROW}): no Verilog hardware yet")
    exp, scaled = log_softmax_tables(op)
    omin, omax = kind.range
    files = {}
    for suffix, table in (("exp", exp), ("scaled", scaled)):
        files[suffix] = f"{e.plan.name}_{stage.name}_{suffix}.hex"
        e.files[files[suffix]] = rom_lines(table.reshape(256, 1) & 0xFFFFFFFF, 32)
    params = {"N": n, "NAW": clog2(n), "XW": kind.bits, "XSIGNED": int(kind.signed),
              "OMIN": omin, "OMAX": omax, "DIFF_MIN": int_value(op.diff_min),
              "DIVISOR": int_value(op.reverse_scaling_divisor),
              "RSHIFT": int_value(op.reverse_scaling_right_shift),
              "EXPFILE": f'"{files["exp"]}"', "SCALEDFILE": f'"{files["scaled"]}"'}
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    e.template("tqc_log_softmax.v")
    src, dst = e.connect(stage, kind.bits)
    return e.instance("tqc_log_softmax", f"u_{stage.name}", src, dst, text)
