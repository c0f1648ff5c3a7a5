"""Fixed-point primitives of the TFLite reference kernels, vectorised over NumPy arrays.

Every function takes integer arrays holding int32 values and returns int32 arrays, computing
through int64 so that nothing overflows by accident; where C wraps (the left shift in
MultiplyByQuantizedMultiplier), so do we. Sources: gemmlowp `fixedpoint.h` and TFLite
`lite/kernels/internal/common.h`.
"""

import numpy as np

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1


def _i64(x):
    return np.asarray(x, dtype=np.int64)


def _signed(x):
    """x as a signed integer array, without a copy when it is one already."""
    x = np.asarray(x)
    return x if x.dtype.kind == "i" else _i64(x)


def wrap_int32(x):
    """Two's complement wrap-around to int32 (what C does on int32 overflow in practice)."""
    if isinstance(x, np.ndarray) and x.dtype == np.int32:
        return x  # int32 arithmetic has wrapped already
    return _i64(x).astype(np.int32)


def shift_left(x, amount):
    """x * 2^amount on int32 with wrap-around: `x * (1 << left_shift)`."""
    return wrap_int32(_i64(x) << _i64(amount))


def mul_high(a, b):
    """SaturatingRoundingDoublingHighMul: (a*b + nudge) / 2^31, C division (towards zero),
    nudge = 2^30 if a*b >= 0 else 1 - 2^30; saturates the one overflow case a == b == INT32_MIN.

    Computed as floor((a*b + 2^30) / 2^31), which is the same number: for a*b >= 0 it is the
    definition; for a*b < 0 the total t = a*b + 1 - 2^30 is negative and C's trunc(t / 2^31)
    equals floor((t + 2^31 - 1) / 2^31) = floor((a*b + 2^30) / 2^31). |a*b| <= 2^62, so the
    int64 sum cannot overflow."""
    a, b = _signed(a), _i64(b)
    high = np.multiply(a, b, dtype=np.int64)  # converts a on the fly
    high += 1 << 30
    high >>= 31
    if np.any(b == INT32_MIN):  # b is a multiplier (small): check a only when needed
        high = np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, high)
    return high.astype(np.int32)


def shift_right_round(x, exponent):
    """RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.

    The reference adds 1 when the remainder x & (2^e - 1) exceeds 2^(e-1) - 1 + (x < 0); that
    is floor((x + 2^(e-1) - (x < 0)) / 2^e) for e >= 1 and x itself for e = 0.

    For x of at most 32 bits this is computed in float64, exactly: x + 2^(e-1) - (x < 0) is an
    integer below 2^33 in magnitude, multiplying it by 2^-e only moves the exponent, and floor of
    that value is the integer quotient (NumPy shifts by a per-channel array are 4x slower).
    Wider x: in int64, where x >> 63 is -1 for negative x and 0 otherwise."""
    x, exponent = _signed(x), _i64(exponent)
    half = (np.int64(1) << exponent) >> 1
    positive = exponent > 0
    if x.dtype.itemsize <= 4:
        out = x.astype(np.float64)
        out += half
        out -= (x < 0) & positive
        out *= np.ldexp(1.0, -exponent)
        np.floor(out, out=out)
        return out.astype(np.int32)
    out = x + half
    negative = x >> 63
    if not np.all(positive):
        negative = negative & -positive.astype(np.int64)  # no correction where e = 0
    out += negative
    out >>= exponent
    return out.astype(np.int32)


def mul_shift_round(x, multiplier, shift):
    """Single-rounding MultiplyByQuantizedMultiplier (TFLITE_SINGLE_ROUNDING):
    (x * m + 2^(30 - shift)) >> (31 - shift), in int64; a result outside int32 wraps."""
    total_shift = 31 - _i64(shift)
    rounding = np.int64(1) << (total_shift - 1)
    return ((_i64(x) * _i64(multiplier) + rounding) >> total_shift).astype(np.int32)


def multiply_by_quantized_multiplier(x, multiplier, shift):
    """Double-rounding MultiplyByQuantizedMultiplier (the TFLM reference)."""
    shift = _i64(shift)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    return shift_right_round(mul_high(shift_left(x, left), multiplier), right)


def divide_round_away(acc, count):
    """(acc ± count/2) / count with C division: the rounded average of the pooling kernels."""
    acc, count = _i64(acc), _i64(count)
    half = count // 2
    num = np.where(acc > 0, acc + half, acc - half)
    quotient = np.abs(num) // count
    return np.where(num < 0, -quotient, quotient)
