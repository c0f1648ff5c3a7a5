"""The NumPy runtime's long-row view of per-channel arithmetic (runtime/lanes.py) and the
requantize that uses it: the same numbers as the per-element fixed-point primitives."""

import numpy as np
import pytest

from tqc.backends.numpy.runtime.lanes import wide_rows
from tqc.backends.numpy.runtime.requantize import requantize
from tqc.semantics.fixedpoint import multiply_by_quantized_multiplier


@pytest.mark.parametrize("shape", [(2, 5, 7, 1), (3, 4, 4, 3), (2, 6, 6, 8), (64, 16), (1, 300), (5, 7, 300)])
def test_wide_rows_pairs_each_element_with_its_channel(shape: tuple) -> None:
    c = shape[-1]
    x = np.arange(np.prod(shape)).reshape(shape)
    channel = np.arange(c) * 1000
    rows, (tiled, scalar) = wide_rows(x, channel, 7)
    assert np.shares_memory(rows, x)  # a view, never a copy
    assert scalar == 7
    np.testing.assert_array_equal((rows + tiled).reshape(shape), x + channel)


def test_wide_rows_leaves_other_layouts_alone() -> None:
    x = np.zeros((4, 6, 8))[:, ::2]  # not contiguous
    channel = np.arange(8)
    assert wide_rows(x, channel)[0] is x
    y = np.zeros((4, 6, 8))
    assert wide_rows(y, np.ones((1, 1, 8)))[0] is y  # a vector of another rank
    assert wide_rows(y, 3)[0] is y  # nothing per channel


@pytest.mark.parametrize("shape", [(3, 5, 5, 1), (4, 6, 6, 8), (2, 3, 3, 16), (5, 300), (7,)])
@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("offset", [-3, 2**29 - 1])  # offset·2^shift below and above 2^52
def test_requantize_matches_the_primitives(shape: tuple, per_channel: bool, offset: int) -> None:
    rng = np.random.default_rng(len(shape) * 10 + shape[-1])
    c = shape[-1]
    acc = rng.integers(-2**31 + 1, 2**31 - 1, shape, endpoint=True).astype(np.int32)
    acc.flat[:3] = [2**31 - 1, -2**31 + 1, 0]
    n = c if per_channel else 1
    multiplier = rng.integers(1, 2**31 - 1, n, endpoint=True).astype(np.int64)
    shift = rng.integers(1, 31, n, endpoint=True).astype(np.int64)
    if not per_channel:
        multiplier, shift = multiplier[0], shift[0]
    lo, hi = -2**31, 2**31 - 1
    ours = requantize(acc, multiplier, shift, offset=offset, lo=lo, hi=hi, dtype=np.int64)
    ref = multiply_by_quantized_multiplier(acc, multiplier, -shift).astype(np.int64) + offset
    assert ours.shape == acc.shape
    np.testing.assert_array_equal(ours, np.clip(ref, lo, hi))
    narrow = requantize(acc, multiplier, shift, offset=offset, lo=-128, hi=127, dtype=np.int8)
    assert narrow.dtype == np.int8
    np.testing.assert_array_equal(narrow, np.clip(ref, -128, 127))
