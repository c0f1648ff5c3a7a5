"""Fixed-point SOFTMAX over the last axis: `reference_ops::Softmax` (8-bit input, gemmlowp exp)
and `reference_ops::SoftmaxInt16` (int16, interpolated LUTs).

The gemmlowp fixed-point functions (exp_on_negative_values, one_over_one_plus_x_for_x_in_0_1,
...) are those of gemmlowp.py; every value is kept in int64 holding an int32.
"""

import numpy as np

from .fixedpoint import mul_high, multiply_by_quantized_multiplier, shift_left, shift_right_round
from .gemmlowp import exp_on_negative_values, fixed_mul, one_over_one_plus_x_for_x_in_0_1
from .gemmlowp import saturating_rounding_mul_by_pot, wrap_i64


def count_leading_zeros_u32(x):
    """CountLeadingZeros of the uint32 bit pattern of int32 values (32 for zero)."""
    u = np.asarray(x, dtype=np.int64) & 0xFFFFFFFF
    _, bit_length = np.frexp(u.astype(np.float64))  # exact: u < 2^32
    return 32 - bit_length.astype(np.int64)


def get_reciprocal(x, x_integer_digits):
    """GetReciprocal (lite/kernels/internal/common.h): 1/x as Q0.31 and num_bits_over_unit."""
    headroom_plus_one = count_leading_zeros_u32(x)
    num_bits_over_unit = x_integer_digits - headroom_plus_one
    u = np.asarray(x, dtype=np.int64) & 0xFFFFFFFF
    shifted_sum_minus_one = wrap_i64(((u << headroom_plus_one) & 0xFFFFFFFF) - (1 << 31))
    return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), num_bits_over_unit


def softmax(x, input_multiplier, input_left_shift, diff_min, out_dtype):
    """reference_ops::Softmax for 8-bit inputs (int8/uint8) over the last axis, output
    int8/uint8/int16: exp of the Q5.26 rescaled differences to the row maximum, summed in Q12.19,
    times the reciprocal, shifted to the output width, offset by the output type's minimum.
    Raises ValueError where the reference's exponent CHECK aborts."""
    out_min, out_max = int(np.iinfo(out_dtype).min), int(np.iinfo(out_dtype).max)
    out_bits = 8 * np.dtype(out_dtype).itemsize
    x = np.asarray(x, dtype=np.int64)
    diff = x - x.max(axis=-1, keepdims=True)
    valid = diff >= diff_min
    scaled_diff = mul_high(shift_left(diff, input_left_shift), input_multiplier)
    exp_q0 = exp_on_negative_values(scaled_diff, 5)
    exp_q12 = saturating_rounding_mul_by_pot(exp_q0, -12)
    sum_of_exps = wrap_i64(np.where(valid, exp_q12, 0).sum(axis=-1, keepdims=True))
    shifted_scale, num_bits_over_unit = get_reciprocal(sum_of_exps, 12)
    exponent = num_bits_over_unit + 31 - out_bits
    if np.any(exponent > 31):  # TFLITE_CHECK(0 <= exponent && exponent <= 31): the reference aborts
        raise ValueError("softmax: a row's sum of exponentials is >= 2^(bits(OutputT) + 1) "
                         "(e.g. 512 equal maxima with 8-bit output); the reference kernel aborts")
    unsat = shift_right_round(fixed_mul(shifted_scale, exp_q0), exponent).astype(np.int64)
    out = np.clip(unsat + out_min, out_min, out_max)
    return np.where(valid, out, out_min).astype(out_dtype)


def lut_lookup_int16(value, lut):
    """LUTLookup for int16: 512 segments indexed by the top 9 bits, linear interpolation on the
    low 7 bits: base + ((slope * offset + 64) >> 7), int16 wrap like the C casts."""
    value = np.asarray(value, dtype=np.int64)
    lut = np.asarray(lut, dtype=np.int64)
    index = 256 + (value >> 7)
    offset = value & 0x7F
    base = lut[index]
    slope = (lut[index + 1] - base + 32768) % 65536 - 32768
    delta = (slope * offset + 64) >> 7
    return (base + delta + 32768) % 65536 - 32768


def softmax_int16(x, input_multiplier, input_shift, exp_lut, reciprocal_lut):
    """reference_ops::SoftmaxInt16 over the last axis: exp via the exp LUT on the rescaled
    difference (saturated to int16 around 32767), int32 sum, 1/(1+x) LUT on the normalised
    sum, then a rounding right shift of exp · reciprocal, clamped to [0, 32767]."""
    x = np.asarray(x, dtype=np.int64)
    diff = x - x.max(axis=-1, keepdims=True)
    scaled = multiply_by_quantized_multiplier(diff, input_multiplier, input_shift).astype(np.int64)
    exp_q015 = lut_lookup_int16(np.clip(scaled + 32767, -32768, 32767), exp_lut)
    sum_of_exps = wrap_i64(exp_q015.sum(axis=-1, keepdims=True))
    headroom_plus_one = count_leading_zeros_u32(sum_of_exps)
    shifted_sum = ((sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14
    sym_shifted_sum = np.clip(shifted_sum - ((1 << 15) + (1 << 16)), -32768, 32767)
    reciprocal_q015 = lut_lookup_int16(sym_shifted_sum, reciprocal_lut)
    right_shift = 31 - headroom_plus_one
    result = (exp_q015 * reciprocal_q015 + (np.int64(1) << (right_shift - 1))) >> right_shift
    return np.clip(result, 0, 32767).astype(np.int16)
