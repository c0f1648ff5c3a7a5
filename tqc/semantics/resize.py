"""RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR on NHWC tensors (N = samples).

Source and output positions depend only on the shapes, so each function first builds small
per-axis index/weight vectors (exactly as the reference computes them, float32 where the C code
uses float) and then gathers. Reference kernels: `reference_ops::ResizeNearestNeighbor`,
`ResizeBilinearInteger` (int8/int16; TFLM and LiteRT REF) and `ResizeBilinear<uint8_t>` (the
float kernel, LiteRT REF's choice for uint8).
"""

import numpy as np


def _resize_round_f32(v):
    """TfLiteRound(float) (std::round): ties away from zero; exact via float64."""
    w = np.asarray(v, dtype=np.float64)
    return np.sign(w) * np.floor(np.abs(w) + 0.5)


def nearest_index(in_size, out_size, align_corners, half_pixel_centers):
    """GetNearestNeighbor for every output position: float32 scale and product, then
    round (align_corners) or floor, clamped to [0, in_size - 1]."""
    if align_corners and out_size > 1:
        scale = np.float32(in_size - 1) / np.float32(out_size - 1)
    else:
        scale = np.float32(in_size) / np.float32(out_size)
    offset = np.float32(0.5 if half_pixel_centers else 0.0)
    pos = (np.arange(out_size, dtype=np.float32) + offset) * scale  # float32 ops
    index = _resize_round_f32(pos) if align_corners else np.floor(pos)
    index = np.minimum(index.astype(np.int64), in_size - 1)
    if half_pixel_centers:
        index = np.maximum(index, 0)
    return index


def resize_nearest(x, out_hw, align_corners, half_pixel_centers):
    """Copy of the nearest source pixel (stored integers, no arithmetic)."""
    rows = nearest_index(x.shape[1], out_hw[0], align_corners, half_pixel_centers)
    cols = nearest_index(x.shape[2], out_hw[1], align_corners, half_pixel_centers)
    return x[:, rows][:, :, cols]


def _resize_cdiv(a, b):
    """C integer division (truncates towards zero)."""
    q = np.abs(a) // abs(b)
    return np.where((a < 0) != (b < 0), -q, q)


def bilinear_axis_int(in_size, out_size, align_corners, half_pixel_centers):
    """ComputeInterpolationValuesInteger: (lower, upper, frac) with positions in 1/1024
    units; frac = position − 1024·lower is the weight of `upper` (out of 1024)."""
    if align_corners and out_size > 1:
        scale_10 = ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    else:
        scale_10 = ((1 << 10) * in_size + out_size // 2) // out_size
    v = np.arange(out_size, dtype=np.int64)
    if half_pixel_centers:
        scaled = v * scale_10 + scale_10 // 2 - (1 << 9)
    else:
        scaled = v * scale_10
    lower = np.maximum(_resize_cdiv(scaled, 1 << 10), 0)
    upper = np.minimum(_resize_cdiv(scaled + (1 << 10) - 1, 1 << 10), in_size - 1)
    return lower, upper, scaled - (1 << 10) * lower


def resize_bilinear_int(x, out_hw, align_corners, half_pixel_centers):
    """ResizeBilinearInteger: Σ x · wy · wx with 10-bit weights in int64, then
    (s ± 2^19) / 2^20 with C division (round half away from zero)."""
    y0, y1, fy = bilinear_axis_int(x.shape[1], out_hw[0], align_corners, half_pixel_centers)
    x0, x1, fx = bilinear_axis_int(x.shape[2], out_hw[1], align_corners, half_pixel_centers)
    wy1 = fy[:, None, None]
    wy0 = (1 << 10) - wy1
    wx1 = fx[None, :, None]
    wx0 = (1 << 10) - wx1
    top = x.astype(np.int64)[:, y0]
    bottom = x.astype(np.int64)[:, y1]
    total = (top[:, :, x0] * wy0 * wx0 + bottom[:, :, x0] * wy1 * wx0
             + top[:, :, x1] * wy0 * wx1 + bottom[:, :, x1] * wy1 * wx1)
    rounding = np.where(total > 0, 1 << 19, -(1 << 19))
    return _resize_cdiv(total + rounding, 1 << 20).astype(x.dtype)


def bilinear_axis_float(in_size, out_size, align_corners, half_pixel_centers):
    """ComputeInterpolationValues in float32: (lower, upper, frac) with
    frac = position − lower (float32), the weight of `upper`."""
    scale = np.float32(in_size) / np.float32(out_size)
    if align_corners and out_size > 1:
        scale = np.float32(in_size - 1) / np.float32(out_size - 1)
    v = np.arange(out_size, dtype=np.float32)
    if half_pixel_centers:
        pos = (v + np.float32(0.5)) * scale - np.float32(0.5)
    else:
        pos = v * scale
    lower = np.maximum(np.floor(pos).astype(np.int64), 0)
    upper = np.minimum(np.ceil(pos).astype(np.int64), in_size - 1)
    return lower, upper, pos - lower.astype(np.float32)


def resize_bilinear_float(x, out_hw, align_corners, half_pixel_centers):
    """reference_ops::ResizeBilinear<uint8_t> (LiteRT REF, uint8): float32 arithmetic,
    evaluated left to right as the C expression, then + 0.5 and truncation:
    ((((x00·(1−dy))·(1−dx) + (x10·dy)·(1−dx)) + (x01·(1−dy))·dx) + (x11·dy)·dx) + 0.5."""
    f = np.float32
    y0, y1, dy = bilinear_axis_float(x.shape[1], out_hw[0], align_corners, half_pixel_centers)
    x0, x1, dx = bilinear_axis_float(x.shape[2], out_hw[1], align_corners, half_pixel_centers)
    dy = dy[:, None, None]
    dx = dx[None, :, None]
    ry = f(1) - dy
    rx = f(1) - dx
    top = x.astype(np.float32)[:, y0]
    bottom = x.astype(np.float32)[:, y1]
    acc = (top[:, :, x0] * ry) * rx
    acc = acc + (bottom[:, :, x0] * dy) * rx
    acc = acc + (top[:, :, x1] * ry) * dx
    acc = acc + (bottom[:, :, x1] * dy) * dx
    acc = acc + f(0.5)
    return np.trunc(acc).astype(x.dtype)
