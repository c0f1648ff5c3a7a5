"""The reference's double-rounding requantization of an int32 accumulator, as one function.

The printer writes one `requantize(...)` line in place of the five lowered steps
mul_high -> shift_right_round -> add_const -> clamp -> cast when each step's result feeds only
the next and (checked at compile time) no multiplier is INT32_MIN, every shift is at least 1
and every offset is below 2^29 in magnitude. Then it is the same arithmetic with fewer
passes over the data:
- mul_high without its saturation case: floor((acc·m + 2^30) / 2^31) in int64 (see mul_high);
- shift_right_round in float64, exact as in shift_right_round: the high part is an int32 value;
- |y| <= 2^30 after a shift of at least 1, so y + offset cannot wrap int32: added, clamped and
  cast in float64 (integers far below 2^53).
"""

import numpy as np


def requantize(acc, multiplier, shift, offset, lo, hi, dtype):
    """clip(shift_right_round(mul_high(acc, multiplier), shift) + offset, lo, hi).astype(dtype)."""
    high = np.asarray(acc).astype(np.int64)
    if high.shape == np.broadcast_shapes(high.shape, np.shape(multiplier)):
        high *= multiplier
    else:
        high = high * multiplier
    high += 1 << 30
    high >>= 31
    y = high.astype(np.float64)
    y += (np.int64(1) << np.asarray(shift, dtype=np.int64)) >> 1
    y -= high < 0
    y *= np.ldexp(1.0, -np.asarray(shift, dtype=np.int64))
    np.floor(y, out=y)
    y += offset
    np.clip(y, lo, hi, out=y)
    return y.astype(dtype)
