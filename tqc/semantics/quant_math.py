"""Compile-time quantization arithmetic, exactly as TFLite prepares its kernels.

Sources: `lite/kernels/internal/quantization_util.cc` (QuantizeMultiplier),
`lite/kernels/kernel_util.cc` (PopulateConvolutionQuantizationParams,
GetQuantizedConvolutionMultipler, CalculateActivationRangeQuantized and its Quantize),
`lite/kernels/padding.h` (ComputePaddingHeightWidth).
"""

from __future__ import annotations

import math

import numpy as np

from tqc.dialects.element import kind
from tqc.errors import TqcError


def f32(x: float) -> float:
    """Round a Python float to float32 and back (C `float` arithmetic)."""
    return float(np.float32(x))


def round_half_away(x: float) -> int:
    """std::round / TfLiteRound on a double, exactly."""
    whole = math.trunc(x)
    frac = x - whole  # exact for doubles
    if abs(frac) >= 0.5:
        whole += 1 if x > 0 else -1
    return int(whole)


def quantize_multiplier(real: float, single_rounding: bool = False) -> tuple[int, int]:
    """QuantizeMultiplier: real ≈ m · 2^(shift − 31), m in [2^30, 2^31) or 0.

    frexp, round half away from zero, the q_fixed == 2^31 carry, shift < −31 flushed to
    (0, 0); with single rounding a shift > 30 saturates to (2^31 − 1, 30).
    """
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    assert q_fixed <= (1 << 31)
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if single_rounding and shift > 30:
        return (1 << 31) - 1, 30
    return q_fixed, shift


def conv_multipliers(
    input_scale: float,
    filter_scales: np.ndarray,
    output_scale: float,
    float32_product: bool,
    single_rounding: bool = False,
) -> tuple[list[int], list[int]]:
    """Per-channel (m, shift) of a conv / FC.

    float32_product=False: double(S_in) * double(S_w[c]) / double(S_out) — TFLM's per-channel
    path (PopulateConvolutionQuantizationParams). True: double(float(S_in * S_w)) / double(S_out)
    — GetQuantizedConvolutionMultipler (legacy uint8 conv, and FULLY_CONNECTED).
    """
    ms, shifts = [], []
    for s_w in filter_scales:
        if float32_product:
            real = f32(input_scale * float(s_w)) / output_scale
        else:
            real = input_scale * float(s_w) / output_scale
        m, s = quantize_multiplier(real, single_rounding)
        ms.append(m)
        shifts.append(s)
    return ms, shifts


def legacy_fc_scale(input_scale: float, filter_scale: float, output_scale: float) -> float:
    """effective_output_scale of LiteRT's legacy uint8 FULLY_CONNECTED (reference_ops::
    FullyConnected with float scales): double(S_in) * double(S_w) / double(S_out), left to
    right, each scale a float32 value."""
    return f32(input_scale) * f32(filter_scale) / f32(output_scale)


def double_parts(value: float) -> tuple[int, int]:
    """A finite double as mantissa · 2^exponent exactly: mantissa odd and below 2^53 (its sign
    is the value's), or (0, 0) for zero."""
    if not math.isfinite(value):
        raise ValueError(f"{value} is not finite")
    num, den = value.as_integer_ratio()  # den is a power of two
    if num == 0:
        return 0, 0
    exponent = 1 - den.bit_length()
    zeros = (num & -num).bit_length() - 1
    return num >> zeros, exponent + zeros


class ActivationRangeOverflow(TqcError):
    """An activation bound does not quantize to an int32: the reference refuses the model, or
    computes the bound with undefined behaviour. Callers add which op it is."""


def quantize_bound(value: float, scale: float, zero_point: int, checked: bool = True) -> int:
    """zero_point + int32(TfLiteRound(f32(value / scale))): Quantize() of kernel_util.cc
    (checked=True), or the unchecked formula of the standalone RELU kernels (ReluX, TFLM
    CalculateReluOpData).

    Quantize() TF_LITE_ENSUREs -2^31 <= TfLiteRound(...) <= float(INT32_MAX) = 2^31 (false for
    NaN: a zero scale). Beyond that, converting 2^31 to int32 and an int32 overflow of the sum are
    undefined behaviour in C. tqc refuses all these with ActivationRangeOverflow."""
    with np.errstate(all="ignore"):
        tmp = float(np.float32(value) / np.float32(scale))
    if -(2.0**31) <= tmp < 2.0**31:  # (a float32 this large is whole: rounding stays inside)
        q = zero_point + round_half_away(tmp)
        if -(2**31) <= q < 2**31:
            return q
    if checked and not -(2.0**31) <= tmp <= 2.0**31:
        reason = "the reference kernel refuses the model (CalculateActivationRangeQuantized)"
    else:
        reason = "undefined behaviour in the reference kernel"
    raise ActivationRangeOverflow(f"activation bound {value} / output scale {scale!r} "
                                  f"= {tmp} does not fit int32: {reason}")


def activation_range(
    activation: str, scale: float, zero_point: int, storage: str, checked: bool = True
) -> tuple[int, int]:
    """CalculateActivationRangeQuantized: fused activation → integer clamp bounds.

    Bounds are quantize_bound(bound) (TfLiteRound of a float32 division), intersected with the
    storage range. ActivationRangeOverflow where the reference refuses (scales below ~2.8e-9 for
    RELU6, ~4.7e-10 for RELU_N1_TO_1) or overflows; checked=False for the standalone RELU kernels,
    which never refuse (see quantize_bound).
    """
    qmin, qmax = kind(storage).range

    def quantize(value: float) -> int:
        return quantize_bound(value, scale, zero_point, checked)

    if activation == "RELU":
        return max(qmin, quantize(0.0)), qmax
    if activation == "RELU6":
        return max(qmin, quantize(0.0)), min(qmax, quantize(6.0))
    if activation == "RELU_N1_TO_1":
        return max(qmin, quantize(-1.0)), min(qmax, quantize(1.0))
    if activation == "NONE":
        return qmin, qmax
    raise ValueError(f"unsupported activation {activation}")


def same_padding(
    in_size: int, filter_size: int, stride: int, dilation: int, out_size: int
) -> tuple[int, int]:
    """(before, after) padding; `after` makes (out−1)·stride + effective filter fit exactly
    (negative = crop). The reference kernels only use `before`."""
    effective = (filter_size - 1) * dilation + 1
    total = max((out_size - 1) * stride + effective - in_size, 0)
    before = total // 2
    after = (out_size - 1) * stride + effective - in_size - before
    return before, after


def valid_padding(
    in_size: int, filter_size: int, stride: int, dilation: int, out_size: int
) -> tuple[int, int]:
    effective = (filter_size - 1) * dilation + 1
    return 0, (out_size - 1) * stride + effective - in_size


def xnnpack_scale(input_scale: float, filter_scale: float, output_scale: float) -> float:
    """XNNPACK's requantization scale `input_scale * kernel_scale / output_scale`, evaluated
    left to right in float32 (convolution-nhwc.c, fully-connected-nc.c; the vmul params'
    `a_scale * b_scale / output_scale` alike)."""
    return f32(f32(f32(input_scale) * f32(filter_scale)) / f32(output_scale))


def float32_parts(value: float) -> tuple[int, int]:
    """A positive float32 value as mantissa · 2^exponent exactly, mantissa odd and below 2^24."""
    mantissa, exponent = double_parts(f32(value))
    if mantissa <= 0 or mantissa >= 1 << 24:
        raise ValueError(f"{value!r} is not a positive float32")
    return mantissa, exponent
