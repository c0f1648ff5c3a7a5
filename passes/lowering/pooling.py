"""AVERAGE_POOL_2D and MAX_POOL_2D (TFLM `reference_integer_ops::{AveragePool, MaxPool}`).

Windows are clipped to the input (padding positions are skipped, not zero-filled):
    avg = clamp(round_away(Σ x / count), act)      Σ over raw stored values, C division with
                                                   ±count/2 (uint8: acc ≥ 0, same formula)
    max = clamp(max x, act)
Input and output quantization must be equal (TFLite requires it).
"""

from __future__ import annotations


from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, ints, shape
from tqc.dialects.element import storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activation import clamp_bounds
from tqc.passes.lowering.conv import _pads


@lowers(tq.AveragePool2DOp, tq.MaxPool2DOp)
def lower_pool(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.PoolOp)
    qi, qo = qtype(op.input), qtype(op.output)
    if (qi.scale, qi.zero_point) != (qo.scale, qo.zero_point):
        raise b.error("pooling needs equal input and output quantization")
    kernel = list(ints(op.filter_size))
    stride = list(ints(op.stride))
    out_shape = list(shape(op.output))
    pads = _pads(op, shape(op.input), kernel, stride, [1, 1], out_shape)
    lo, hi = clamp_bounds(op, op.output)
    element = storage_name(qo)
    props = dict(filter_size=int_array(kernel), stride=int_array(stride), pad=int_array(pads))
    if isinstance(op, tq.AveragePool2DOp):
        acc = b.value(tqi.AvgPoolOp, [b.operands[0]], b.tensor("i32", out_shape), **props)
    else:
        acc = b.value(tqi.MaxPoolOp, [b.operands[0]], b.tensor(element, out_shape), **props)
    clamped = b.value(tqi.ClampOp, [acc], acc.type, min=int_attr(lo), max=int_attr(hi))
    return [b.cast(clamped, element) if isinstance(op, tq.AveragePool2DOp) else clamped]



