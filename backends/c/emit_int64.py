"""C expression for `tqi.mul_shift_round64`: the int64 requantize of the 16x8 kernels."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.c.arena import element
from tqc.backends.c.printer import Body, expression, values
from tqc.dialects import tqi
from tqc.errors import TqcError


@expression(tqi.MulShiftRound64Op)
def mul_shift_round64(b: Body, op: Operation, args: list[str]) -> str:
    assert isinstance(op, tqi.MulShiftRound64Op)
    if element(op.operands[0]) != "i64" or element(op.results[0]) != "i32":
        raise TqcError("c backend: tqi.mul_shift_round64 must map int64 to int32")
    amounts = values(op.amount)
    if not all(1 <= a <= 62 for a in amounts):
        raise TqcError(f"c backend: tqi.mul_shift_round64 amount outside [1, 62]: {amounts}")
    m = b.param(op, values(op.multiplier), "multiplier")
    return f"tqc_mul_shift_round64({args[0]}, {m}, {b.param(op, amounts, 'shift', 'int8_t')})"
