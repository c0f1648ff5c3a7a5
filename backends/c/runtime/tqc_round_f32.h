/* tqc_round_f32.h: XNNPACK's fp32 requantization with integers only (tqi.mul_round_f32,
 * --reference xnnpack). Included only by models that use it. */
#ifndef TQC_ROUND_F32_H
#define TQC_ROUND_F32_H

#include <stdint.h>

/* v / 2^n rounded to nearest, ties to even (v >= 0, 0 <= n <= 62). */
static inline int64_t tqc_shift_rne(int64_t v, int n) {
  int64_t q, rem, half;
  if (n == 0) return v;
  q = v >> n;
  rem = v - (q << n);
  half = (int64_t)1 << (n - 1);
  return q + ((rem > half || (rem == half && (q & 1))) ? 1 : 0);
}

/* Number of significant bits of v (0 <= v < 2^62). */
static inline int tqc_bit_length_i64(int64_t v) {
  int n = 0;
  while (v) { n++; v >>= 1; }
  return n;
}

/* rint((float)((float)x * scale)), ties to even, magnitude saturated to 2^30, with
 * scale = mantissa * 2^exponent a positive float32 (mantissa < 2^24): float32(|x|) = a1 * 2^k1
 * keeps 24 bits of |x| (ties to even); the float32 product is q * 2^(k1+k2+exponent), q the
 * exact product a1 * mantissa (< 2^48) rounded to 24 bits; rint rounds q * 2^t to an integer.
 * The proof: tqc/semantics/round_f32.py. */
static inline int32_t tqc_mul_round_f32(int32_t x, int32_t mantissa, int exponent) {
  const int64_t a = x < 0 ? -(int64_t)x : (int64_t)x;
  const int b1 = tqc_bit_length_i64(a), k1 = b1 > 24 ? b1 - 24 : 0;
  const int64_t p = tqc_shift_rne(a, k1) * (int64_t)mantissa;
  const int b2 = tqc_bit_length_i64(p), k2 = b2 > 24 ? b2 - 24 : 0;
  const int64_t q = tqc_shift_rne(p, k2), limit = (int64_t)1 << 30;
  const int t = k1 + k2 + exponent;
  int64_t r;
  if (t >= 0) {
    r = (t > 7 || (q << t) > limit) ? (q ? limit : 0) : q << t;
  } else {
    r = tqc_shift_rne(q, -t > 40 ? 40 : -t);
  }
  return (int32_t)(x < 0 ? -r : r);
}

/* rint((float)((float)((float)x * scale) + z)), ties to even, z = addend * 2^-36 (|z| < 2^16):
 * XNNPACK's int32 -> 8-bit convert of its quantized MEAN. The product as in tqc_mul_round_f32,
 * q * 2^(g-36), put on the grid 2^-36 (saturated at 2^24, or truncated with a sticky bit); the
 * sum in units of 2^-37 (the sticky bit as a half unit) rounded to 24 bits, then to an integer.
 * The proof: tqc/semantics/round_f32.py (mul_add_round_f32). */
static inline int32_t tqc_mul_add_round_f32(int32_t x, int32_t mantissa, int exponent,
                                            int64_t addend) {
  const int64_t a = x < 0 ? -(int64_t)x : (int64_t)x, sign = x < 0 ? -1 : 1;
  const int b1 = tqc_bit_length_i64(a), k1 = b1 > 24 ? b1 - 24 : 0;
  const int64_t p = tqc_shift_rne(a, k1) * (int64_t)mantissa;
  const int b2 = tqc_bit_length_i64(p), k2 = b2 > 24 ? b2 - 24 : 0;
  const int64_t q = tqc_shift_rne(p, k2), limit = (int64_t)1 << 60;
  const int g = k1 + k2 + exponent + 36;
  int64_t grid, sticky = 0, s2, m, r, whole;
  int k, b, shift;
  if (g >= 0) {
    grid = q == 0 ? 0 : (g > 36 || (q << g) > limit) ? limit : q << g;
  } else {
    const int n = -g > 62 ? 62 : -g;
    grid = q >> n;
    sticky = (grid << n) != q;
  }
  s2 = 2 * (sign * grid + addend) + sign * sticky;
  m = s2 < 0 ? -s2 : s2;
  b = tqc_bit_length_i64(m);
  k = b > 24 ? b - 24 : 0;
  r = tqc_shift_rne(m, k);
  shift = k - 37;
  whole = shift >= 0 ? r << shift : tqc_shift_rne(r, -shift > 62 ? 62 : -shift);
  return (int32_t)(s2 < 0 ? -whole : whole);
}

/* float32 -> integer as XNNPACK converts: rint(x * inv_scale) + zero_point, ties to even,
 * saturated to [lo, hi] (NaN: lo). The product is one float32 multiply; the rounding is exact:
 * below 2^23 in magnitude t = (float)(int32_t)q is q truncated and q - t is exact. */
static inline int32_t tqc_quantize_rne(float x, float inv_scale, int32_t zero_point, int32_t lo,
                                       int32_t hi) {
  const float q = x * inv_scale;
  float t, frac;
  int64_t v;
  if (!(q == q)) return lo;
  if (q >= 4294967296.0f) return hi;
  if (q <= -4294967296.0f) return lo;
  if (q >= 8388608.0f || q <= -8388608.0f) {
    v = (int64_t)q;
  } else {
    t = (float)(int32_t)q;
    frac = q - t;
    v = (int64_t)t;
    if (frac > 0.5f || (frac == 0.5f && (v & 1))) v += 1;
    if (frac < -0.5f || (frac == -0.5f && (v & 1))) v -= 1;
  }
  v += zero_point;
  return v < lo ? lo : (v > hi ? hi : (int32_t)v);
}

#endif
