"""Pooling over in-bounds windows (padding positions are skipped, as in the reference).

Small windows: one NumPy operation per filter tap over all output positions. Large windows
(more than TAP_LOOP_LIMIT taps, e.g. a global average pool): one reduction over the window
axes of a sliding-window view."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

TAP_LOOP_LIMIT = 16

from tqc.semantics.fixedpoint import divide_round_away


def _padded_input(x, out_hw, kernel, stride, pad, fill):
    """x padded with `fill` to the rows and columns the output needs, and the (1,H,W,1)
    validity mask (1 where the input is)."""
    top, _, left, _ = pad
    n, h, w, c = x.shape
    need_h = (out_hw[0] - 1) * stride[0] + kernel[0]
    need_w = (out_hw[1] - 1) * stride[1] + kernel[1]
    xp = np.full((n, need_h, need_w, c), fill, dtype=np.int64)
    valid = np.zeros((1, need_h, need_w, 1), dtype=np.int64)
    src_h = slice(max(0, -top), min(h, need_h - top))
    src_w = slice(max(0, -left), min(w, need_w - left))
    dst_h = slice(src_h.start + top, src_h.stop + top)
    dst_w = slice(src_w.start + left, src_w.stop + left)
    xp[:, dst_h, dst_w, :] = x[:, src_h, src_w, :]
    valid[:, dst_h, dst_w, :] = 1
    return xp, valid


def _windows(x, out_hw, kernel, stride, pad, fill):
    """Yield one (N,OH,OW,C) view per filter tap of x padded with `fill`, plus validity."""
    xp, valid = _padded_input(x, out_hw, kernel, stride, pad, fill)
    for ky in range(kernel[0]):
        for kx in range(kernel[1]):
            sl = (slice(None), slice(ky, ky + (out_hw[0] - 1) * stride[0] + 1, stride[0]),
                  slice(kx, kx + (out_hw[1] - 1) * stride[1] + 1, stride[1]), slice(None))
            yield xp[sl], valid[sl]


def _window_axes(x, out_hw, kernel, stride, pad, fill):
    """(N,OH,OW,C,KH,KW) views of x padded with `fill` and of its validity."""
    views = []
    for a in _padded_input(x, out_hw, kernel, stride, pad, fill):
        win = sliding_window_view(a, kernel, axis=(1, 2))[:, ::stride[0], ::stride[1]]
        views.append(win[:, :out_hw[0], :out_hw[1]])
    return views


def avg_pool(x, out_hw, kernel, stride, pad):
    """Rounded average of the in-bounds window: (Σ ± count/2) / count, C division → int32."""
    if kernel[0] * kernel[1] > TAP_LOOP_LIMIT:
        win, valid = _window_axes(x, out_hw, kernel, stride, pad, 0)
        total, count = win.sum(axis=(-2, -1)), valid.sum(axis=(-2, -1))
        return divide_round_away(total, count).astype(np.int32)
    total = 0
    count = 0
    for view, valid in _windows(x, out_hw, kernel, stride, pad, 0):
        total = total + view
        count = count + valid
    return divide_round_away(total, count).astype(np.int32)


def max_pool(x, out_hw, kernel, stride, pad):
    """Maximum over the in-bounds window (the input's dtype is kept)."""
    low = np.iinfo(x.dtype).min
    if kernel[0] * kernel[1] > TAP_LOOP_LIMIT:
        return _window_axes(x, out_hw, kernel, stride, pad, low)[0].max(axis=(-2, -1)).astype(x.dtype)
    best = None
    for view, _ in _windows(x, out_hw, kernel, stride, pad, low):
        best = view if best is None else np.maximum(best, view)
    assert best is not None  # every output position has a window
    return best.astype(x.dtype)
