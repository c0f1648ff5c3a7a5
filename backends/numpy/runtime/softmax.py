"""Fixed-point SOFTMAX over the last axis: `reference_ops::Softmax` (8-bit input, gemmlowp exp)
and `reference_ops::SoftmaxInt16` (int16, interpolated LUTs).

The gemmlowp functions are ported from `fixedpoint/fixedpoint.h` for int32 raw values. A
FixedPoint<int32, I> holds raw / 2^(31-I). Every value is kept in int64 holding an int32; where
the C code adds or subtracts int32 (gemmlowp's Add/Sub), we wrap to int32 as the hardware does.
"""

import numpy as np

from .fixedpoint import INT32_MAX, INT32_MIN, mul_high, shift_left, shift_right_round, wrap_int32
from .fixedpoint import multiply_by_quantized_multiplier


def _w(x):
    """int32 wrap-around, kept as int64."""
    return wrap_int32(x).astype(np.int64)


def saturating_rounding_mul_by_pot(x, exponent):
    """SaturatingRoundingMultiplyByPOT<exponent>: a saturating left shift when exponent > 0
    (|x| beyond (2^(31-e) - 1) saturates), RoundingDivideByPOT when exponent < 0."""
    x = np.asarray(x, dtype=np.int64)
    if exponent == 0:
        return x
    if exponent < 0:
        return shift_right_round(x, -exponent).astype(np.int64)
    threshold = (1 << (31 - exponent)) - 1
    shifted = x << exponent
    return np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, shifted))


def _mul(a, b):
    """FixedPoint product: SaturatingRoundingDoublingHighMul of the raw values."""
    return mul_high(a, b).astype(np.int64)


def exp_on_interval_between_negative_one_quarter_and_0_excl(a):
    """exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor series around -1/8."""
    constant_term = 1895147668  # exp(-1/8)
    constant_1_over_3 = 715827883
    x = _w(np.asarray(a, dtype=np.int64) + (1 << 28))
    x2 = _mul(x, x)
    x3 = _mul(x2, x)
    x4 = _mul(x2, x2)
    x4_over_4 = saturating_rounding_mul_by_pot(x4, -2)
    poly = saturating_rounding_mul_by_pot(_w(_mul(_w(x4_over_4 + x3), constant_1_over_3) + x2), -1)
    return _w(constant_term + _mul(constant_term, _w(x + poly)))


_EXP_BARREL = [(-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
               (2, 39332535), (3, 720401), (4, 242)]  # exp(-2^e) in Q0.31


def exp_on_negative_values(a, integer_bits):
    """exp(a) for a <= 0 in Q(integer_bits).(31-integer_bits); result Q0.31 (exp(0) = INT32_MAX)."""
    a = np.asarray(a, dtype=np.int64)
    frac = 31 - integer_bits
    one_quarter = 1 << (frac - 2)
    a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter
    result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        saturating_rounding_mul_by_pot(a_mod_quarter_minus_one_quarter, integer_bits))
    remainder = _w(a_mod_quarter_minus_one_quarter - a)
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            bit = (remainder >> (frac + exponent)) & 1
            result = np.where(bit != 0, _mul(result, multiplier), result)
    if integer_bits > 5:
        result = np.where(a < -(1 << (36 - integer_bits)), 0, result)
    return np.where(a == 0, INT32_MAX, result)


def rounding_half_sum(a, b):
    """(a + b + sign(a + b)) / 2 with C division (towards zero)."""
    total = np.asarray(a, dtype=np.int64) + np.asarray(b, dtype=np.int64)
    num = total + np.where(total >= 0, 1, -1)
    return np.where(num >= 0, num // 2, -((-num) // 2))


def one_over_one_plus_x_for_x_in_0_1(a):
    """1 / (1 + a) for a in [0, 1), Q0.31 in and out: three Newton-Raphson steps in Q2.29."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = _w(1515870810 + _mul(half_denominator, -1010580540))  # 48/17 - 32/17 * d
    for _ in range(3):
        one_minus_half_denominator_times_x = _w((1 << 29) - _mul(half_denominator, x))
        x = _w(x + saturating_rounding_mul_by_pot(_mul(x, one_minus_half_denominator_times_x), 2))
    return saturating_rounding_mul_by_pot(x, 1)


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
    shifted_sum_minus_one = _w(((u << headroom_plus_one) & 0xFFFFFFFF) - (1 << 31))
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
    sum_of_exps = _w(np.where(valid, exp_q12, 0).sum(axis=-1, keepdims=True))
    shifted_scale, num_bits_over_unit = get_reciprocal(sum_of_exps, 12)
    exponent = num_bits_over_unit + 31 - out_bits
    if np.any(exponent > 31):  # TFLITE_CHECK(0 <= exponent && exponent <= 31): the reference aborts
        raise ValueError("softmax: a row's sum of exponentials is >= 2^(bits(OutputT) + 1) "
                         "(e.g. 512 equal maxima with 8-bit output); the reference kernel aborts")
    unsat = shift_right_round(_mul(shifted_scale, exp_q0), exponent).astype(np.int64)
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
    sum_of_exps = _w(exp_q015.sum(axis=-1, keepdims=True))
    headroom_plus_one = count_leading_zeros_u32(sum_of_exps)
    shifted_sum = ((sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14
    sym_shifted_sum = np.clip(shifted_sum - ((1 << 15) + (1 << 16)), -32768, 32767)
    reciprocal_q015 = lut_lookup_int16(sym_shifted_sum, reciprocal_lut)
    right_shift = 31 - headroom_plus_one
    result = (exp_q015 * reciprocal_q015 + (np.int64(1) << (right_shift - 1))) >> right_shift
    return np.clip(result, 0, 32767).astype(np.int16)
