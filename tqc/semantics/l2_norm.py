"""Fixed-point L2_NORMALIZATION over the last axis: `reference_integer_ops::L2Normalization`
(int8: TFLM, and LiteRT too) and `reference_ops::L2Normalization` (uint8, LiteRT BUILTIN_REF),
with `GetInvSqrtQuantizedMultiplierExp` (lite/kernels/internal/common.h). Every value is an
int64 array holding an int32.
"""

import numpy as np

from .fixedpoint import (
    INT32_MAX,
    mul_high,
    multiply_by_quantized_multiplier,
    shift_right_round,
)
from .gemmlowp import fixed_mul, saturating_rounding_mul_by_pot, wrap_i64
from .softmax import count_leading_zeros_u32

HALF_SQRT_2 = 1518500250  # sqrt(2)/2, Q0.31


def inv_sqrt_quantized_multiplier_exp(acc):
    """GetInvSqrtQuantizedMultiplierExp(acc, kReverseShift = −1) → (multiplier, shift), shift
    ≤ 0 a left shift: acc ≤ 1 gives (INT32_MAX, 0); else acc is divided by 4 (C division) while
    ≥ 2^29 and normalised by pairs of bits into [2^27, 2^29), shift = 11 + divisions − pairs;
    1/sqrt in Q3.28 by 5 Newton-Raphson steps from 1, x ← Rescale<3>(1.5·x − (acc/2)·x³),
    times sqrt(2)/2; a negative shift is moved into the multiplier (int32 wrap)."""
    acc = np.asarray(acc, dtype=np.int64)
    small = acc <= 1
    value = np.where(small, 2, acc)
    shift = np.full(value.shape, 11, dtype=np.int64)
    for _ in range(2):  # int32 input: at most two divisions bring it below 2^29
        big = value >= (1 << 29)
        value = np.where(big, value // 4, value)
        shift = shift + big
    left_shift_bit_pairs = (count_leading_zeros_u32(value) - 1) // 2 - 1
    shift = shift - left_shift_bit_pairs
    value = value << (2 * left_shift_bit_pairs)
    half_input = shift_right_round(value >> 1, 1).astype(np.int64)
    half_three = (1 << 28) + (1 << 27)
    x = np.full(value.shape, 1 << 28, dtype=np.int64)
    for _ in range(5):
        x3 = saturating_rounding_mul_by_pot(fixed_mul(fixed_mul(x, x), x), 6)
        x = saturating_rounding_mul_by_pot(
            wrap_i64(fixed_mul(half_three, x) - fixed_mul(half_input, x3)), 3)
    x = fixed_mul(x, HALF_SQRT_2)
    x = np.where(shift < 0, wrap_i64(x << np.maximum(-shift, 0)), x)
    shift = np.maximum(shift, 0)
    return np.where(small, INT32_MAX, x), np.where(small, 0, -shift)


def l2_normalization(x, zero_point, out_dtype):
    """Per row of the last axis, v = x − zero_point, acc = Σ v² (int32 wrap),
    (m, shift) = inv_sqrt_quantized_multiplier_exp(acc):
        int8:  out = clamp(MultiplyByQuantizedMultiplier(v, m, shift + 7), −128, 127)
        uint8: out = clamp(128 + RoundingDivideByPOT(SRDHM(128 · v, m), −shift), 0, 255)
    (the int8 kernel rounds at a different bit than the uint8 one when shift + 7 < 0).
    The output is implicitly scale 1/128, zero point 0 (int8) or 128 (uint8)."""
    v = np.asarray(x, dtype=np.int64) - zero_point
    acc = wrap_i64((v * v).sum(axis=-1, keepdims=True))
    multiplier, shift = inv_sqrt_quantized_multiplier_exp(acc)
    if np.dtype(out_dtype) == np.int8:
        out = multiply_by_quantized_multiplier(v, multiplier, shift + 7).astype(np.int64)
        return np.clip(out, -128, 127).astype(np.int8)
    out = shift_right_round(mul_high(128 * v, multiplier), -shift).astype(np.int64) + 128
    return np.clip(out, 0, 255).astype(np.uint8)
