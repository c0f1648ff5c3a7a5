"""int64 accumulation and requantization of the 16x8 kernels (int16 activations, int8 weights).

TFLM `reference_integer_ops::{ConvPerChannel, DepthwiseConvPerChannel, FullyConnected}` for
int16 data accumulate in int64 with an int64 bias, then call the int64 overload of
MultiplyByQuantizedMultiplier (`lite/kernels/internal/common.cc`), which rounds ONCE with a
16-bit multiplier:

    reduced = (m < 0x7FFF0000) ? (m + 2^15) >> 16 : 0x7FFF       (compile time)
    result  = int32((x * reduced + 2^(total_shift - 1)) >> total_shift),  total_shift = 15 - shift

`mul_shift_round64` takes the reduced multiplier and total_shift precomputed.
"""

import numpy as np

from .conv import _exact_dtype, _padded, _taps


def _finish_i64(acc, bias):
    """Add the int64 bias with int64 wrap-around (no narrowing: the accumulator is int64)."""
    acc = np.asarray(acc).astype(np.int64)
    if bias is not None:
        acc = acc + np.asarray(bias, dtype=np.int64)
    return acc


def conv_2d_i64(x, w, bias, out_hw, stride, dilation, pad, input_offset, filter_offset):
    """`conv_2d` with an int64 accumulator: bias[o] + Σ (x + input_offset)·(w + filter_offset)."""
    o, kh, kw, c = w.shape
    xp = _padded(x, input_offset, pad, out_hw, (kh, kw), stride, dilation)
    wo = w.astype(np.int64) + filter_offset
    dtype = _exact_dtype(kh * kw * c, xp, wo)
    cols = np.concatenate([v for _, _, v in _taps(xp, out_hw, (kh, kw), stride, dilation)], axis=-1)
    acc = cols.astype(dtype) @ wo.reshape(o, kh * kw * c).T.astype(dtype)
    return _finish_i64(acc, bias)


def depthwise_conv_2d_i64(x, w, bias, out_hw, stride, dilation, pad, input_offset, filter_offset):
    """`depthwise_conv_2d` with an int64 accumulator (output channel c·M + m reads channel c)."""
    _, kh, kw, cm = w.shape
    c = x.shape[-1]
    m = cm // c
    xp = _padded(x, input_offset, pad, out_hw, (kh, kw), stride, dilation)
    wo = w.astype(np.int64).reshape(kh, kw, c, m) + filter_offset
    acc = np.zeros((x.shape[0], out_hw[0], out_hw[1], c, m), dtype=np.int64)
    for ky, kx, view in _taps(xp, out_hw, (kh, kw), stride, dilation):
        acc += view[..., None] * wo[ky, kx]
    return _finish_i64(acc.reshape(acc.shape[:3] + (cm,)), bias)


def fully_connected_i64(x, w, bias, input_offset, filter_offset):
    """`fully_connected` with an int64 accumulator."""
    xo = x.astype(np.int64) + input_offset
    wo = w.astype(np.int64) + filter_offset
    dtype = _exact_dtype(w.shape[1], xo, wo)
    return _finish_i64(xo.astype(dtype) @ wo.T.astype(dtype), bias)


def mul_shift_round64(x, multiplier, amount):
    """int32((x * multiplier + 2^(amount - 1)) >> amount) on int64 x: one rounding, half
    towards +infinity (arithmetic shift); the product wraps in int64 and the result wraps to
    int32, as the C code does."""
    x = np.asarray(x, dtype=np.int64)
    amount = np.asarray(amount, dtype=np.int64)
    with np.errstate(over="ignore"):
        total = x * np.asarray(multiplier, dtype=np.int64) + (np.int64(1) << (amount - 1))
    return (total >> amount).astype(np.int32)
