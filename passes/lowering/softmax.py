"""SOFTMAX → `tqi.softmax` (8-bit input) or `tqi.softmax_lut` (int16 input).

Reference: `reference_ops::Softmax<InputT, OutputT>` (lite/kernels/internal/reference/softmax.h),
used by TFLM (int8 → int8/int16) and by LiteRT BUILTIN_REF (uint8/int8 → uint8/int8/int16) with
identical parameters, so one lowering serves both (measured: same bits in both runtimes).

Prepare (TFLM `CalculateSoftmaxParams`, LiteRT `SoftmaxPrepare` kReference), in double:
    real = min(double(beta) · double(S_in) · 2^26, 2^31 − 1)        (kScaledDiffIntegerBits = 5)
    (m, left_shift) = QuantizeMultiplierGreaterThanOne(real)          (CHECK real > 1, shift ≥ 0)
    diff_min = −floor(31 · 2^26 / 2^left_shift)                       (CalculateInputRadius)
Eval, per row of the last axis (gemmlowp fixed point, int32 raw values):
    diff = x − max(row)                                   (zero points cancel: never used)
    skip elements with diff < diff_min (output = min(OutputT), not summed)
    s = SRDHM(diff · 2^left_shift, m)                     Q5.26, int32 wrap on the shift
                                                          (one rounding: single- and double-
                                                          rounding builds agree here)
    e = exp_on_negative_values(s)                         Q0.31 (gemmlowp, barrel shifter)
    sum = Σ RoundingDivideByPOT(e, 12)                    Q12.19, int32 wrap
    (r, nbou) = GetReciprocal(sum, 12)                    one_over_one_plus_x_for_x_in_0_1
    out = clamp(RoundingDivideByPOT(SRDHM(r, e), nbou + 31 − bits(OutputT)) + min(OutputT))
The output zero point and scale are not read by Eval: the result is implicitly scale 2^−bits with
zero point min(OutputT). Prepare enforces it (TFLM int8: zp −128 and scale == 1/256 exactly;
int16: zp −32768, scale ≈ 1/65536; LiteRT int8: zp −128, scale ≈ 1/256; LiteRT uint8 checks
nothing — here we require zp 0 and scale ≈ 1/256 rather than silently mislabel the output).
The reference CHECKs 0 ≤ nbou + 31 − bits(OutputT) ≤ 31: with 8-bit output it aborts on any row
whose sum of exponentials reaches 512 (raw 2^28; e.g. 512 equal maxima, measured in TFLM and
LiteRT); the runtime raises ValueError there. Rows with ≥ 4096 equal maxima wrap the int32 sum
(int16 output: garbage, reproduced as the C arithmetic gives it).

int16 → int16 (TFLM `SoftmaxInt16`, → `tqi.softmax_lut`): input and output zero points 0, output
scale ≈ 1/32768;  (m, shift) = QuantizeMultiplier(double(S_in) · double(beta) / (10.0 / 65535.0))
    diff = x − max(row);  s = MultiplyByQuantizedMultiplier(diff, m, shift)   (double rounding)
    e = LUTLookup(clamp(s + 32767, int16), exp_lut)                           Q0.15
    sum = Σ e (int32);  h = CountLeadingZeros(uint32 sum)
    r = LUTLookup(clamp(((sum << (h − 1)) + 2^13) >> 14 − 3·2^15, int16), reciprocal_lut)
    out = clamp((e · r + 2^(30 − h)) >> (31 − h), 0, 32767)
The LUTs are TFLM's `LUTPopulate<int16_t>` in float32 (exp over [−10, 0], 1/(1+x) over [0, 1]),
independent of the model. LiteRT's int16 softmax builds them in double and rescales the input with
a float32 S_in · beta product, so it is not the reference here. std::exp(float) is glibc's expf,
which is not always correctly rounded; float32(exp(double)) differs from it on 1 of the 1540 LUT
sample points but gives the identical table (a test checks this against libm where available).
"""

from __future__ import annotations

import math

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import dense_attr, int_attr
from tqc.dialects.element import kind, storage_name
from tqc.passes.lowering import Builder, lowers, plain, qtype
from tqc.semantics.quant_math import quantize_multiplier
from tqc.semantics.tables import lut_populate_int16

SCALED_DIFF_INTEGER_BITS = 5
OUTPUT_ELEMENTS = ("i8", "ui8", "i16")


def output_encoding(element: str) -> tuple[int, float]:
    """(zero point, scale) that the reference's implicit output encoding means: the type's
    minimum and 2^-bits (int8 -128 and 1/256, uint8 0 and 1/256, int16 -32768 and 1/65536)."""
    k = kind(element)
    return k.lo, 1 / (1 << k.bits)


