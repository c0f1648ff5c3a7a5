/* tqc_log_softmax.h: LOG_SOFTMAX over one row (tqi.log_softmax), reference_ops::LogSoftmax
 * with gemmlowp fixed point (tqc/semantics/log_softmax.py). Included only by models that
 * use it; needs tqc_runtime.h. */
#ifndef TQC_LOG_SOFTMAX_H
#define TQC_LOG_SOFTMAX_H

#include <stdint.h>

/* SaturatingRoundingMultiplyByPOTParam for 0 <= exponent <= 31: saturating left shift. */
static inline int32_t tqc_saturating_shl(int32_t x, int exponent) {
  const int64_t threshold = ((int64_t)1 << (31 - exponent)) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((int64_t)x * ((int64_t)1 << exponent));
}

static inline int32_t tqc_saturating_add_i32(int32_t a, int32_t b) {
  return (int32_t)tqc_clamp_i64((int64_t)a + b, INT32_MIN, INT32_MAX);
}

/* log_x_for_x_greater_than_or_equal_to_1<5> of a Q12.19 value >= 1: Q5.26
 * (lite/kernels/internal/common.h, accumulated in Q6.25). */
static inline int32_t tqc_log_q12_to_q5(int32_t z_a) {
  const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
  const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769;
  const int32_t alpha_f = 638450708;
  const int32_t shifted_quarter = 1 << 23; /* Rescale<6>(1/4) */
  const int z_a_headroom_plus_1 = tqc_count_leading_zeros((uint32_t)z_a);
  const int32_t r_a_tmp = tqc_saturating_shl(z_a, z_a_headroom_plus_1 - 1);
  const int32_t r_a_raw = tqc_saturating_shl(tqc_mul_high(r_a_tmp, sqrt_half), 1);
  const int32_t z_a_pow_2_adj = tqc_saturating_add_i32(
      tqc_saturating_shl(12 - z_a_headroom_plus_1, 25), shifted_quarter);
  const int32_t z_b = tqc_mul_high(z_a, sqrt_half);
  const int z_b_headroom = tqc_count_leading_zeros((uint32_t)z_b) - 1;
  const int32_t r_b_raw = tqc_saturating_shl(z_a, z_b_headroom);
  const int32_t z_b_pow_2_adj = tqc_saturating_add_i32(
      tqc_saturating_shl(12 - z_b_headroom, 25), -shifted_quarter);
  const int32_t r = r_a_raw < r_b_raw ? r_a_raw : r_b_raw;
  const int32_t z_pow_2_adj = z_a_pow_2_adj > z_b_pow_2_adj ? z_a_pow_2_adj : z_b_pow_2_adj;
  const int64_t half_sum = (int64_t)r + sqrt_sqrt_half;
  const int32_t p = (int32_t)((half_sum + (half_sum >= 0 ? 1 : -1)) / 2);
  const int32_t q1 = tqc_sub_i32(r, sqrt_sqrt_half);
  const int32_t q = tqc_add_i32(q1, q1);
  const int32_t common_sq = tqc_mul_high(q, q);
  const int32_t num = tqc_add_i32(tqc_mul_high(q, r),
                                  tqc_mul_high(tqc_mul_high(q, common_sq), alpha_n));
  const int32_t denom_minus_one_0 = tqc_add_i32(
      tqc_mul_high(p, tqc_add_i32(tqc_add_i32(alpha_i, q), tqc_mul_high(alpha_d, common_sq))),
      tqc_mul_high(alpha_f, q));
  const int32_t recip_denom = tqc_one_over_one_plus_x(denom_minus_one_0);
  const int32_t num_scaled = tqc_shift_right_round(num, 6);
  return tqc_srmul_pot(tqc_add_i32(tqc_mul_high(z_pow_2_adj, log_2),
                                   tqc_mul_high(num_scaled, recip_denom)), 1);
}

/* One row of `depth` values of type T (OUT_MIN, OUT_MAX its range): Q5.26 differences to the
 * row maximum, log of the Q12.19 sum of their exponentials, the difference minus the log
 * rounded to Q4.3 (scale 16/256) plus OUT_MAX, OUT_MIN below the adjusted diff_min. */
#define TQC_DEFINE_LOG_SOFTMAX(SUF, T, OUT_MIN, OUT_MAX)                                       \
  static inline void tqc_log_softmax_##SUF(const T *restrict row, T *restrict out, int depth,  \
                                           int32_t input_multiplier, int input_left_shift,     \
                                           int32_t reverse_divisor, int reverse_right_shift,   \
                                           int32_t diff_min) {                                 \
    int32_t max_in_row = row[0];                                                               \
    int32_t sum_of_exps = 0;                                                                   \
    int32_t log_sum, adjusted_diff_min, reverse;                                               \
    int c;                                                                                     \
    for (c = 1; c < depth; ++c)                                                                \
      if (row[c] > max_in_row) max_in_row = row[c];                                            \
    for (c = 0; c < depth; ++c) {                                                              \
      const int32_t diff = (int32_t)row[c] - max_in_row;                                       \
      if (diff >= diff_min) {                                                                  \
        const int32_t scaled =                                                                 \
            tqc_mul_high(tqc_shift_left(diff, input_left_shift), input_multiplier);            \
        sum_of_exps = tqc_add_i32(sum_of_exps, tqc_srmul_pot(tqc_exp_negative(scaled, 5), -12)); \
      }                                                                                        \
    }                                                                                          \
    log_sum = tqc_log_q12_to_q5(sum_of_exps);                                                  \
    reverse = tqc_shift_right_round(                                                           \
        tqc_mul_high(tqc_add_i32(log_sum, INT32_MIN), reverse_divisor), reverse_right_shift);   \
    adjusted_diff_min = diff_min - 1 > reverse ? diff_min - 1 : reverse;                       \
    for (c = 0; c < depth; ++c) {                                                              \
      const int32_t diff = (int32_t)row[c] - max_in_row;                                       \
      if (diff > adjusted_diff_min) {                                                          \
        const int32_t scaled =                                                                 \
            tqc_mul_high(tqc_shift_left(diff, input_left_shift), input_multiplier);            \
        const int32_t unsat = tqc_shift_right_round(tqc_sub_i32(scaled, log_sum), 22);         \
        out[c] = (T)tqc_clamp_i32(tqc_add_i32(unsat, OUT_MAX), OUT_MIN, OUT_MAX);              \
      } else {                                                                                 \
        out[c] = (T)(OUT_MIN);                                                                 \
      }                                                                                        \
    }                                                                                          \
  }

TQC_DEFINE_LOG_SOFTMAX(i8, int8_t, -128, 127)
TQC_DEFINE_LOG_SOFTMAX(u8, uint8_t, 0, 255)

#endif /* TQC_LOG_SOFTMAX_H */
