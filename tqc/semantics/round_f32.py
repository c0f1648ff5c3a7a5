"""rint(float32(float32(x) · scale)) with integers only (`tqi.mul_round_f32`): XNNPACK's "fp32"
requantization (LiteRT's default CPU path), exactly.

XNNPACK (`src/operators/convolution-nhwc.c`, `fully-connected-nc.c`, `microparams-init.c`,
`qs8-gemm/qs8-dwconv/qs8-vmul` "fp32" microkernels) requantizes an int32 accumulator `x` as

    f = (float) x                      int32 → float32, round to nearest, ties to even
    p = f * scale                      float32 product, round to nearest, ties to even
    p = min(max(p, lo − zp), hi − zp)  float32 clamp to the output range (integer bounds)
    r = rint(p)  (magic bias 1.5·2^23, cvtps2dq or lrintf: ties to even, default FP mode)
    out = r + zp

Since the bounds are integers and rint is monotone, clamping before or after rint gives the
same value, so `out = clamp(RNE(p) + zp, lo, hi)`: this op computes RNE(p), the lowering adds
zp and clamps with the existing ops.

Proof that the integer steps below give the float32 results bit for bit. scale is a positive
normal float32, scale = M · 2^E with M < 2^24 (the 24-bit significand, `float32_parts`); a = |x|
≤ 2^31 (the sign commutes with every round-to-nearest-even step, which is symmetric):

1. float32(a) = a1 · 2^k1, k1 = max(bitlen(a) − 24, 0), a1 = RNE(a / 2^k1) ≤ 2^24: the nearest
   float32 to an integer below 2^32 keeps its top 24 bits (a1 = 2^24 when rounding carries,
   still a float32). No subnormals or overflow occur at this size.
2. a1 · M < 2^48 is the exact real product of the two significands (int64, no rounding); the
   float32 product is q · 2^(k1+k2+E), q = RNE(a1·M / 2^k2), k2 = max(bitlen(a1·M) − 24, 0):
   IEEE multiplication is the exact product rounded to 24 significant bits, ties to even, as
   long as the result is normal: |p| ≥ 2^-126 needs a1·M·2^(k1+E) ≥ 2^-126, true for x ≠ 0
   and scale ≥ 2^-100 (the lowering refuses smaller scales); |p| < 2^31 · 2^8 never overflows.
3. rint(p) = RNE(q · 2^t), t = k1 + k2 + E: q << t when t ≥ 0, else RNE(q / 2^−t) (0 when
   −t > 25, as q ≤ 2^24 < 2^(−t−1)).

`RNE(v / 2^n)` on a non-negative integer: (v >> n) + 1 when the remainder exceeds 2^(n−1),
or equals it and v >> n is odd. Every intermediate is below 2^49 (int64). The magnitude is
saturated to 2^30: any larger value is clamped to an 8- or 16-bit range afterwards, and with
a zero point added it stays inside int32. The same steps as `tqc_mul_round_f32` (C).
"""

import numpy as np


def _bit_length(v):
    """Number of significant bits of each non-negative int64 below 2^62 (0 for 0)."""
    v = np.asarray(v, dtype=np.int64)
    n = np.zeros(v.shape, dtype=np.int64)
    for s in (32, 16, 8, 4, 2, 1):
        big = (v >> s) != 0
        n = n + np.where(big, s, 0)
        v = np.where(big, v >> s, v)
    return n + (v != 0)


