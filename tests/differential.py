"""Helpers for differential tests: build a model, run it through tqc's NumPy backend and the
reference runtime, compare bit for bit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from tqc.pipeline import load_numpy_model
from tqc.reference import run_reference_with_runtime
from tqc.samples import sample_shape

SHARED_MODELS = Path(__file__).resolve().parents[2] / "shared" / "models"


def shared_model(name: str) -> Path:
    """A model from ../shared/models, or skip the test when the folder is absent."""
    path = SHARED_MODELS / name
    if not path.exists():
        pytest.skip(f"shared model {name} not found (../shared/models is absent in this checkout)")
    return path


def conv_geometry(h: int, w: int, kernel: Sequence[int], stride: Sequence[int],
                  dilation: Sequence[int], padding: str) -> tuple[int, int, int, int]:
    """(h, w, out_h, out_w) of a conv/pool as TFLite sizes it; for VALID the input grows to hold
    at least one (dilated) window."""
    eff_h, eff_w = (kernel[0] - 1) * dilation[0] + 1, (kernel[1] - 1) * dilation[1] + 1
    if padding == "VALID":
        h, w = max(h, eff_h), max(w, eff_w)
        return h, w, (h - eff_h) // stride[0] + 1, (w - eff_w) // stride[1] + 1
    return h, w, -(-h // stride[0]), -(-w // stride[1])


def random_inputs(specs: Sequence[tuple[Sequence[int], str]], n: int, seed: int = 0,
                  extremes: bool = True) -> list[np.ndarray]:
    """n samples per input (shaped by the I/O contract, tqc/samples.py); integer inputs uniform
    over the whole type range, the first two samples all-minimum and all-maximum when
    `extremes`."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape, dtype in specs:
        full = (n, *sample_shape(shape))
        if dtype.startswith("float"):
            x = rng.uniform(-3, 3, full).astype(dtype)
        elif dtype == "bool":
            x = rng.integers(0, 2, full).astype(bool)
        else:
            info = np.iinfo(dtype)
            x = rng.integers(info.min, info.max, full, endpoint=True).astype(dtype)
            if extremes and n >= 3:
                x[0], x[1] = info.min, info.max
        arrays.append(x)
    return arrays


def compare(model: str | Path, n: int = 8, seed: int = 0, rounding: str = "double",
            inputs: list[np.ndarray] | None = None, runtime: str = "auto") -> str:
    """Assert tqc's NumPy output equals the reference's bit for bit; returns the runtime used."""
    module = load_numpy_model(model, rounding)
    xs = inputs if inputs is not None else random_inputs(module.INPUTS, n, seed)
    ours = module.run(*xs)
    ours = list(ours) if isinstance(ours, tuple) else [ours]
    ref, used = run_reference_with_runtime(model, xs, runtime)  # type: ignore[arg-type]
    assert len(ours) == len(ref)
    for i, (a, b) in enumerate(zip(ours, ref)):
        assert a.dtype == b.dtype, f"output {i}: dtype {a.dtype} vs reference {b.dtype}"
        assert a.shape == b.shape, f"output {i}: shape {a.shape} vs reference {b.shape}"
        diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
        assert not diff.any(), (
            f"output {i} differs from {used}: max {diff.max()} on "
            f"{np.count_nonzero(diff)}/{diff.size} values")
    return used
