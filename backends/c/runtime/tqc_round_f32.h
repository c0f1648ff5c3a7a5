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

#endif
