"""Integer convolutions and matrix products with int32 accumulation.

The products are computed in float64 BLAS when that is provably exact: every partial sum is
an integer below 2^53 in magnitude (checked per call from the operands' bounds), so float64
adds and multiplies make no rounding error. Otherwise int64 arithmetic is used.
"""

import numpy as np

_EXACT = 2.0**53


def _exact_dtype(depth, x, w):
    """float64 if depth · max|x| · max|w| < 2^53 (no rounding possible), else int64."""
    bound = float(depth) * float(np.abs(x).max(initial=0)) * float(np.abs(w).max(initial=0))
    return np.float64 if bound < _EXACT else np.int64


def _finish(acc, bias, acc_bits):
    """Add the bias; wrap to int32 (the reference's int32 accumulator) or keep int64 (the 16x8
    kernels accumulate in int64 with an int64 bias)."""
    acc = np.asarray(acc).astype(np.int64)
    if bias is not None:
        acc = acc + np.asarray(bias, dtype=np.int64)
    return acc.astype(np.int32) if acc_bits == 32 else acc


def _padded(x, input_offset, pad, out_hw, kernel, stride, dilation):
    """x + input_offset, zero-padded (zero = 'skipped' after the offset) or cropped so that
    exactly the rows and columns the output needs are present."""
    top, _, left, _ = pad
    x = x.astype(np.int64) + input_offset
    need_h = (out_hw[0] - 1) * stride[0] + (kernel[0] - 1) * dilation[0] + 1
    need_w = (out_hw[1] - 1) * stride[1] + (kernel[1] - 1) * dilation[1] + 1
    n, h, w, c = x.shape
    out = np.zeros((n, need_h, need_w, c), dtype=np.int64)
    src_h = slice(max(0, -top), min(h, need_h - top))
    src_w = slice(max(0, -left), min(w, need_w - left))
    dst_h = slice(src_h.start + top, src_h.stop + top)
    dst_w = slice(src_w.start + left, src_w.stop + left)
    out[:, dst_h, dst_w, :] = x[:, src_h, src_w, :]
    return out


def _taps(xp, out_hw, kernel, stride, dilation):
    """Yield (ky, kx, view of xp for that filter tap over all output positions)."""
    for ky in range(kernel[0]):
        for kx in range(kernel[1]):
            y0, x0 = ky * dilation[0], kx * dilation[1]
            yield ky, kx, xp[:, y0:y0 + (out_hw[0] - 1) * stride[0] + 1:stride[0],
                             x0:x0 + (out_hw[1] - 1) * stride[1] + 1:stride[1], :]


def conv_2d(x, w, bias, out_hw, stride, dilation, pad, input_offset, filter_offset, acc_bits=32):
    """acc[n,y,x,o] = bias[o] + Σ_{ky,kx,c} (x + input_offset) · (w[o,ky,kx,c] + filter_offset).

    x: (N,H,W,C) integers; w: (O,KH,KW,C); positions outside the input contribute nothing."""
    o, kh, kw, c = w.shape
    xp = _padded(x, input_offset, pad, out_hw, (kh, kw), stride, dilation)
    wo = w.astype(np.int64) + filter_offset
    dtype = _exact_dtype(kh * kw * c, xp, wo)
    cols = np.concatenate([v for _, _, v in _taps(xp, out_hw, (kh, kw), stride, dilation)], axis=-1)
    acc = cols.astype(dtype) @ wo.reshape(o, kh * kw * c).T.astype(dtype)
    return _finish(acc, bias, acc_bits)


def depthwise_conv_2d(x, w, bias, out_hw, stride, dilation, pad, input_offset, filter_offset,
                      acc_bits=32):
    """Output channel c·M + m reads input channel c: w is (1,KH,KW,C·M)."""
    _, kh, kw, cm = w.shape
    c = x.shape[-1]
    m = cm // c
    xp = _padded(x, input_offset, pad, out_hw, (kh, kw), stride, dilation)
    wo = w.astype(np.int64).reshape(kh, kw, c, m) + filter_offset
    acc = np.zeros((x.shape[0], out_hw[0], out_hw[1], c, m), dtype=np.int64)
    for ky, kx, view in _taps(xp, out_hw, (kh, kw), stride, dilation):
        acc += view[..., None] * wo[ky, kx]
    return _finish(acc.reshape(acc.shape[:3] + (cm,)), bias, acc_bits)


def fully_connected(x, w, bias, input_offset, filter_offset, acc_bits=32):
    """acc[r,u] = bias[u] + Σ_k (x[r,k] + input_offset) · (w[u,k] + filter_offset)."""
    xo = x.astype(np.int64) + input_offset
    wo = w.astype(np.int64) + filter_offset
    dtype = _exact_dtype(w.shape[1], xo, wo)
    return _finish(xo.astype(dtype) @ wo.T.astype(dtype), bias, acc_bits)
