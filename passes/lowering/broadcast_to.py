"""BROADCAST_TO → an element-wise maximum with the type's lowest value, which broadcasts.

Reference: TFLM `BroadcastTo` (micro/kernels/broadcast_to.cc, `reference_ops::BroadcastTo`, any
element type): the stored values copied to the output shape, the input's dimensions
right-aligned, a dimension of 1 repeated. No requantization.

Lowering: reshape the input to the output's rank (leading 1s), then `tqi.max` with a constant
that holds the type's lowest value and has the output's size on exactly the axes where the input
has 1 (1 elsewhere): max(x, lowest) = x, and NumPy broadcasting of the two shapes is the output
shape. Every backend already broadcasts `tqi.max`.
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import shape
from tqc.dialects.element import element, kind
from tqc.passes.lowering import Builder, lowers


@lowers(tq.BroadcastToOp)
def lower_broadcast_to(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.BroadcastToOp)
    x, out = b.operands[0], shape(op.output)
    name = element(x)
    if element(op.output) != name:
        raise b.error(f"broadcasts {name} into {element(op.output)}")
    padded = (1,) * (len(out) - len(shape(x))) + shape(x)
    if padded != shape(x):
        x = b.value(tqi.ReshapeOp, [x], b.tensor(name, padded))
    if padded == out:
        return [x]
    fill_shape = [t if s == 1 else 1 for s, t in zip(padded, out)]
    lowest = b.const(np.full(fill_shape, kind(name).lo), name)
    return [b.value(tqi.MaxOp, [x, lowest], b.tensor(name, out))]
