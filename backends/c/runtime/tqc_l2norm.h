/* tqc_l2norm.h: L2_NORMALIZATION over one row (tqi.l2_norm), GetInvSqrtQuantizedMultiplierExp
 * of the sum of squares (tqc/semantics/l2_norm.py). Included only by models that use it;
 * needs tqc_runtime.h. */
#ifndef TQC_L2NORM_H
#define TQC_L2NORM_H

#include <stdint.h>

/* GetInvSqrtQuantizedMultiplierExp(acc, kReverseShift = -1): *left_shift <= 0. */
static inline int32_t tqc_inv_sqrt_multiplier(int32_t acc, int *left_shift) {
  const int32_t half_three = (1 << 28) + (1 << 27);
  int32_t x = 1 << 28, half_input;
  int shift = 11, pairs, i;
  if (acc <= 1) {
    *left_shift = 0;
    return INT32_MAX;
  }
  while (acc >= (1 << 29)) {
    acc /= 4;
    ++shift;
  }
  pairs = (tqc_count_leading_zeros((uint32_t)acc) - 1) / 2 - 1;
  shift -= pairs;
  acc <<= 2 * pairs;
  half_input = tqc_shift_right_round(acc >> 1, 1);
  for (i = 0; i < 5; ++i) {
    const int32_t x3 = tqc_srmul_pot(tqc_mul_high(tqc_mul_high(x, x), x), 6);
    x = tqc_srmul_pot(tqc_sub_i32(tqc_mul_high(half_three, x), tqc_mul_high(half_input, x3)), 3);
  }
  x = tqc_mul_high(x, 1518500250); /* sqrt(2)/2 */
  if (shift < 0) {
    x = tqc_shift_left(x, -shift);
    shift = 0;
  }
  *left_shift = -shift;
  return x;
}

/* int8 (reference_integer_ops::L2Normalization): MultiplyByQuantizedMultiplier(v, m, s + 7),
 * clamped; output zero point 0, scale 1/128. */
static inline void tqc_l2_norm_i8(const int8_t *restrict row, int8_t *restrict out, int depth,
                                  int32_t zero_point) {
  int32_t acc = 0;
  int c, shift, left, right;
  int32_t m;
  for (c = 0; c < depth; ++c) {
    const int32_t v = (int32_t)row[c] - zero_point;
    acc = tqc_add_i32(acc, v * v);
  }
  m = tqc_inv_sqrt_multiplier(acc, &shift);
  left = shift + 7 > 0 ? shift + 7 : 0;
  right = shift + 7 > 0 ? 0 : -(shift + 7);
  for (c = 0; c < depth; ++c) {
    const int32_t v = (int32_t)row[c] - zero_point;
    const int32_t y = tqc_shift_right_round(tqc_mul_high(tqc_shift_left(v, left), m), right);
    out[c] = (int8_t)tqc_clamp_i32(y, -128, 127);
  }
}

/* uint8 (legacy reference_ops::L2Normalization): 128 + RoundingDivideByPOT(
 * SRDHM(128 * v, m), -s), clamped; output zero point 128, scale 1/128. */
static inline void tqc_l2_norm_u8(const uint8_t *restrict row, uint8_t *restrict out, int depth,
                                  int32_t zero_point) {
  int32_t acc = 0;
  int c, shift;
  int32_t m;
  for (c = 0; c < depth; ++c) {
    const int32_t v = (int32_t)row[c] - zero_point;
    acc = tqc_add_i32(acc, v * v);
  }
  m = tqc_inv_sqrt_multiplier(acc, &shift);
  for (c = 0; c < depth; ++c) {
    const int32_t v = (int32_t)row[c] - zero_point;
    const int32_t y = tqc_shift_right_round(tqc_mul_high(128 * v, m), -shift);
    out[c] = (uint8_t)tqc_clamp_i32(y + 128, 0, 255);
  }
}

#endif /* TQC_L2NORM_H */
