"""Integer convolutions and matrix products with int32 accumulation.

The products are summed in float32 or float64 BLAS when that is provably exact: every product
and every partial sum, in any order, is an integer whose magnitude is at most
max|x + input_offset| · max_o Σ_k |w[o,k] + filter_offset| (+ max|bias| once the bias is
added), where max|x + input_offset| comes from the range of x's integer dtype (not from the
data). Below 2^24 (float32) or 2^53 (float64) no rounding can happen, so the float result is
the integer one. Otherwise int64 arithmetic is used. The weights, offset, laid out and converted
for the chosen type, are cached per weight array (they are the module's constants).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .lanes import wide_rows

_FLOAT_LIMITS = ((np.float32, 2.0**24), (np.float64, 2.0**53))
_PREPARED = {}  # id(w) -> (w, offsets, prepared weights): w kept alive so its id stays its own


def _input_bound(dtype, input_offset):
    """max |x + input_offset| over every value of the integer dtype."""
    info = np.iinfo(dtype)
    return max(abs(int(info.min) + input_offset), abs(int(info.max) + input_offset))


def _exact_float(x_dtype, input_offset, w_abs_sum, bias):
    """The narrowest float type in which the accumulation is exact, or None (then int64)."""
    bound = float(_input_bound(x_dtype, input_offset)) * float(w_abs_sum)
    if bias is not None:
        bound += float(np.abs(np.asarray(bias, dtype=np.float64)).max(initial=0))
    for dtype, limit in _FLOAT_LIMITS:
        if bound < limit:
            return dtype, bound
    return None, bound


def _prepared(w, filter_offset, make):
    """make(w + filter_offset as int64) -> (weights, max row Σ|w|), computed once per array;
    returns (a function giving the weights as a dtype, also cached, and the bound)."""
    hit = _PREPARED.get(id(w))
    if hit is None or hit[0] is not w or hit[1] != filter_offset:
        if len(_PREPARED) > 512:  # arrays made per call (short inline constants) must not pile up
            _PREPARED.clear()
        weights, w_abs = make(w.astype(np.int64) + filter_offset)
        hit = (w, filter_offset, {np.int64: weights}, w_abs)
        _PREPARED[id(w)] = hit
    converted = hit[2]

    def as_dtype(dtype):
        if dtype not in converted:
            converted[dtype] = np.ascontiguousarray(converted[np.int64].astype(dtype))
        return converted[dtype]

    return as_dtype, hit[3]


def _finish(acc, bias, acc_bits, bound):
    """Add the bias; wrap to int32 (the reference's int32 accumulator) or keep int64 (the 16x8
    kernels accumulate in int64 with an int64 bias). A float acc with the bias added and a
    `bound` below 2^31 converts to int32 directly (nothing to wrap)."""
    if acc.dtype.kind == "f":
        if bias is not None:
            rows, (b,) = wide_rows(acc, np.asarray(bias).astype(acc.dtype))
            rows += b
        if acc_bits == 32 and bound < 2.0**31:
            return acc.astype(np.int32)
        acc = acc.astype(np.int64)
        return acc.astype(np.int32) if acc_bits == 32 else acc
    acc = np.asarray(acc).astype(np.int64)
    if bias is not None:
        acc = acc + np.asarray(bias, dtype=np.int64)
    return acc.astype(np.int32) if acc_bits == 32 else acc


def _padded(x, input_offset, pad, out_hw, kernel, stride, dilation, dtype):
    """x + input_offset as `dtype`, zero-padded (zero = 'skipped' after the offset) or cropped
    so that exactly the rows and columns the output needs are present."""
    top, _, left, _ = pad
    need_h = (out_hw[0] - 1) * stride[0] + (kernel[0] - 1) * dilation[0] + 1
    need_w = (out_hw[1] - 1) * stride[1] + (kernel[1] - 1) * dilation[1] + 1
    n, h, w, c = x.shape
    src_h = slice(max(0, -top), min(h, need_h - top))
    src_w = slice(max(0, -left), min(w, need_w - left))
    if (src_h.start, src_w.start, top, left) == (0, 0, 0, 0) and (src_h.stop, src_w.stop) == (need_h, need_w):
        out = x[:, :need_h, :need_w, :].astype(dtype)  # no padding: one conversion
        out += input_offset
        return out
    out = np.zeros((n, need_h, need_w, c), dtype=dtype)
    dst = out[:, src_h.start + top:src_h.stop + top, src_w.start + left:src_w.stop + left, :]
    dst[...] = x[:, src_h, src_w, :]
    dst += input_offset
    return out


def _window_view(xp, out_hw, kernel, stride, dilation):
    """The (N,OH,OW,C,KH,KW) view of every filter window of the padded input."""
    span = ((kernel[0] - 1) * dilation[0] + 1, (kernel[1] - 1) * dilation[1] + 1)
    win = sliding_window_view(xp, span, axis=(1, 2))[..., ::dilation[0], ::dilation[1]]
    return win[:, :(out_hw[0] - 1) * stride[0] + 1:stride[0], :(out_hw[1] - 1) * stride[1] + 1:stride[1]]


def _taps(xp, out_hw, kernel, stride, dilation):
    """Yield (ky, kx, view of xp for that filter tap over all output positions)."""
    for ky in range(kernel[0]):
        for kx in range(kernel[1]):
            y0, x0 = ky * dilation[0], kx * dilation[1]
            yield ky, kx, xp[:, y0:y0 + (out_hw[0] - 1) * stride[0] + 1:stride[0],
                             x0:x0 + (out_hw[1] - 1) * stride[1] + 1:stride[1], :]


def _conv_weights(wo):
    """(O,KH,KW,C) offset weights -> ((C·KH·KW, O) in the window order (c, ky, kx), bound)."""
    o = wo.shape[0]
    return wo.transpose(3, 1, 2, 0).reshape(-1, o), int(np.abs(wo).reshape(o, -1).sum(axis=1).max(initial=0))


def conv_2d(x, w, bias, out_hw, stride, dilation, pad, input_offset, filter_offset, acc_bits=32):
    """acc[n,y,x,o] = bias[o] + Σ_{ky,kx,c} (x + input_offset) · (w[o,ky,kx,c] + filter_offset).

    x: (N,H,W,C) integers; w: (O,KH,KW,C); positions outside the input contribute nothing.
    One matrix product of the windows (N·OH·OW, C·KH·KW) with the weights."""
    o, kh, kw, c = w.shape
    wmat, w_abs = _prepared(w, filter_offset, _conv_weights)
    dtype, bound = _exact_float(x.dtype, input_offset, w_abs, bias)
    if dtype is None:
        dtype = np.int64
    xp = _padded(x, input_offset, pad, out_hw, (kh, kw), stride, dilation, dtype)
    n = x.shape[0]
    if (kh, kw) == (1, 1):
        cols = xp[:, ::stride[0], ::stride[1], :][:, :out_hw[0], :out_hw[1]]
        cols = cols.reshape(-1, c)
    else:
        cols = _window_view(xp, out_hw, (kh, kw), stride, dilation).reshape(-1, c * kh * kw)
    acc = cols @ wmat(dtype)
    return _finish(acc, bias, acc_bits, bound).reshape(n, out_hw[0], out_hw[1], o)


def _depthwise_weights(wo):
    """(1,KH,KW,C·M) offset weights -> ((KH,KW,C·M), max per-channel Σ|w|)."""
    return wo[0], int(np.abs(wo).reshape(-1, wo.shape[-1]).sum(axis=0).max(initial=0))


def _depthwise_rows(xp, wk, out_hw, stride, dilation):
    """Σ over the filter taps of input · weight, one output per input channel, along whole
    rows (see lanes.py): the padded input's columns are split by their remainder modulo the
    column stride into contiguous (N, H, W', C) phases, so the columns a tap reads for the
    OW outputs are OW·C consecutive values of one phase, and the tap's C weights are tiled
    OW times. Returns (N, OH, OW·C)."""
    n, _, _, c = xp.shape
    kh, kw, _ = wk.shape
    (oh, ow), (sy, sx), (dy, dx) = out_hw, stride, dilation
    phases = [np.ascontiguousarray(xp[:, :, p::sx]).reshape(n, xp.shape[1], -1) for p in range(min(sx, xp.shape[2]))]
    acc = np.empty((n, oh, ow * c), dtype=xp.dtype)
    term = np.empty_like(acc)
    for ky in range(kh):
        rows = slice(ky * dy, ky * dy + (oh - 1) * sy + 1, sy)
        for kx in range(kw):
            phase, first = divmod(kx * dx, sx)[::-1]
            view = phases[phase][:, rows, first * c:(first + ow) * c]
            np.multiply(view, np.tile(wk[ky, kx], ow), out=term if ky or kx else acc)
            if ky or kx:
                acc += term
    return acc


def depthwise_conv_2d(x, w, bias, out_hw, stride, dilation, pad, input_offset, filter_offset,
                      acc_bits=32):
    """Output channel c·M + m reads input channel c: w is (1,KH,KW,C·M).

    acc[n,y,x,c·M+m] = bias + Σ_{ky,kx} (x[.., c] + input_offset) · (w[ky,kx,c·M+m] + filter_offset):
    a sum over the KH·KW shifted views of the input, or, for few input channels, one matrix
    product per input channel of its windows (N·OH·OW, KH·KW) with its (KH·KW, M) weights."""
    _, kh, kw, cm = w.shape
    n, c = x.shape[0], x.shape[-1]
    m = cm // c
    wk, w_abs = _prepared(w, filter_offset, _depthwise_weights)
    dtype, bound = _exact_float(x.dtype, input_offset, w_abs, bias)
    if dtype is None:
        dtype = np.int64
    xp = _padded(x, input_offset, pad, out_hw, (kh, kw), stride, dilation, dtype)
    wk = wk(dtype).reshape(kh, kw, c, m)
    if c < 8 and dtype != np.int64:
        win = _window_view(xp, out_hw, (kh, kw), stride, dilation)  # (N,OH,OW,C,KH,KW)
        cols = np.ascontiguousarray(win.transpose(3, 0, 1, 2, 4, 5)).reshape(c, -1, kh * kw)
        acc = cols @ wk.reshape(kh * kw, c, m).transpose(1, 0, 2)  # (C, N·OH·OW, M)
        acc = acc.reshape(c, n, out_hw[0], out_hw[1], m).transpose(1, 2, 3, 0, 4)
    elif m == 1:
        acc = _depthwise_rows(xp, wk[..., 0], out_hw, stride, dilation)
    else:
        acc = np.zeros((n, out_hw[0], out_hw[1], c, m), dtype=dtype)
        term = np.empty_like(acc)
        for ky, kx, view in _taps(xp, out_hw, (kh, kw), stride, dilation):
            np.multiply(view[..., None], wk[ky, kx], out=term)
            acc += term
    return _finish(np.ascontiguousarray(acc).reshape(n, out_hw[0], out_hw[1], cm), bias, acc_bits, bound)


def _fc_weights(wo):
    """(U,K) offset weights -> ((K,U), max row Σ|w|)."""
    return np.ascontiguousarray(wo.T), int(np.abs(wo).sum(axis=1).max(initial=0))


def fully_connected(x, w, bias, input_offset, filter_offset, acc_bits=32):
    """acc[r,u] = bias[u] + Σ_k (x[r,k] + input_offset) · (w[u,k] + filter_offset)."""
    wt, w_abs = _prepared(w, filter_offset, _fc_weights)
    dtype, bound = _exact_float(x.dtype, input_offset, w_abs, bias)
    if dtype is None:
        dtype = np.int64
    xo = x.astype(dtype)
    xo += input_offset
    return _finish(xo @ wt(dtype), bias, acc_bits, bound)
