"""Reductions: the int32 sum of the quantized MEAN (reference_ops::QuantizedMeanOrSum)."""

import numpy as np

from tqc.semantics.fixedpoint import wrap_int32


def reduce_sum(x, axes, keepdims):
    """Sum over `axes` into int32, wrapping like the reference's int32 accumulator."""
    total = np.asarray(x, dtype=np.int64).sum(axis=tuple(axes), keepdims=keepdims)
    return wrap_int32(total)
