"""Verilog backend, LOG_SOFTMAX (`tqc_log_softmax`, backends/verilog/emit_log_softmax.py):
random shapes at extreme quantization (tiny and huge input scales, zero points at the ends of
the range), rows of 1 to 300 elements, rows all equal, one maximum among minima; int8 against
TFLM and uint8 against LiteRT REF and the NumPy backend, bit-exact in simulation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_log_softmax_l2norm import RUNTIME, _model
from test_verilog_backend import check_model, needs_sim, needs_verilator

from tqc.backends.verilog import sim
from tqc.backends.verilog.target import (
    build_design,
    from_hardware,
    simulate,
    to_hardware,
)
from tqc.pipeline import load_numpy_model, lower
from tqc.reference import run_reference
from tqc.targets import TargetOptions


def _random(tmp_path: Path, dtype: str, seed: int) -> Path:
    rng = np.random.default_rng(seed + 50)
    info = np.iinfo(dtype)
    shape = tuple(int(v) for v in rng.integers(2, 5, int(rng.integers(1, 4))))
    shape = shape[:-1] + (int(rng.integers(1, 70)),)
    scale = float(10 ** rng.choice([-7.5, rng.uniform(-7.5, 2), 2.0]))
    zp = int(rng.choice([info.min, info.max, rng.integers(info.min, info.max + 1)]))
    return _model(tmp_path / f"ls_{dtype}_{seed}.tflite", "LOG_SOFTMAX", dtype, shape, scale, zp)


@needs_sim
@pytest.mark.parametrize("dtype,seed", [("int8", 0), ("uint8", 0),
                                        *(pytest.param(d, s, marks=pytest.mark.slow)
                                          for d in ("int8", "uint8") for s in range(1, 4))])
def test_random_log_softmax_bit_exact(tmp_path: Path, dtype: str, seed: int) -> None:
    check_model(_random(tmp_path, dtype, seed), 5, throttle=seed % 2 == 0)


@needs_sim
@pytest.mark.parametrize("dtype,scale", [("int8", 0.3), ("uint8", 0.3), ("int8", 1e-7),
                                         ("uint8", 50.0)])
def test_special_rows_bit_exact(tmp_path: Path, dtype: str, scale: float) -> None:
    """Rows of 300: at the zero point, the maximum, one maximum among minima, random; and a
    model of 64 rows of 16 (many different sums for the logarithm's microcode)."""
    info = np.iinfo(dtype)
    zp = int(info.min) + 77
    depth = 300
    x = np.full((1, 4, depth), zp, dtype=dtype)
    x[0, 1] = info.max
    x[0, 2] = info.min
    x[0, 2, 5] = info.max
    rng = np.random.default_rng(0)
    x[0, 3] = rng.integers(info.min, info.max + 1, depth)
    long_rows = _model(tmp_path / "rows.tflite", "LOG_SOFTMAX", dtype, (4, depth), scale, zp)
    many = _model(tmp_path / "many.tflite", "LOG_SOFTMAX", dtype, (1, 64, 16), scale, zp)
    y = rng.integers(info.min, info.max + 1, (3, 64, 16))
    y[0, :, :] = np.where(rng.random((64, 16)) < 0.9, info.min, info.max)
    y[1, :, :8] = rng.integers(info.min, info.min + 40, (64, 8))
    for path, xs in ((long_rows, x), (many, y.astype(dtype))):
        module = lower(path)
        design = build_design(module, path.stem, TargetOptions(), vectors=False)
        ref = run_reference(path, [xs], runtime=RUNTIME[dtype])[0]  # type: ignore[arg-type]
        np.testing.assert_array_equal(load_numpy_model(path).run(xs), ref)
        hw, result = simulate(design, to_hardware(design.plan, [xs]), throttle=True, seed=3)
        (ours,) = from_hardware(design.plan, hw)
        assert result.samples == xs.shape[0]
        np.testing.assert_array_equal(ours, ref)


@needs_verilator
def test_log_softmax_lint_clean(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "LOG_SOFTMAX", "uint8", (3, 10), 0.1, 255)
    design = build_design(lower(path), "dut", TargetOptions(), vectors=False)
    sim.write_files(tmp_path, design.sim_files())
    log = sim.lint(tmp_path, design.sources, "dut")
    assert "%Warning" not in log and "%Error" not in log
