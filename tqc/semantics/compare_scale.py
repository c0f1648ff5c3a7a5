"""A comparison input with a scale of 1 or more, as LiteRT REF's x86-64 build computes it.

LiteRT (tflite/kernels/comparisons.cc, ai-edge-litert 2.3.0) rescales each int8/uint8 input
(and the quantized int16 inputs of EQUAL / NOT_EQUAL) with its own QuantizeMultiplier:
QuantizeMultiplierGreaterThanOne when double(S) >= 1, whose TFLITE_CHECK_GT(S, 1) aborts at
S = 1 exactly, else (m, s) = QuantizeMultiplier(S), s >= 1. The kernel then computes
MultiplyByQuantizedMultiplierSmallerThanOneExp(v · 2^8, m, s) = RoundingDivideByPOT(x, e)
with x = SRDHM(v · 2^8, m) (|x| < 2^16; int16: 2^24) and the NEGATIVE exponent e = −s,
undefined in C++: `mask = int32((1ll << e) − 1)`, `threshold = (mask >> 1) + (x < 0)`,
`(x >> e) + ((x & mask) > threshold)`. Measured on every pair of stored values in several
layouts (same shapes, either input broadcast along the inner or the outer axis, a scalar),
the wheel evaluates each of the two shifts in one of two ways, depending on the loop (scalar,
vectorized, hoisted out of the inner loop) the element falls in:
- mask: the 64-bit shift with its count masked to 6 bits (x86 `shl`): int32(2^(e & 63) − 1),
  or saturated (SSE `psllq`, count >= 64 gives 0): −1;
- x >> e: the count masked to 5 bits (x86 `sar`): x >> (e & 31), or saturated (SSE `psrad`):
  x >> 31.
tqc implements an input whose result is the same under all four evaluations for every stored
value, and refuses the others (their result depends on the shapes and the element's
position). Where they agree the result is 2·[v >= 0] − 1 (mask −1, and x >> e only the sign
of x): for every 8-bit input with s <= 16 (S < 2^16; int16: s <= 8), and for larger s in
1..31 and 65..95 when every stored value keeps |x| below 2^((−s) & 31).
"""

import numpy as np

from .fixedpoint import mul_high


def _int32(u: int) -> int:
    u &= 0xFFFFFFFF
    return u - (1 << 32) if u >= 1 << 31 else u


def rounding_divide_by_pot_variants(x, exponent: int) -> list[np.ndarray]:
    """RoundingDivideByPOT(x, exponent) for an exponent outside 0..31, on int64 arrays of int32
    values, under the four evaluations measured in LiteRT's x86-64 build (mask by a count
    masked to 6 bits or saturated, times the shift by a count masked to 5 bits or saturated)."""
    x = np.asarray(x, dtype=np.int64)
    out = []
    for mask in (_int32((1 << (exponent & 63)) - 1), -1):
        rounding = (x & mask) > (mask >> 1) + (x < 0)
        out.extend(shifted + rounding for shifted in (x >> (exponent & 31), x >> 31))
    return out


def large_scale_codes(lo: int, hi: int, zero_point: int, multiplier: int,
                      shift: int) -> np.ndarray | None:
    """The rescaled value of every stored value lo..hi (int64 array, entry x − lo) of a
    comparison input whose QuantizeMultiplier is (multiplier, shift >= 1), or None when the
    four evaluations of the reference differ on some stored value."""
    v = np.arange(lo, hi + 1, dtype=np.int64) - zero_point
    x = mul_high(v * 256, multiplier).astype(np.int64)
    first, *others = rounding_divide_by_pot_variants(x, -shift)
    if any(not np.array_equal(first, other) for other in others):
        return None
    return first
