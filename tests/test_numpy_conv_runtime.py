"""The NumPy runtime's convolutions (backends/numpy/runtime/conv.py) against a plain int64
loop: each of its accumulation types (float32, float64, int64, chosen from the proven bound)
and both depthwise strategies (shifted views; one product per input channel)."""

from __future__ import annotations

import numpy as np
import pytest

from tqc.backends.numpy.runtime import conv


def _reference(x, w, bias, out_hw, stride, dilation, pad, xoff, woff, depthwise, acc_bits):
    n, h, wd, c = x.shape
    acc = np.zeros((n, *out_hw, w.shape[-1] if depthwise else w.shape[0]), dtype=object)
    kh, kw = w.shape[1:3]
    for oy in range(out_hw[0]):
        for ox in range(out_hw[1]):
            for ky in range(kh):
                for kx in range(kw):
                    iy = oy * stride[0] - pad[0] + ky * dilation[0]
                    ix = ox * stride[1] - pad[2] + kx * dilation[1]
                    if not (0 <= iy < h and 0 <= ix < wd):
                        continue
                    xv = x[:, iy, ix, :].astype(object) + xoff
                    if depthwise:
                        m = w.shape[-1] // c
                        acc[:, oy, ox, :] += np.repeat(xv, m, axis=-1) * (w[0, ky, kx].astype(object) + woff)
                    else:
                        acc[:, oy, ox, :] += xv @ (w[:, ky, kx, :].astype(object) + woff).T
    if bias is not None:
        acc += bias.astype(object)
    if acc_bits == 32:
        acc = (acc + 2**31) % 2**32 - 2**31
    return acc.astype(np.int64)


CASES = [  # (x dtype, weight range, bias range, acc_bits): float32, float64 and int64 bounds
    (np.int8, 127, 1000, 32),
    (np.uint8, 127, 2**20, 32),
    (np.int16, 127, 2**40, 64),
    (np.int8, 2**31 - 1, 2**30, 32),
]


GEOMETRIES = [  # (stride, dilation, pad) for a (7, 6) input and a (3, 2) filter
    ((2, 2), (1, 2), (1, 1, 1, 0)),
    ((1, 1), (1, 1), (1, 1, 0, 1)),  # unit column stride: the depthwise row path without phases
    ((1, 3), (2, 1), (0, 2, 2, 2)),  # column stride 3, taps in several phases
]
DEPTHWISE = [(False, 1), (True, 1), (True, 2)]  # (depthwise, depth multiplier)


@pytest.mark.parametrize("depthwise, m", DEPTHWISE)
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("channels", [1, 3, 9, 16])
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_conv_matches_loop(depthwise: bool, m: int, case: tuple, channels: int, geometry: tuple) -> None:
    xdtype, wmax, bmax, acc_bits = case
    stride, dilation, pad = geometry
    rng = np.random.default_rng(channels + 10 * depthwise + 100 * m + 1000 * stride[1])
    info = np.iinfo(xdtype)
    x = rng.integers(info.min, info.max, (2, 7, 6, channels), endpoint=True).astype(xdtype)
    x[0] = info.min
    wdtype = np.int8 if wmax <= 127 else np.int32
    shape = (1, 3, 2, channels * m) if depthwise else (4, 3, 2, channels)
    w = rng.integers(-wmax, wmax, shape, endpoint=True).astype(wdtype)
    o = shape[-1] if depthwise else shape[0]
    bias = rng.integers(-bmax, bmax, o, endpoint=True).astype(np.int64 if acc_bits == 64 else np.int32)
    out_hw = tuple((size + lo + hi - (k - 1) * d - 1) // s + 1
                   for size, lo, hi, k, d, s in zip((7, 6), pad[::2], pad[1::2], (3, 2), dilation, stride))
    args = {"out_hw": out_hw, "stride": stride, "dilation": dilation, "pad": pad,
            "input_offset": 5 if xdtype != np.uint8 else -100, "filter_offset": 0, "acc_bits": acc_bits}
    fn = conv.depthwise_conv_2d if depthwise else conv.conv_2d
    ours = fn(x, w, bias, **args)
    ref = _reference(x, w, bias, args["out_hw"], args["stride"], args["dilation"], args["pad"],
                     args["input_offset"], 0, depthwise, acc_bits)
    assert ours.dtype == (np.int32 if acc_bits == 32 else np.int64)
    np.testing.assert_array_equal(ours.astype(np.int64), ref)


@pytest.mark.parametrize("case", CASES)
def test_fully_connected_matches_loop(case: tuple) -> None:
    xdtype, wmax, bmax, acc_bits = case
    rng = np.random.default_rng(1)
    info = np.iinfo(xdtype)
    x = rng.integers(info.min, info.max, (5, 300), endpoint=True).astype(xdtype)
    w = rng.integers(-wmax, wmax, (7, 300), endpoint=True).astype(np.int8 if wmax <= 127 else np.int32)
    bias = rng.integers(-bmax, bmax, 7, endpoint=True).astype(np.int64 if acc_bits == 64 else np.int32)
    ours = conv.fully_connected(x, w, bias, input_offset=3, filter_offset=-1, acc_bits=acc_bits)
    acc = (x.astype(object) + 3) @ (w.astype(object) - 1).T + bias.astype(object)
    if acc_bits == 32:
        acc = (acc + 2**31) % 2**32 - 2**31
    np.testing.assert_array_equal(ours.astype(np.int64), acc.astype(np.int64))
