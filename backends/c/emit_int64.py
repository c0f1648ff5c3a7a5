"""C expression for `tqi.mul_shift_round64`: the int64 requantize of the 16x8 kernels."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.c.printer import Body, expression
from tqc.dialects import tqi
from tqc.dialects.accessors import ints as values
from tqc.dialects.element import kind_of
from tqc.errors import TqcError


@expression(tqi.MulShiftRound64Op)
def mul_shift_round64(b: Body, op: Operation, args: list[str]) -> str:
    assert isinstance(op, tqi.MulShiftRound64Op)
    if kind_of(op.operands[0]).name != "i64" or kind_of(op.results[0]).name != "i32":
        raise TqcError("c backend: tqi.mul_shift_round64 must map int64 to int32")
    amounts = values(op.amount)
    if not all(1 <= a <= 62 for a in amounts):
        raise TqcError(f"c backend: tqi.mul_shift_round64 amount outside [1, 62]: {amounts}")
    m = b.param(op, values(op.multiplier), "multiplier")
    return f"tqc_mul_shift_round64({args[0]}, {m}, {b.param(op, amounts, 'shift', 'i8')})"
