"""REDUCE_MAX and REDUCE_MIN: a max pool over the reduced elements, no requantization.

Reference (`reference_ops::ReduceGeneric` with `in > current ? in : current`, init the type's
lowest value; TFLM `EvalMaxHelper` int8, which requires equal input and output scale and zero
point; LiteRT REF the same for int8 and uint8): out = max of the stored values over the axes.
REDUCE_MIN is the same with `<` and the type's highest value: min(x) = ~max(~x), with ~x the
strictly decreasing table −1 − x (int8, int16) or 255 − x (uint8), as for ARG_MIN. int16: TFLM
has no kernel (measured: docs/op-support.md); LiteRT REF's `EvalType<int16_t>` is the same
max/min of the stored values, so int16 follows LiteRT REF (the table then has 65536 entries).

Lowering: transpose the reduced axes in front of the kept ones (the batch axis first), reshape
to [N, R, 1, K] (R reduced, K kept elements), `tqi.max_pool` with an R x 1 window, reshape to the
output.
"""

from __future__ import annotations

import math

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import dense_attr, int_array, ints, shape
from tqc.dialects.element import kind, storage_name
from tqc.passes.lowering import Builder, lowers, qtype


def _reversed(b: Builder, x: SSAValue, element: str) -> SSAValue:
    """~x by a table over the whole type (order reversed, inside the type)."""
    lo, hi = kind(element).range
    return b.value(tqi.TableOp, [x], x.type, table=dense_attr(np.arange(hi, lo - 1, -1), element))


@lowers(tq.ReduceMaxOp, tq.ReduceMinOp)
def lower_reduce_max(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, (tq.ReduceMaxOp, tq.ReduceMinOp))
    qi, qo = qtype(op.input), qtype(op.output)
    element = storage_name(qo)
    if (qi.scale, qi.zero_point, storage_name(qi)) != (qo.scale, qo.zero_point, element):
        raise b.error("needs equal input and output quantization (TFLM refuses others)")
    if element not in ("i8", "ui8", "i16") or qi.per_axis:
        raise b.error(f"{element} input is not supported (per-tensor int8, uint8 and int16 only)")
    in_shape = shape(op.input)
    axes = set(ints(op.axes))
    if 0 in axes and in_shape[0] != 1:
        raise b.error(f"reducing the batch axis of {list(in_shape)} is not supported")
    reduced = [a for a in range(1, len(in_shape)) if a in axes]
    kept = [a for a in range(1, len(in_shape)) if a not in axes]
    r = math.prod(in_shape[a] for a in reduced)
    k = math.prod(in_shape[a] for a in kept)
    x = b.operands[0]
    if isinstance(op, tq.ReduceMinOp):
        x = _reversed(b, x, element)
    perm = [0, *reduced, *kept]
    if perm != sorted(perm):
        x = b.value(tqi.TransposeOp, [x], b.tensor(element, [in_shape[a] for a in perm]),
                    perm=int_array(perm))
    x = b.value(tqi.ReshapeOp, [x], b.tensor(element, (in_shape[0], r, 1, k)))
    x = b.value(tqi.MaxPoolOp, [x], b.tensor(element, (in_shape[0], 1, 1, k)),
                filter_size=int_array((r, 1)), stride=int_array((1, 1)), pad=int_array((0, 0, 0, 0)))
    x = b.value(tqi.ReshapeOp, [x], b.tensor(element, shape(op.output)))
    return [_reversed(b, x, element) if isinstance(op, tq.ReduceMinOp) else x]
