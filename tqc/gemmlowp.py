"""gemmlowp `fixedpoint/fixedpoint.h` transcendental functions on int32, vectorised with NumPy.

Compile-time only (the lowering rules build lookup tables with them); the run-time primitives
they rest on, SaturatingRoundingDoublingHighMul (`mul_high`) and RoundingDivideByPOT
(`shift_right_round`), are the ones of the NumPy backend's runtime, so there is one
implementation of each.

A value `FixedPoint<int32, k>` is its raw int32 with 31 - k fractional bits. Conventions of the
scalar (non-SIMD) gemmlowp code, which TFLite's reference kernels use:
- `a * b` of fixed-point values is SaturatingRoundingDoublingHighMul of the raws;
- `+`, `-` are plain int32 additions (two's complement wrap-around; none overflows here);
- `Rescale<dst>(x)` / SaturatingRoundingMultiplyByPOT<e> with e = src - dst > 0 is a left shift
  saturated to [INT32_MIN, INT32_MAX]; e < 0 is RoundingDivideByPOT(x, -e);
- `One()` of a format with 0 integer bits is INT32_MAX, else 1 << fractional bits.
"""

from __future__ import annotations

import numpy as np

from tqc.backends.numpy.runtime.fixedpoint import (
    INT32_MAX,
    INT32_MIN,
    mul_high,
    shift_right_round,
    wrap_int32,
)

Raw = np.ndarray  # int64 arrays holding int32 values


def _raw(x: object) -> Raw:
    return np.asarray(x, dtype=np.int64)


def _mul(a: Raw, b: Raw | int) -> Raw:
    """Fixed-point product: SaturatingRoundingDoublingHighMul."""
    return mul_high(a, b).astype(np.int64)


def _add(a: Raw, b: Raw | int) -> Raw:
    return wrap_int32(_raw(a) + _raw(b)).astype(np.int64)


def _sub(a: Raw, b: Raw | int) -> Raw:
    return wrap_int32(_raw(a) - _raw(b)).astype(np.int64)


def _sat_shift_left(x: Raw, exponent: int) -> Raw:
    """SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0."""
    return np.clip(_raw(x) << exponent, INT32_MIN, INT32_MAX)


def _rdivpot(x: Raw, exponent: int) -> Raw:
    return shift_right_round(x, exponent).astype(np.int64)


def _one(integer_bits: int) -> int:
    return INT32_MAX if integer_bits == 0 else 1 << (31 - integer_bits)


def rounding_half_sum(a: Raw, b: Raw | int) -> Raw:
    """RoundingHalfSum<int32>: (a + b + sign(a + b)) / 2 in int64, C division."""
    total = _raw(a) + _raw(b)
    num = total + np.where(total >= 0, 1, -1)
    return np.where(num >= 0, num // 2, -((-num) // 2))


def exp_on_interval_between_negative_one_quarter_and_0_excl(a: Raw) -> Raw:
    """exp(a) for a in [-1/4, 0), Q0 in and out: Taylor expansion around -1/8."""
    constant_term = 1895147668  # exp(-1/8)
    constant_1_over_3 = 715827883
    x = _add(a, 1 << 28)  # a + 1/8
    x2 = _mul(x, x)
    x3 = _mul(x2, x)
    x4 = _mul(x2, x2)
    x4_over_4 = _rdivpot(x4, 2)
    poly = _rdivpot(_add(_mul(_add(x4_over_4, x3), constant_1_over_3), x2), 1)
    return _add(constant_term, _mul(constant_term, _add(x, poly)))


_EXP_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
               (2, 39332535), (3, 720401), (4, 242))  # exp(-2^e) in Q0


def exp_on_negative_values(a: Raw, integer_bits: int) -> Raw:
    """exp(a) for a <= 0 given as FixedPoint<int32, integer_bits>; result in Q0."""
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    a = _raw(a)
    a_mod_quarter_minus_one_quarter = _sub(a & (one_quarter - 1), one_quarter)
    result = exp_on_interval_between_negative_one_quarter_and_0_excl(
        _sat_shift_left(a_mod_quarter_minus_one_quarter, integer_bits))
    remainder = _sub(a_mod_quarter_minus_one_quarter, a)
    for exponent, multiplier in _EXP_BARREL:
        if integer_bits > exponent:
            bit = 1 << (fractional_bits + exponent)
            result = np.where(remainder & bit, _mul(result, multiplier), result)
    if integer_bits > 5:
        clamp = -(1 << (36 - integer_bits))  # -32.0
        result = np.where(a < clamp, 0, result)
    return np.where(a == 0, _one(0), result)


def _newton_reciprocal_half(a: Raw) -> Raw:
    """The shared Newton-Raphson loop: ~1/(1 + a) in FixedPoint<int32, 2> for a in (0, 1)."""
    half_denominator = rounding_half_sum(a, _one(0))
    x = _add(1515870810, _mul(half_denominator, -1010580540))  # 48/17 − 32/17 · d
    for _ in range(3):
        one_minus = _sub(_one(2), _mul(half_denominator, x))
        x = _add(x, _sat_shift_left(_mul(x, one_minus), 2))
    return x


def one_over_one_plus_x_for_x_in_0_1(a: Raw) -> Raw:
    """1 / (1 + a), Q0 in and out."""
    return _sat_shift_left(_newton_reciprocal_half(a), 1)


def one_minus_x_over_one_plus_x_for_x_in_0_1(a: Raw) -> Raw:
    """(1 - a) / (1 + a), Q0 in and out."""
    return _sat_shift_left(_sub(_newton_reciprocal_half(a), _one(2)), 2)


def logistic(a: Raw, integer_bits: int) -> Raw:
    """gemmlowp::logistic: 1 / (1 + exp(-a)) for FixedPoint<int32, integer_bits>, Q0 result."""
    a = _raw(a)
    positive = a > 0
    abs_input = np.where(positive, a, _sub(0, a))
    if_positive = one_over_one_plus_x_for_x_in_0_1(
        exp_on_negative_values(_sub(0, abs_input), integer_bits))
    if_negative = _sub(_one(0), if_positive)
    return np.where(a == 0, 1 << 30, np.where(positive, if_positive, if_negative))


def tanh(a: Raw, integer_bits: int) -> Raw:
    """gemmlowp::tanh for FixedPoint<int32, integer_bits>, Q0 result."""
    a = _raw(a)
    negative = a < 0
    n = np.where(negative, a, _sub(0, a))
    # neg_tanh_on_negative_values: ExactMulByPot<1> adds one integer bit to the same raw
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return np.where(a == 0, 0, np.where(negative, _sub(0, t), t))
