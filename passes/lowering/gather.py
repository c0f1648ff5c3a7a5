"""GATHER / EMBEDDING_LOOKUP with constant indices → slices and a concatenation.

Reference: TFLM `Gather` (micro/kernels/gather.cc: int8 and float32 params) and
`EmbeddingLookup` (int8 value; LiteRT REF also uint8 and int16): output = np.take(input,
indices, axis), the stored values copied (no requantization, whatever the output's
quantization says). The importer refuses indices outside the axis.

Lowering: each run of consecutive indices (i, i+1, ..., i+k) is one `tqi.slice` along the axis;
the runs are concatenated along the axis (`tqi.concat`, when more than one) and reshaped to the
output (the indices' shape in place of the axis).
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, int_value, ints, shape
from tqc.dialects.element import storage_name
from tqc.passes.lowering import Builder, lowers, qtype


def runs(indices: tuple[int, ...]) -> list[tuple[int, int]]:
    """(start, stop) of each run of consecutive indices, in order."""
    out: list[tuple[int, int]] = []
    for i in indices:
        if out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


@lowers(tq.GatherOp)
def lower_gather(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.GatherOp)
    element = storage_name(qtype(op.input))
    if storage_name(qtype(op.output)) != element:
        raise b.error(f"gathers {element} into {storage_name(qtype(op.output))}")
    axis, in_shape = int_value(op.axis), shape(op.input)
    parts = []
    for start, stop in runs(ints(op.indices)):
        begin = [start if a == axis else 0 for a in range(len(in_shape))]
        end = [stop if a == axis else d for a, d in enumerate(in_shape)]
        if (begin, end) == ([0] * len(in_shape), list(in_shape)):
            parts.append(b.operands[0])
            continue
        parts.append(b.value(tqi.SliceOp, [b.operands[0]],
                             b.tensor(element, [stop - start if a == axis else d
                                                for a, d in enumerate(in_shape)]),
                             begin=int_array(begin), end=int_array(end),
                             strides=int_array([1] * len(in_shape))))
    x = parts[0]
    if len(parts) > 1:
        count = len(ints(op.indices))
        x = b.value(tqi.ConcatOp, [parts], b.tensor(element, [count if a == axis else d
                                                               for a, d in enumerate(in_shape)]),
                    axis=int_attr(axis))
    if shape(x) == shape(op.output):
        return [x]
    return [b.value(tqi.ReshapeOp, [x], b.tensor(element, shape(op.output)))]
