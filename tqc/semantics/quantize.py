"""Float edges: QUANTIZE from float32 and DEQUANTIZE to float32."""

import numpy as np


def round_half_away(v):
    """std::round on float arrays, exactly (ties away from zero)."""
    whole = np.trunc(v)
    frac = v - whole
    return whole + np.where(np.abs(frac) >= 0.5, np.sign(v), 0)


def quantize(x, scale, zero_point, dtype):
    """clamp(round(float32(x) / float32(scale)) + zero_point) — AffineQuantize."""
    q = round_half_away(np.asarray(x, np.float32) / np.float32(scale))
    info = np.iinfo(dtype)
    return np.clip(q.astype(np.int64) + zero_point, info.min, info.max).astype(dtype)


def dequantize(x, scale, zero_point):
    """float32(double(scale) · (x − zero_point)) — Dequantize."""
    return (np.float64(scale) * (x.astype(np.int64) - zero_point)).astype(np.float32)
