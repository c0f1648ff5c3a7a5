"""The usual requantize epilogue of an accumulating kernel, recognised once for the C backend
(read-only): mul_high, shift_right_round, [add_const,] clamp, cast to 8 bits, on the int32
accumulators, in a straight line. Such an epilogue runs as one `tqc_requant_*` call over a
pixel's channels, or inside the packed conv kernel (`tqc_pconv_*`), instead of element by
element."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tqi
from tqc.dialects.accessors import int_value, ints
from tqc.dialects.element import element, kind_of

REQUANT_TREES = ([tqi.MulHighOp, tqi.ShiftRightRoundOp, tqi.AddConstOp, tqi.ClampOp, tqi.CastOp],
                 [tqi.MulHighOp, tqi.ShiftRightRoundOp, tqi.ClampOp, tqi.CastOp])


@dataclass(frozen=True)
class RequantChain:
    """Per-channel (or uniform: one value) multipliers, right shifts and zero points, the clamp
    bounds, and the C suffix of the 8-bit output ("i8", "u8")."""

    multiplier: tuple[int, ...]
    right_shift: tuple[int, ...]
    add: tuple[int, ...]
    lo: int
    hi: int
    out_suffix: str


def requant_chain(tree: list[Operation], anchor: Operation | None, stored: SSAValue,
                  channels: int) -> RequantChain | None:
    """A kernel's epilogue `tree` (on `anchor`'s result, storing `stored`) as a RequantChain
    over `channels` channels, or None when it is anything else (then it is printed element by
    element)."""
    if anchor is None or [type(op) for op in tree] not in REQUANT_TREES:
        return None
    if tree[0].operands[0] is not anchor.results[0] or element(anchor.results[0]) != "i32":
        return None
    if any(op.operands[0] is not prev.results[0] for prev, op in pairwise(tree)):
        return None
    if element(tree[-1].results[0]) not in ("i8", "ui8") or stored is not tree[-1].results[0]:
        return None
    mul, shift = tree[0], tree[1]
    assert isinstance(mul, tqi.MulHighOp) and isinstance(shift, tqi.ShiftRightRoundOp)
    add = ints(tree[2].value) if isinstance(tree[2], tqi.AddConstOp) else (0,)
    params = (ints(mul.multiplier), ints(shift.amount), add)
    if not all(0 <= v <= 31 for v in params[1]):
        return None
    if any(len(set(vals)) != 1 and len(vals) != channels for vals in params):
        return None
    clamp = tree[-2]
    assert isinstance(clamp, tqi.ClampOp)
    return RequantChain(*params, int_value(clamp.min), int_value(clamp.max),
                        kind_of(tree[-1].results[0]).c_suffix)
