"""A batched NumPy module runs N samples CHUNK at once (backends/numpy/printer.py,
chunk_size): the joined chunks equal one step over all samples, for one and several outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from differential import SHARED_MODELS, random_inputs

from tqc.pipeline import load_numpy_model

FIXTURES = Path(__file__).parent / "fixtures"
MODELS = [FIXTURES / "cnn_digits_int8.tflite", FIXTURES / "mlp_digits_floatio.tflite",
          SHARED_MODELS / "coral_split_concat_uint8.tflite"]


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_chunks_join_to_one_step(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is absent")
    module = load_numpy_model(path)
    assert module.CHUNK >= 1
    xs = random_inputs(module.INPUTS, 11, seed=3)
    whole = module.run(*xs)
    module.CHUNK = 3  # 11 samples: chunks of 3, 3, 3, 2
    chunked = module.run(*xs)
    whole = whole if isinstance(whole, tuple) else (whole,)
    chunked = chunked if isinstance(chunked, tuple) else (chunked,)
    assert len(whole) == len(chunked)
    for a, b in zip(whole, chunked):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
