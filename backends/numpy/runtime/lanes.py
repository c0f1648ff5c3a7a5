"""Per-channel operands along long rows.

NumPy's inner loop runs along the last axis, so a (..., C) array combined with a length-C
vector restarts that loop every C elements: for C = 8 or 16 the restarts cost more than the
arithmetic (measured 3x on a requantize). A C-contiguous (..., C) array is the same memory as
(R / k, k·C) rows, and a vector tiled k times pairs each element with the same channel's value,
so the arithmetic is unchanged while the inner loop runs k·C elements.
"""

import numpy as np

LANE_ELEMENTS = 512  # the inner loop length aimed at


def wide_rows(x, *vectors):
    """(x viewed as (R / k, k·C), each length-C vector tiled k times, single values unchanged).
    x and the vectors come back as given unless x is C-contiguous, some vector has shape (C,)
    and every other one is a single value; callers reshape the result to x's shape."""
    x = np.asarray(x)
    c = x.shape[-1] if x.ndim else 0
    per_channel = [np.ndim(v) == 1 and np.size(v) == c for v in vectors]
    if (c <= 1 or not x.flags.c_contiguous or not any(per_channel)
            or not all(p or np.size(v) == 1 for p, v in zip(per_channel, vectors))):
        return x, vectors
    rows = x.size // c
    k = 1
    for candidate in range(min(rows, max(1, LANE_ELEMENTS // c)), 0, -1):
        if rows % candidate == 0:
            k = candidate
            break
    tiled = tuple(np.tile(v, k) if p else v for p, v in zip(per_channel, vectors))
    return x.reshape(rows // k, k * c), tiled
