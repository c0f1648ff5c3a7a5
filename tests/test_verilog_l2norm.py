"""Verilog backend, L2_NORMALIZATION (`tqc_l2norm`, backends/verilog/emit_l2norm.py): random
shapes at extreme quantization (tiny and huge input scales, zero points at the ends of the
range), rows of 1 to 300, rows at the zero point (sum of squares 0), all at one end, one
maximum among minima; int8 against TFLM and uint8 against LiteRT REF and the NumPy backend,
bit-exact in simulation."""

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

OP = "L2_NORMALIZATION"


def _random(tmp_path: Path, dtype: str, seed: int) -> Path:
    rng = np.random.default_rng(seed + 70)
    info = np.iinfo(dtype)
    shape = tuple(int(v) for v in rng.integers(2, 5, int(rng.integers(1, 4))))
    shape = shape[:-1] + (int(rng.integers(1, 70)),)
    scale = float(10 ** rng.choice([-6, rng.uniform(-6, 2), 2.0]))
    zp = int(rng.choice([info.min, info.max, rng.integers(info.min, info.max + 1)]))
    return _model(tmp_path / f"l2_{dtype}_{seed}.tflite", OP, dtype, shape, scale, zp)


@needs_sim
@pytest.mark.parametrize("dtype,seed", [("int8", 0), ("uint8", 0),
                                        *(pytest.param(d, s, marks=pytest.mark.slow)
                                          for d in ("int8", "uint8") for s in range(1, 4))])
def test_random_l2norm_bit_exact(tmp_path: Path, dtype: str, seed: int) -> None:
    check_model(_random(tmp_path, dtype, seed), 5, throttle=seed % 2 == 0)


@needs_sim
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_special_rows_bit_exact(tmp_path: Path, dtype: str) -> None:
    """Rows of 300 (sums of squares up to 300·255², two divisions by 4): at the zero point (sum
    0), at the maximum, one maximum among minima, random; and 64 rows of 16 with 0, 1 or a few
    elements off the zero point (sums 0, 1, 2, … : the small-sum branch and every pair count)."""
    info = np.iinfo(dtype)
    zp = int(info.min) + 77
    depth = 300
    x = np.full((1, 4, depth), zp, dtype=dtype)
    x[0, 1] = info.max
    x[0, 2] = info.min
    x[0, 2, 5] = info.max
    rng = np.random.default_rng(0)
    x[0, 3] = rng.integers(info.min, info.max + 1, depth)
    long_rows = _model(tmp_path / "rows.tflite", OP, dtype, (4, depth), 0.3, zp)
    many = _model(tmp_path / "many.tflite", OP, dtype, (1, 64, 16), 0.3, zp)
    y = np.full((3, 64, 16), zp, dtype=np.int64)
    for r in range(64):
        k = r % 17
        y[0, r, :k] = zp + rng.integers(-1, 2, k)
        y[1, r, :k] = rng.integers(info.min, info.max + 1, k)
    y[2] = rng.integers(info.min, info.max + 1, (64, 16))
    y = np.clip(y, info.min, info.max)
    for path, xs in ((long_rows, x), (many, y.astype(dtype))):
        design = build_design(lower(path), path.stem, TargetOptions(), vectors=False)
        ref = run_reference(path, [xs], runtime=RUNTIME[dtype])[0]  # type: ignore[arg-type]
        np.testing.assert_array_equal(load_numpy_model(path).run(xs), ref)
        hw, result = simulate(design, to_hardware(design.plan, [xs]), throttle=True, seed=3)
        (ours,) = from_hardware(design.plan, hw)
        assert result.samples == xs.shape[0]
        np.testing.assert_array_equal(ours, ref)


@needs_sim
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_sum_above_2_to_29_bit_exact(tmp_path: Path, dtype: str) -> None:
    """A row of 9000 with the zero point at one end: the all-maximum sample sums 9000·255²
    ≥ 2^29, so GetInvSqrtQuantizedMultiplierExp divides it by 4 once (rows of up to 33025 never
    need the second division)."""
    info = np.iinfo(dtype)
    check_model(_model(tmp_path / "wide.tflite", OP, dtype, (1, 9000), 0.02, int(info.min)), 3)


@needs_verilator
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_l2norm_lint_clean(tmp_path: Path, dtype: str) -> None:
    path = _model(tmp_path / "m.tflite", OP, dtype, (3, 10), 0.1, 0 if dtype == "int8" else 128)
    design = build_design(lower(path), "dut", TargetOptions(), vectors=False)
    sim.write_files(tmp_path, design.sim_files())
    log = sim.lint(tmp_path, design.sources, "dut")
    assert "%Warning" not in log and "%Error" not in log
