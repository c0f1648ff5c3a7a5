"""The worst-case accumulator of a convolution or matrix product, from its constant weights.

Σ_k x_k · w[o, k] over every x_k in [x_lo, x_hi] (the input type's range plus the input offset)
is largest when each term takes max(w·x_lo, w·x_hi) and smallest with the min; a constant bias
shifts both. `tqc explain` reports the range and its bits; the lowering of LiteRT's int16
FULLY_CONNECTED refuses a range that reaches 2^53 (where double(acc) would round).
"""

from __future__ import annotations

import numpy as np


def accumulator_range(w: np.ndarray, x_lo: int, x_hi: int, axes: tuple[int, ...],
                      bias: np.ndarray | None = None) -> tuple[int, int]:
    """(smallest, largest) accumulator over every output channel: `w` the weights with their
    offset applied, summed over `axes`; `bias` (one per channel) added when given."""
    w = w.astype(np.int64)
    hi = np.maximum(w * x_lo, w * x_hi).sum(axis=axes)
    lo = np.minimum(w * x_lo, w * x_hi).sum(axis=axes)
    if bias is not None:
        hi, lo = hi + bias.astype(np.int64), lo + bias.astype(np.int64)
    return int(lo.min()), int(hi.max())
