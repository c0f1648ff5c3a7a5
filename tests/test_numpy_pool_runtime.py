"""The NumPy runtime's pools (backends/numpy/runtime/pool.py): the reduction over a
sliding-window view (large windows) equals the per-tap loop (small windows), with padding."""

from __future__ import annotations

import numpy as np
import pytest

from tqc.backends.numpy.runtime import pool


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16])
@pytest.mark.parametrize(("kernel", "stride", "pad", "out_hw"),
                         [((5, 5), (1, 1), (0, 0, 0, 0), (3, 4)),  # global-like, valid
                          ((3, 3), (2, 2), (1, 1, 1, 1), (4, 4)),  # same padding
                          ((7, 4), (3, 2), (2, 3, 1, 2), (3, 4))])
def test_window_reduction_equals_tap_loop(dtype, kernel, stride, pad, out_hw, monkeypatch) -> None:
    info = np.iinfo(dtype)
    x = np.random.default_rng(0).integers(info.min, info.max, (3, 7, 8, 5), endpoint=True).astype(dtype)
    x[0] = info.min
    monkeypatch.setattr(pool, "TAP_LOOP_LIMIT", 10**6)
    loop_avg = pool.avg_pool(x, out_hw, kernel, stride, pad)
    loop_max = pool.max_pool(x, out_hw, kernel, stride, pad)
    monkeypatch.setattr(pool, "TAP_LOOP_LIMIT", 0)
    np.testing.assert_array_equal(pool.avg_pool(x, out_hw, kernel, stride, pad), loop_avg)
    got = pool.max_pool(x, out_hw, kernel, stride, pad)
    assert got.dtype == loop_max.dtype
    np.testing.assert_array_equal(got, loop_max)
