"""Standalone RELU / RELU6 / RELU_N1_TO_1 that fuse-activation did not fold.

Equal input/output quantization: a clamp to the activation range. Otherwise, by reference:
- RELU (TFLM `ReluQuantized`, LiteRT `ReluX`), RELU6 and RELU_N1_TO_1 in LiteRT:
      out = clamp(zp_out + MultiplyByQuantizedMultiplier(x − zp_in, QM(S_in / S_out)), act)
  with the activation range of the output quantization (roundf of float32 divisions). S_in / S_out
  is a double division in the TFLM wheel (int8/int16: measured; its machine code is cvtss2sd +
  divsd) and a float32 division in LiteRT (uint8; and int8 RELU_N1_TO_1, which TFLM lacks).
- RELU6 in TFLM (int8/int16, `Relu6Quantized`) never looks at the output quantization:
      six = clamp(int32(double(roundf(f32(6 / S_in))) + zp_in), type range)
      out = clamp(x, zp_in, six)
  (FloatToQuantizedType; the int32 conversion of an out-of-range value gives INT32_MIN on
  x86-64, so for S_in < ~3e-9 six is the type minimum: refused.)
The other kernels convert round(bound / S_out) to int32 unchecked: where that overflows (S_out
below ~2.8e-9 for RELU6), undefined behaviour in C, refused (activation_range, checked=False).
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_attr
from tqc.dialects.element import kind, storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activation import relu_range
from tqc.semantics.quant_math import f32, quantize_multiplier, round_half_away


def tflm_relu6_bounds(scale: float, zero_point: int, element: str) -> tuple[int, int]:
    """(zero, six) of TFLM's Relu6Prepare."""
    qmin, qmax = kind(element).range
    six = float(round_half_away(f32(6.0 / scale))) + zero_point
    six_int = int(six) if -(2.0**31) <= six < 2.0**31 else -(2**31)
    return zero_point, min(max(six_int, qmin), qmax)


@lowers(tq.ReluOp, tq.Relu6Op, tq.ReluN1To1Op)
def lower_relu(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.ReluFamilyOp)
    qi, qo = qtype(op.input), qtype(op.output)
    element = storage_name(qo)
    tflm = element in ("i8", "i16") and not isinstance(op, tq.ReluN1To1Op)
    if tflm and isinstance(op, tq.Relu6Op):  # clamp on the input's own scale
        lo, hi = tflm_relu6_bounds(qi.scale, qi.zero_point, element)
        if hi < lo:
            raise b.error(f"input scale {qi.scale!r} is too small for TFLM's RELU6")
        return [b.value(tqi.ClampOp, [b.operands[0]], b.operands[0].type,
                        min=int_attr(lo), max=int_attr(hi))]
    lo, hi = relu_range(op, qo)
    if (qi.scale, qi.zero_point) == (qo.scale, qo.zero_point):
        return [b.value(tqi.ClampOp, [b.operands[0]], b.operands[0].type,
                        min=int_attr(lo), max=int_attr(hi))]
    real = qi.scale / qo.scale if tflm else f32(qi.scale / qo.scale)
    m, s = quantize_multiplier(real, b.single_rounding)
    x = b.add_const(b.widen(b.operands[0]), [-qi.zero_point])
    return [b.requantize(x, [m], [s], qo.zero_point, (lo, hi), element)]
