"""GATHER_ND with constant indices → reshape, slices and a concatenation, reshape.

TFLM `GatherNd` (micro/kernels/gather_nd.cc: int8 and float32 params, int32 indices; LiteRT
REF's reference_ops::GatherNd also uint8 and int16): with index tuples of length d over params
of shape D,
    slice_size = D[d] · … · D[-1]
    from_pos_i = Σ_j t_ij · (D[j+1] · … · D[-1])
    output[i·slice_size : (i+1)·slice_size] = params_flat[from_pos_i : from_pos_i + slice_size]
(memcpy of the stored values: no requantization; from_pos outside the params is a run-time
error, refused at import). Lowering: view the params as [1, rows, slice_size] (rows =
D[0]·…·D[d-1]), take rows from_pos_i / slice_size along axis 1 (gather.py `take`: a slice per
run of consecutive rows, concatenated), reshape to the output.
"""

from __future__ import annotations

from math import prod

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_value, ints, shape
from tqc.dialects.element import element, storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.gather import take


@lowers(tq.GatherNdOp)
def lower_gather_nd(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.GatherNdOp)
    if storage_name(qtype(op.output)) != storage_name(qtype(op.input)):
        raise b.error(f"copies {storage_name(qtype(op.input))} into "
                      f"{storage_name(qtype(op.output))}")
    dims = shape(op.input)
    depth = int_value(op.index_depth)
    tuples = np.array(ints(op.indices), dtype=np.int64).reshape(-1, depth)
    rows = tuples @ np.array([prod(dims[j + 1:depth]) for j in range(depth)], dtype=np.int64)
    x = b.operands[0]
    view = (1, prod(dims[:depth]), prod(dims[depth:]))
    if tuple(shape(x)) != view:
        x = b.value(tqi.ReshapeOp, [x], b.tensor(element(x), view))
    x = take(b, x, 1, [int(r) for r in rows])
    if shape(x) == shape(op.output):
        return [x]
    return [b.value(tqi.ReshapeOp, [x], b.tensor(element(x), shape(op.output)))]
