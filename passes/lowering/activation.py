"""Clamp bounds of an op's fused activation (resolved by fuse-activation, or computed here)."""

from __future__ import annotations

from xdsl.dialects.builtin import DenseArrayBase, StringAttr
from xdsl.ir import Operation, SSAValue

from tqc.passes.lowering import qtype, storage_name
from tqc.quant_math import activation_range


def clamp_bounds(op: Operation, output: SSAValue) -> tuple[int, int]:
    """The integer [min, max] the op's result is clamped to."""
    clamp = op.properties.get("clamp")
    if isinstance(clamp, DenseArrayBase):
        lo, hi = clamp.get_values()
        return int(lo), int(hi)
    act = op.properties.get("activation")
    name = act.data if isinstance(act, StringAttr) else "NONE"
    q = qtype(output)
    return activation_range(name, q.scale, q.zero_point, storage_name(q))