def softmax_params(beta: float, input_scale: float) -> tuple[int, int, int] | None:
    """(input_multiplier, input_left_shift, diff_min), or None when the reference's
    QuantizeMultiplierGreaterThanOne CHECK (real > 1) would fail."""
    real = min(beta * input_scale * (1 << (31 - SCALED_DIFF_INTEGER_BITS)), (1 << 31) - 1.0)
    if not real > 1.0:
        return None
    multiplier, left_shift = quantize_multiplier(real)
    radius = math.floor(
        ((1 << SCALED_DIFF_INTEGER_BITS) - 1) * (1 << (31 - SCALED_DIFF_INTEGER_BITS))
        / (1 << left_shift))
    return multiplier, left_shift, -radius


@lowers(tq.SoftmaxOp)
def lower_softmax(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.SoftmaxOp)
    qi, qo = qtype(op.input), qtype(op.output)
    element_in, element_out = storage_name(qi), storage_name(qo)
    if element_in == "i16":
        return [_lower_softmax_int16(b, op)]
    if element_in not in ("i8", "ui8"):
        raise b.error(f"softmax with {element_in} input is not supported")
    if element_out not in OUTPUT_ELEMENTS or (element_in, element_out) == ("ui8", "i8"):
        raise b.error(f"softmax {element_in} → {element_out} is not supported")
    zero_point, scale = output_encoding(element_out)
    if qo.per_axis or qo.zero_point != zero_point or abs(qo.scale - scale) > 0.001 * scale:
        raise b.error(f"softmax {element_out} output must have zero point {zero_point} and "
                      f"scale {scale} (the reference kernel assumes it), got "
                      f"{qo.zero_point} and {qo.scale}")
    params = softmax_params(op.beta.value.data, qi.scale)
    if params is None:
        raise b.error(f"softmax: beta · input scale · 2^26 = "
                      f"{op.beta.value.data * qi.scale * 2.0**26} must be > 1 (the reference "
                      "kernel's QuantizeMultiplierGreaterThanOne check)")
    multiplier, left_shift, diff_min = params
    bits = kind(element_out).bits
    b.note(f"beta={op.beta.value.data:.6g} S_in={qi.scale:.6g}: beta*S_in*2^26 ~ "
           f"{multiplier}*2^({left_shift}-31) (Q5.26 differences); diff_min={diff_min}; "
           f"output {element_out} zero point {zero_point}, scale 2^-{bits}")
    out = b.value(tqi.SoftmaxOp, [b.operands[0]], plain(op.output.type),
                  input_multiplier=int_attr(multiplier), input_left_shift=int_attr(left_shift),
                  diff_min=int_attr(diff_min))
    return [out]


def expf(x: np.float32) -> np.float32:
    """std::exp(float), as float32(exp(double)) (see the module docstring)."""
    return np.float32(math.exp(float(x)))


def one_over_one_plus_x(x: np.float32) -> np.float32:
    return np.float32(1.0) / (np.float32(1.0) + x)


def softmax_int16_luts() -> tuple[np.ndarray, np.ndarray]:
    """TFLM's (exp_lut, one_over_one_plus_x_lut) for int16 softmax (InitializeLutForInt16)."""
    f32 = np.float32
    span = f32(65535)  # int16 max − min
    exp_lut = lut_populate_int16(expf, f32(10.0) / span, 32767, f32(2.0) / span, 0)
    reciprocal_lut = lut_populate_int16(one_over_one_plus_x, f32(1.0) / span, -32768,
                                        f32(2.0) / span, 0)
    return exp_lut, reciprocal_lut


def _lower_softmax_int16(b: Builder, op: tq.SoftmaxOp) -> SSAValue:
    qi, qo = qtype(op.input), qtype(op.output)
    if storage_name(qo) != "i16":
        raise b.error(f"softmax i16 → {storage_name(qo)} is not supported")
    if qi.per_axis or qi.zero_point != 0:
        raise b.error("int16 softmax needs input zero point 0")
    if qo.per_axis or qo.zero_point != 0 or abs(qo.scale - 1 / 32768) > 0.001 / 32768:
        raise b.error(f"int16 softmax output must have zero point 0 and scale 1/32768, got "
                      f"{qo.zero_point} and {qo.scale}")
    multiplier, shift = quantize_multiplier(qi.scale * op.beta.value.data / (10.0 / 65535.0))
    exp_lut, reciprocal_lut = softmax_int16_luts()
    b.note(f"beta={op.beta.value.data:.6g} S_in={qi.scale:.6g}: S_in*beta/(10/65535) ~ "
           f"{multiplier}*2^({shift}-31); exp and 1/(1+x) by 513-entry int16 LUTs")
    return b.value(tqi.SoftmaxLutOp, [b.operands[0]], plain(op.output.type),
                   input_multiplier=int_attr(multiplier), input_shift=int_attr(shift),
                   exp_lut=dense_attr(exp_lut, "i16"),
                   reciprocal_lut=dense_attr(reciprocal_lut, "i16"))
