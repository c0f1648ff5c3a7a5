"""Standalone RELU / RELU6 / RELU_N1_TO_1 that fuse-activation did not fold.

Equal input/output quantization: a clamp to the activation range. Otherwise TFLM's
ReluQuantized / Relu6 requantize first:
    out = clamp(zp_out + MultiplyByQuantizedMultiplier(x − zp_in, QM(S_in / S_out)), act)
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.passes.lowering import Builder, int_attr, lowers, qtype, storage_name
from tqc.quant_math import activation_range, quantize_multiplier

NAMES = {tq.ReluOp: "RELU", tq.Relu6Op: "RELU6", tq.ReluN1To1Op: "RELU_N1_TO_1"}


@lowers(tq.ReluOp, tq.Relu6Op, tq.ReluN1To1Op)
def lower_relu(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.ReluFamilyOp)
    qi, qo = qtype(op.input), qtype(op.output)
    element = storage_name(qo)
    lo, hi = activation_range(NAMES[type(op)], qo.scale, qo.zero_point, element)
    if (qi.scale, qi.zero_point) == (qo.scale, qo.zero_point):
        return [b.value(tqi.ClampOp, [b.operands[0]], b.operands[0].type,
                        min=int_attr(lo), max=int_attr(hi))]
    m, s = quantize_multiplier(qi.scale / qo.scale, b.single_rounding)
    x = b.add_const(b.widen(b.operands[0]), [-qi.zero_point])
    return [b.requantize(x, [m], [s], qo.zero_point, (lo, hi), element)]
