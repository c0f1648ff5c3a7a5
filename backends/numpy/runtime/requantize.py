"""The reference's double-rounding requantization of an int32 accumulator, as one function.

The printer writes one `requantize(...)` line in place of the five lowered steps
mul_high -> shift_right_round -> add_const -> clamp -> cast when each step's result feeds only
the next and (checked at compile time) no multiplier is INT32_MIN, every shift is at least 1
and every offset is below 2^29 in magnitude. Then it is the same arithmetic with fewer
passes over the data:
- mul_high without its saturation case: floor((acc·m + 2^30) / 2^31) in int64 (see mul_high);
- shift_right_round in float64, exact as in shift_right_round: the high part is an int32 value
  (its (x < 0) term added in int64 as x >> 63);
- |y| <= 2^30 after a shift of at least 1, so y + offset cannot wrap int32: added, clamped and
  cast in float64 (integers far below 2^53). The offset joins the rounding term as offset·2^shift
  (floor(z) + offset = floor(z + offset) for an integer offset) while that stays below 2^52.
"""

import numpy as np

from .lanes import wide_rows


def requantize(acc, multiplier, shift, offset, lo, hi, dtype):
    """clip(shift_right_round(mul_high(acc, multiplier), shift) + offset, lo, hi).astype(dtype)."""
    rows, (multiplier, shift) = wide_rows(acc, multiplier, shift)
    high = rows.astype(np.int64)
    if high.shape == np.broadcast_shapes(high.shape, np.shape(multiplier)):
        high *= multiplier
    else:
        high = high * multiplier
    high += 1 << 30
    high >>= 31
    high += high >> 63  # -1 where negative: the (x < 0) term of shift_right_round
    y = high.astype(np.float64)
    shift = np.asarray(shift, dtype=np.int64)
    step = np.int64(1) << shift
    if abs(offset) * float(np.max(step)) < 2.0**52:  # floor(z) + offset = floor(z + offset), exact
        y += (step >> 1) + offset * step
        y *= np.ldexp(1.0, -shift)
        np.floor(y, out=y)
    else:
        y += step >> 1
        y *= np.ldexp(1.0, -shift)
        np.floor(y, out=y)
        y += offset
    np.clip(y, lo, hi, out=y)
    out = y.astype(dtype)
    return out.reshape(np.shape(acc)) if rows.shape != np.shape(acc) else out
