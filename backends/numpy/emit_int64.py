"""NumPy lines for the int64 requantize step of the 16x8 kernels (runtime/int64.py)."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.numpy.printer import NumpyPrinter, prints
from tqc.dialects import tqi
from tqc.dialects.accessors import ints


@prints(tqi.MulShiftRound64Op)
def mul_shift_round64_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.MulShiftRound64Op)
    out = p.v(op.output)
    multiplier = p.param(ints(op.multiplier), out + "_multiplier")
    amount = p.param(ints(op.amount), out + "_shift")
    return f"{out} = mul_shift_round64({p.v(op.input)}, {multiplier}, {amount})"
