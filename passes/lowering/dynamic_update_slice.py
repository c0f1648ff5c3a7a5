"""DYNAMIC_UPDATE_SLICE with constant start indices → pad the update, select by a constant mask.

Reference: TFLM micro/kernels/dynamic_update_slice.cc (int8, int16; LiteRT REF uint8 too): the
start indices clamped to [0, dim − update dim] (the importer does it), then the update's stored
values copied into a copy of the input at the start offset.

Lowering: `tqi.pad` the update to the input's shape (the update at `start`, zeros around), a
constant int8 mask (0 inside the update, −1 outside) and `tqi.select_nonneg(mask, padded,
input)`.
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, ints, shape
from tqc.dialects.element import element
from tqc.passes.lowering import Builder, lowers


@lowers(tq.DynamicUpdateSliceOp)
def lower_dynamic_update_slice(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.DynamicUpdateSliceOp)
    x, update = b.operands
    name = element(x)
    if element(update) != name or element(op.output) != name:
        raise b.error(f"updates {name} with {element(update)} into {element(op.output)}")
    dims, u_dims, start = shape(x), shape(update), ints(op.start)
    if u_dims == dims:
        return [update]
    paddings = [v for s, d, u in zip(start, dims, u_dims) for v in (s, d - u - s)]
    padded = b.value(tqi.PadOp, [update], b.tensor(name, dims), paddings=int_array(paddings),
                     pad_value=int_attr(0))
    mask = np.full(dims, -1, np.int64)
    mask[tuple(slice(s, s + u) for s, u in zip(start, u_dims))] = 0
    return [b.value(tqi.SelectPositiveOp, [b.const(mask, "i8"), padded, x], b.tensor(name, dims))]
