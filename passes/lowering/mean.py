"""MEAN (quantized) → int32 sum + fixed-point rescale.

Reference: `reference_ops::QuantizedMeanOrSum` (lite/kernels/internal/reference/reduce.h), used by
TFLM `EvalMeanHelper` for every int8/int16 MEAN (tflite-micro 2026: no special 4-D case and no
float arithmetic any more) and by LiteRT BUILTIN_REF `EvalQuantizedMean` for int8/uint8/int16;
both prepare the same parameters, so one lowering serves both:
    (m, s) = QuantizeMultiplier(double(S_in) / double(S_out))
    N = number of reduced elements;  k = min(floor(log2 N), 32, 31 + s)
    m' = int32((int64(m) << k) / N)   (C division, truncating);  s' = s − k
    sum = Σ x                         (int32 accumulator, wraps)
    acc = int32(sum − zp_in · N)      (int64 difference, truncated to int32)
    out = clamp(MultiplyByQuantizedMultiplier(acc, m', s') + zp_out, type range)   (double rounding)
No fused activation (MEAN has none). `--rounding single` uses single rounding for the last step.
`--reference xnnpack` (8-bit): XNNPACK's float32 convert of the raw sum, `tqi.mul_add_round_f32`
(`xnnpack.mean_parameters`).
"""

from __future__ import annotations

import math

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, ints, shape
from tqc.dialects.element import kind, storage_name
from tqc.dialects.quant_type import QuantType
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.xnnpack import mean_parameters, uses_xnnpack
from tqc.semantics.quant_math import quantize_multiplier


def mean_multiplier(input_scale: float, output_scale: float, count: int) -> tuple[int, int]:
    """(m', s'): QuantizeMultiplier(S_in / S_out) with 1/count folded in, as the reference does."""
    multiplier, shift = quantize_multiplier(input_scale / output_scale)
    if count <= 0:
        return multiplier, shift
    k = min(count.bit_length() - 1, 32, 31 + shift)
    return (multiplier << k) // count, shift - k


def summed(b: Builder, op: tq.MeanOp | tq.SumOp, what: str
           ) -> tuple[QuantType, QuantType, str, int, SSAValue]:
    """What MEAN and SUM share: their checks, N (the reduced elements) and the int32 sum over
    the reduced axes, as (S/Z in, S/Z out, element, N, sum)."""
    qi, qo = qtype(op.input), qtype(op.output)
    element = storage_name(qo)
    if storage_name(qi) != element or element not in ("i8", "ui8", "i16"):
        raise b.error(f"{what} {storage_name(qi)} → {element} is not supported")
    if qi.per_axis or qo.per_axis:
        raise b.error(f"{what} needs per-tensor quantization")
    axes = list(ints(op.axes))
    count = math.prod(shape(op.input)[a] for a in axes)
    total = b.value(tqi.SumOp, [b.widen(b.operands[0])], b.tensor("i32", shape(op.output)),
                    axes=int_array(axes))
    return qi, qo, element, count, total


def rescaled(b: Builder, total: SSAValue, qi: QuantType, qo: QuantType, element: str, count: int,
             multiplier: int, shift: int) -> SSAValue:
    """The reference's last steps: int32(sum − zp_in·N), then the requantize to the output."""
    offset = (-qi.zero_point * count + (1 << 31)) % (1 << 32) - (1 << 31)  # int32(… − zp·N)
    acc = b.add_const(total, [offset])
    return b.requantize(acc, [multiplier], [shift], qo.zero_point, kind(element).range, element)


@lowers(tq.MeanOp)
def lower_mean(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.MeanOp)
    qi, qo, element, count, total = summed(b, op, "mean")
    multiplier, shift = mean_multiplier(qi.scale, qo.scale, count)
    if uses_xnnpack(b, element):
        m, e, z = mean_parameters(b, qi.scale, qo.scale, qi.zero_point, qo.zero_point, count)
        x = b.value(tqi.MulAddRoundF32Op, [total], total.type, mantissa=int_array([m]),
                    exponent=int_array([e]), addend=int_array([z]))
        lo, hi = kind(element).range
        x = b.value(tqi.ClampOp, [x], x.type, min=int_attr(lo), max=int_attr(hi))
        return [b.cast(x, element)]
    b.note(f"S_in={qi.scale:.6g} S_out={qo.scale:.6g} N={count}: S_in/(S_out*N) ~ "
           f"{multiplier}*2^({shift}-31); zero points: in {qi.zero_point}, out {qo.zero_point}")
    return [rescaled(b, total, qi, qo, element, count, multiplier, shift)]
