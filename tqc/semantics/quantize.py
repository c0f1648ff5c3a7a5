"""Float edges: QUANTIZE from float32 and DEQUANTIZE to float32."""

import numpy as np


def round_half_away(v):
    """std::round on float arrays, exactly (ties away from zero); infinities and NaN pass
    through (without the invalid-operation warning of inf - inf)."""
    v = np.asarray(v)
    finite = np.isfinite(v)
    safe = np.where(finite, v, 0)
    whole = np.trunc(safe)
    frac = safe - whole
    return np.where(finite, whole + np.where(np.abs(frac) >= 0.5, np.sign(safe), 0), v)


def quantize(x, scale, zero_point, dtype):
    """clamp(round(float32(x) / float32(scale)) + zero_point) — AffineQuantize.

    Where TFLite's `static_cast<int32_t>` is undefined (NaN, or a rounded value outside int32:
    huge inputs, infinities, a float32 division that overflows to infinity), tqc defines the
    result as the C backend's `tqc_quantize` does: NaN gives the type's minimum, larger values
    saturate. The division may overflow to infinity or underflow by design (IEEE): those
    warnings are off."""
    with np.errstate(over="ignore", under="ignore"):
        q = round_half_away(np.asarray(x, np.float32) / np.float32(scale))
    info = np.iinfo(dtype)
    q = np.clip(np.where(np.isnan(q), -(2.0**33), q), -(2.0**33), 2.0**33)
    return np.clip(q.astype(np.int64) + zero_point, info.min, info.max).astype(dtype)


def dequantize(x, scale, zero_point):
    """float32(double(scale) · (x − zero_point)) — Dequantize."""
    return (np.float64(scale) * (x.astype(np.int64) - zero_point)).astype(np.float32)
