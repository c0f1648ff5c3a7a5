"""Fixed-point LOG_SOFTMAX over the last axis: `reference_ops::LogSoftmaxQuantized` (int8,
TFLM) and `reference_ops::LogSoftmax` (uint8, LiteRT BUILTIN_REF), which compute the same
thing, and the gemmlowp-style `log_x_for_x_greater_than_or_equal_to_1` it needs
(lite/kernels/internal/common.h). Every value is an int64 array holding an int32.
"""

import numpy as np

from .fixedpoint import (
    INT32_MAX,
    INT32_MIN,
    multiply_by_quantized_multiplier,
    shift_right_round,
)
from .gemmlowp import (
    exp_on_negative_values,
    fixed_mul,
    one_over_one_plus_x_for_x_in_0_1,
    rounding_half_sum,
    saturating_rounding_mul_by_pot,
    wrap_i64,
)
from .softmax import count_leading_zeros_u32

LOG_2 = 1488522236  # log(2), Q0.31
SQRT_SQRT_HALF = 1805811301  # 0.5^(1/4)
SQRT_HALF = 1518500250  # 0.5^(1/2)
ALPHA_N = 117049297  # 11/240 · 2^(1/4)
ALPHA_D = 127690142  # 1/20 · 2^(1/4)
ALPHA_I = 1057819769  # 2 / 2^(1/4) − 2^(1/4)
ALPHA_F = 638450708  # 1/4 · 2^(1/4)


def saturating_shift_left(x, exponent):
    """SaturatingRoundingMultiplyByPOTParam for exponents 0..31 given per element: x · 2^e,
    saturated to int32 where |x| > 2^(31 − e) − 1."""
    x = np.asarray(x, dtype=np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    threshold = (np.int64(1) << (31 - e)) - 1
    return np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, x << e))


def _saturating_add(a, b):
    return np.clip(np.asarray(a, dtype=np.int64) + b, INT32_MIN, INT32_MAX)


def log_x_for_x_greater_than_or_equal_to_1(x, input_integer_bits: int, output_integer_bits: int):
    """log(x) for x ≥ 1 in Q(input_integer_bits) (raw int32), as Q(output_integer_bits):
    log2 of the headroom (two candidates, z and z·sqrt(1/2), the larger exponent kept),
    plus a rational approximation of log of the normalised mantissa around 2^(−1/4),
    accumulated with one more integer bit, then rescaled (saturating)."""
    accum_bits = output_integer_bits + 1
    z_a = np.asarray(x, dtype=np.int64)
    shifted_quarter = shift_right_round(1 << 29, accum_bits).astype(np.int64)
    z_a_headroom_plus_1 = count_leading_zeros_u32(z_a)
    r_a_tmp = saturating_shift_left(z_a, z_a_headroom_plus_1 - 1)
    r_a_raw = saturating_shift_left(fixed_mul(r_a_tmp, SQRT_HALF), 1)
    z_a_pow_2_adj = _saturating_add(
        saturating_shift_left(input_integer_bits - z_a_headroom_plus_1, 31 - accum_bits),
        shifted_quarter)
    z_b = fixed_mul(z_a, SQRT_HALF)
    z_b_headroom = count_leading_zeros_u32(z_b) - 1
    r_b_raw = saturating_shift_left(z_a, z_b_headroom)
    z_b_pow_2_adj = _saturating_add(
        saturating_shift_left(input_integer_bits - z_b_headroom, 31 - accum_bits),
        -shifted_quarter)
    r = np.minimum(r_a_raw, r_b_raw)
    z_pow_2_adj = np.maximum(z_a_pow_2_adj, z_b_pow_2_adj)
    p = rounding_half_sum(r, SQRT_SQRT_HALF)
    q = wrap_i64(r - SQRT_SQRT_HALF)
    q = wrap_i64(q + q)
    common_sq = fixed_mul(q, q)
    num = wrap_i64(fixed_mul(q, r) + fixed_mul(fixed_mul(q, common_sq), ALPHA_N))
    denom_minus_one_0 = wrap_i64(
        fixed_mul(p, wrap_i64(wrap_i64(ALPHA_I + q) + fixed_mul(ALPHA_D, common_sq)))
        + fixed_mul(ALPHA_F, q))
    recip_denom = one_over_one_plus_x_for_x_in_0_1(denom_minus_one_0)
    num_scaled = saturating_rounding_mul_by_pot(num, -accum_bits)
    total = wrap_i64(fixed_mul(z_pow_2_adj, LOG_2) + fixed_mul(num_scaled, recip_denom))
    return saturating_rounding_mul_by_pot(total, accum_bits - output_integer_bits)


def log_softmax(x, input_multiplier, input_left_shift, reverse_scaling_divisor,
                reverse_scaling_right_shift, diff_min, out_dtype):
    """Per row of the last axis, with diff = x − max(row) (zero points cancel):
        s = MultiplyByQuantizedMultiplier(diff, m, left_shift)       Q5.26 (double rounding)
        sum = Σ_{diff ≥ diff_min} RoundingDivideByPOT(exp_on_negative_values(s), 12)   Q12.19
        log_sum = log_x_for_x_greater_than_or_equal_to_1(sum)          Q5.26
        adjusted = max(diff_min − 1, MultiplyByQuantizedMultiplier(log_sum + INT32_MIN,
                                         reverse_divisor, −reverse_right_shift))
        out = clamp(RoundingDivideByPOT(s − log_sum, 22) + max(T))   where diff > adjusted,
              min(T) elsewhere.
    The output is implicitly scale 16/256 with zero point max(T)."""
    info = np.iinfo(out_dtype)
    out_min, out_max = int(info.min), int(info.max)
    x = np.asarray(x, dtype=np.int64)
    diff = x - x.max(axis=-1, keepdims=True)
    scaled = multiply_by_quantized_multiplier(diff, input_multiplier, input_left_shift).astype(np.int64)
    exp_q12 = saturating_rounding_mul_by_pot(exp_on_negative_values(scaled, 5), -12)
    sum_of_exps = wrap_i64(np.where(diff >= diff_min, exp_q12, 0).sum(axis=-1, keepdims=True))
    log_sum = log_x_for_x_greater_than_or_equal_to_1(sum_of_exps, 12, 5)
    reverse = multiply_by_quantized_multiplier(wrap_i64(log_sum + INT32_MIN), reverse_scaling_divisor,
                                               -reverse_scaling_right_shift).astype(np.int64)
    adjusted_diff_min = np.maximum(diff_min - 1, reverse)
    unsat = shift_right_round(wrap_i64(scaled - log_sum), 22).astype(np.int64) + out_max
    out = np.clip(unsat, out_min, out_max)
    return np.where(diff > adjusted_diff_min, out, out_min).astype(out_dtype)