def _shift_rne(v, n):
    """v / 2^n rounded to nearest, ties to even, for v ≥ 0 and 0 ≤ n ≤ 62 (int64)."""
    v = np.asarray(v, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    q = v >> n
    rem = v - (q << n)
    half = np.where(n > 0, np.int64(1) << np.maximum(n - 1, 0), 1)  # n = 0: never rounds up
    up = (n > 0) & ((rem > half) | ((rem == half) & ((q & 1) == 1)))
    return q + up


def mul_round_f32(x, mantissa, exponent):
    """rint(float32(float32(x) * mantissa * 2^exponent)), ties to even, saturated to ±2^30;
    x int32, 0 < mantissa < 2^24 (see the module docstring)."""
    x = np.asarray(x, dtype=np.int64)
    m = np.asarray(mantissa, dtype=np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    a = np.abs(x)
    k1 = np.maximum(_bit_length(a) - 24, 0)
    a1 = _shift_rne(a, k1)
    p = a1 * m
    k2 = np.maximum(_bit_length(p) - 24, 0)
    q = _shift_rne(p, k2)
    t = k1 + k2 + e
    limit = np.int64(1) << 30
    left = np.where(q << np.clip(t, 0, 7) > limit, limit, q << np.clip(t, 0, 7))
    left = np.where(t > 7, np.where(q > 0, limit, 0), left)
    right = _shift_rne(q, np.clip(-t, 0, 40))
    r = np.where(t >= 0, left, right)
    return np.where(x < 0, -r, r).astype(np.int32)


# The fixed-point grid of `mul_add_round_f32`: the addend is an integer number of 2^-ADDEND_BITS.
ADDEND_BITS = 36


def mul_add_round_f32(x, mantissa, exponent, addend):
    """rint(float32(float32(float32(x) * scale) + z)), ties to even, scale = mantissa ·
    2^exponent, z = addend · 2^-36 (|z| < 2^16): XNNPACK's int32 → 8-bit convert of its quantized
    MEAN (`y = x·inv_scale + zero_point`, two float32 roundings).

    Exact with integers: the float32 product p = ±q·2^t as in `mul_round_f32`; |p| > 2^24 is
    replaced by 2^24 (the sum then exceeds 2^23 in magnitude with the same sign, clamped to an
    8-bit range either way). On the grid 2^-36, p is P = q·2^(t+36) exactly, or, when t < −36,
    floor(q / 2^(−t−36)) plus a sticky bit s (the dropped bits were not all zero). In units of
    2^-37 the sum is S2 = 2·(±P + addend) ± s (< 2^62): exact without s; with s the true sum lies
    strictly between 2·(±P + addend) and that ± 2, an open interval of width 2 units that holds
    no power of two and no midpoint of the 24-bit rounding whenever the rounding drops k ≥ 2 bits,
    so rounding S2 rounds the true sum. k < 2 means |S2| < 2^25, i.e. |sum| < 2^-12, where both
    round to 0. Then f32 = RNE(|S2| / 2^k)·2^(k−37) with k = max(bitlen(|S2|) − 24, 0), and the
    result is RNE of that to an integer (|result| ≤ 2^25)."""
    x = np.asarray(x, dtype=np.int64)
    m = np.asarray(mantissa, dtype=np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    z = np.asarray(addend, dtype=np.int64)
    a = np.abs(x)
    k1 = np.maximum(_bit_length(a) - 24, 0)
    p = _shift_rne(a, k1) * m
    k2 = np.maximum(_bit_length(p) - 24, 0)
    q = _shift_rne(p, k2)
    g = k1 + k2 + e + ADDEND_BITS  # p = q · 2^(g − 36)
    limit = np.int64(1) << (24 + ADDEND_BITS)
    too_big = (q > 0) & ((g > 36) | ((q << np.clip(g, 0, 36)) > limit))
    left = np.where(too_big, limit, q << np.clip(g, 0, 36))
    n = np.clip(-g, 0, 62)
    right = q >> n
    sticky = (g < 0) & ((right << n) != q)
    grid = np.where(g >= 0, left, right)
    sign = np.where(x < 0, -1, 1)
    s2 = 2 * (sign * grid + z) + sign * sticky
    magnitude = np.abs(s2)
    k = np.maximum(_bit_length(magnitude) - 24, 0)
    r = _shift_rne(magnitude, k)
    shift = k - (ADDEND_BITS + 1)
    whole = np.where(shift >= 0, r << np.clip(shift, 0, 2), _shift_rne(r, np.clip(-shift, 0, 62)))
    return np.where(s2 < 0, -whole, whole).astype(np.int32)


def quantize_rne(x, inv_scale, zero_point, dtype):
    """float32 → integer as XNNPACK's f32 → qs8/qu8 convert: rint(float32(x · inv_scale)) +
    zero_point with ties to even, saturated to `dtype` (NaN: its minimum). float32 arithmetic:
    one IEEE product, then an exact rounding to an integer."""
    info = np.iinfo(dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        q = np.rint(np.asarray(x, dtype=np.float32) * np.float32(inv_scale)).astype(np.float64)
        q = np.where(np.isnan(q), info.min - zero_point, q)
        return np.clip(q + zero_point, info.min, info.max).astype(dtype)
