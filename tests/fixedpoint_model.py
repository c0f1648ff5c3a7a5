"""An independent, arbitrary-precision model of TFLite's fixed-point primitives
(tests/test_fixedpoint_exact.py), written from the reference definitions with Python integers and
`Fraction`s, never with shifts and masks, so that it shares no trick with tqc/semantics or the C
runtime:

- SaturatingRoundingDoublingHighMul(a, b) (gemmlowp fixedpoint.h): (a*b + nudge) / 2^31 with C
  division (towards zero), nudge = 2^30 if a*b >= 0 else 1 - 2^30; INT32_MIN * INT32_MIN (the
  one product whose doubled high half overflows) saturates to INT32_MAX;
- RoundingDivideByPOT(x, e) (gemmlowp): x / 2^e rounded to nearest, ties away from zero;
- `x * (1 << left_shift)` in MultiplyByQuantizedMultiplier: tqc wraps to int32 (C leaves the
  overflow undefined; the lowering refuses multipliers that would need it on real ranges);
- MultiplyByQuantizedMultiplier, double rounding (TFLM): RoundingDivideByPOT(SRDHM(x << left,
  m), right), left = max(shift, 0), right = max(-shift, 0);
- TFLITE_SINGLE_ROUNDING: x * m / 2^(31 - shift) rounded to nearest, ties towards +infinity,
  wrapped to int32;
- the int64 overload (16x8 kernels): x * m16 / 2^amount rounded to nearest, ties towards
  +infinity, wrapped to int32;
- the average pools' (acc ± count/2) / count with C division: acc / count rounded to nearest,
  ties away from zero.
"""

from __future__ import annotations

from fractions import Fraction

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def wrap32(v: int) -> int:
    return (v + 2**31) % 2**32 - 2**31


def c_div(n: int, d: int) -> int:
    """C integer division: the quotient truncated towards zero."""
    q = abs(n) // abs(d)
    return q if (n >= 0) == (d > 0) else -q


def round_half_away(q: Fraction) -> int:
    magnitude = int(abs(q) + Fraction(1, 2))  # floor of |q| + 1/2
    return magnitude if q >= 0 else -magnitude


def round_half_up(q: Fraction) -> int:
    n = q + Fraction(1, 2)
    return n.numerator // n.denominator  # floor


def srdhm(a: int, b: int) -> int:
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = 2**30 if ab >= 0 else 1 - 2**30
    return c_div(ab + nudge, 2**31)


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    return round_half_away(Fraction(x, 2**exponent))


def shift_left(x: int, amount: int) -> int:
    return wrap32(x * 2**amount)


def multiply_by_quantized_multiplier(x: int, m: int, shift: int) -> int:
    left, right = max(shift, 0), max(-shift, 0)
    return rounding_divide_by_pot(srdhm(shift_left(x, left), m), right)


def single_rounding(x: int, m: int, shift: int) -> int:
    return wrap32(round_half_up(Fraction(x * m, 2**(31 - shift))))


def mul_shift_round64(x: int, m16: int, amount: int) -> int:
    return wrap32(round_half_up(Fraction(x * m16, 2**amount)))


def average(acc: int, count: int) -> int:
    return round_half_away(Fraction(acc, count))
