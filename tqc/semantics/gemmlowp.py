"""gemmlowp `fixedpoint/fixedpoint.h` functions on int32 raw values, vectorised with NumPy.

The one implementation of them: SOFTMAX calls them at run time (this file is copied into every
generated NumPy module), and the compile-time table builders (`gemmlowp_activations.py`:
LOGISTIC, TANH) import them.

A value FixedPoint<int32, I> is its raw int32, raw / 2^(31 - I). Conventions of the scalar
(non-SIMD) gemmlowp code, which TFLite's reference kernels use:
- `a * b` of fixed-point values is SaturatingRoundingDoublingHighMul of the raws (`fixed_mul`);
- `+`, `-` are int32 additions; where they could overflow we wrap to int32 as the hardware does
  (`wrap_i64`); every value is kept in int64 arrays holding int32 values;
- `Rescale<dst>(x)` is SaturatingRoundingMultiplyByPOT<src - dst>
  (`saturating_rounding_mul_by_pot`);
- `One()` of a format with 0 integer bits is INT32_MAX, else 1 << (31 - I).
"""

import numpy as np

from .fixedpoint import INT32_MAX, INT32_MIN, mul_high, shift_right_round, wrap_int32


def wrap_i64(x):
    """int32 wrap-around (gemmlowp's Add/Sub on int32), kept as int64."""
    return wrap_int32(x).astype(np.int64)


def fixed_mul(a, b):
    """FixedPoint product: SaturatingRoundingDoublingHighMul of the raw values, as int64."""
    return mul_high(a, b).astype(np.int64)


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


def rounding_half_sum(a, b):
    """RoundingHalfSum<int32>: (a + b + sign(a + b)) / 2 in int64, C division (towards zero)."""
    total = np.asarray(a, dtype=np.int64) + np.asarray(b, dtype=np.int64)
    num = total + np.where(total >= 0, 1, -1)
    return np.where(num >= 0, num // 2, -((-num) // 2))


def exp_on_interval_between_negative_one_quarter_and_0_excl(a):
    """exp(a) for a in [-1/4, 0), Q0.31 in and out: Taylor series around -1/8."""
    constant_term = 1895147668  # exp(-1/8)
    constant_1_over_3 = 715827883
    x = wrap_i64(np.asarray(a, dtype=np.int64) + (1 << 28))  # a + 1/8
    x2 = fixed_mul(x, x)
    x3 = fixed_mul(x2, x)
    x4 = fixed_mul(x2, x2)
    x4_over_4 = saturating_rounding_mul_by_pot(x4, -2)
    poly = saturating_rounding_mul_by_pot(
        wrap_i64(fixed_mul(wrap_i64(x4_over_4 + x3), constant_1_over_3) + x2), -1)
    return wrap_i64(constant_term + fixed_mul(constant_term, wrap_i64(x + poly)))


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
    remainder = wrap_i64(a_mod_quarter_minus_one_quarter - a)
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            bit = (remainder >> (frac + exponent)) & 1
            result = np.where(bit != 0, fixed_mul(result, multiplier), result)
    if integer_bits > 5:
        result = np.where(a < -(1 << (36 - integer_bits)), 0, result)  # below -32: 0
    return np.where(a == 0, INT32_MAX, result)


def _newton_half_reciprocal(a):
    """The Newton-Raphson loop shared by the two functions below: ~1/(1 + a) as Q2.29 for a
    in [0, 1) given as Q0.31 (three steps from 48/17 - 32/17 * d, d = (1 + a) / 2)."""
    half_denominator = rounding_half_sum(a, INT32_MAX)
    x = wrap_i64(1515870810 + fixed_mul(half_denominator, -1010580540))
    for _ in range(3):
        one_minus_half_denominator_times_x = wrap_i64((1 << 29) - fixed_mul(half_denominator, x))
        x = wrap_i64(x + saturating_rounding_mul_by_pot(
            fixed_mul(x, one_minus_half_denominator_times_x), 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a):
    """1 / (1 + a) for a in [0, 1), Q0.31 in and out."""
    return saturating_rounding_mul_by_pot(_newton_half_reciprocal(a), 1)


def one_minus_x_over_one_plus_x_for_x_in_0_1(a):
    """(1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out."""
    return saturating_rounding_mul_by_pot(wrap_i64(_newton_half_reciprocal(a) - (1 << 29)), 2)
