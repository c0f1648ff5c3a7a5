"""Which lowered ops the NumPy printer writes as one line: the double-rounding chain
mul_high -> shift_right_round -> add_const -> clamp -> cast becomes one `requantize(...)` call
(runtime/requantize.py) when its preconditions hold. Reads the IR only."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.dialects import tqi
from tqc.dialects.accessors import ints

INT32_MIN = -(2**31)
CHAIN = (tqi.MulHighOp, tqi.ShiftRightRoundOp, tqi.AddConstOp, tqi.ClampOp, tqi.CastOp)


def requantize_chain(op: Operation) -> list[Operation] | None:
    """The five ops starting at `op` if they form the chain, each result used only by the next
    op, with the runtime function's preconditions (no INT32_MIN multiplier, shifts >= 1,
    |offset| < 2^29); else None."""
    chain = [op]
    while len(chain) < len(CHAIN):
        last = chain[-1]
        if not isinstance(last, CHAIN[len(chain) - 1]) or not last.results[0].has_one_use():
            return None
        user = next(iter(last.results[0].uses)).operation
        if user.operands[0] is not last.results[0]:
            return None
        chain.append(user)
    if not isinstance(chain[-1], CHAIN[-1]):
        return None
    mul, shift, add = chain[0], chain[1], chain[2]
    assert isinstance(mul, tqi.MulHighOp) and isinstance(shift, tqi.ShiftRightRoundOp)
    assert isinstance(add, tqi.AddConstOp)
    if INT32_MIN in ints(mul.multiplier) or min(ints(shift.amount)) < 1:
        return None
    if max(abs(v) for v in ints(add.value)) >= 2**29:
        return None
    return chain
