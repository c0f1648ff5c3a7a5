"""CUMSUM int8 (TFLM's kernel: inputs scaled by 2^19 with int32 wrap-around, the accumulator
starting at the scaled input offset): every axis, exclusive and reverse, depths long enough to
wrap the accumulator, extreme zero points and scales, NumPy and C against TFLM; Verilog
simulated; the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model
from test_verilog_backend import check_model as check_verilog
from test_verilog_backend import needs_sim

from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model


def cumsum_model(path: Path, shape: tuple[int, ...], axis: int, exclusive: bool, reverse: bool,
                 q_in: tuple[float, int], q_out: tuple[float, int]) -> Path:
    tensors = [Tensor("x", shape, "int8", *q_in),
               Tensor("axis", (1,), "int32", data=np.array([axis], np.int32)),
               Tensor("y", shape, "int8", *q_out)]
    write_model(path, tensors, [Op("CUMSUM", ["x", "axis"], ["y"],
                                   {"exclusive": exclusive, "reverse": reverse})], ["x"], ["y"])
    return path


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_cumsum(tmp_path: Path, exclusive: bool, reverse: bool, seed: int) -> None:
    rng = np.random.default_rng(seed + 2 * exclusive + 4 * reverse)
    rank = int(rng.integers(1, 5))
    shape = tuple(int(v) for v in rng.integers(1, 6, rank))
    axis = int(rng.integers(-rank, rank))
    zp_in = (-128, 127, int(rng.integers(-128, 128)))[seed]
    zp_out = (127, -128, int(rng.integers(-128, 128)))[seed]
    s_in = 0.05 * 2.0 ** float(rng.uniform(-4, 4))
    s_out = s_in * shape[axis] * 2.0 ** float(rng.uniform(-3, 1))
    path = cumsum_model(tmp_path / "m.tflite", shape, axis, exclusive, reverse, (s_in, zp_in),
                        (s_out, zp_out))
    assert check_model(path, 6, seed, ("numpy", "c")) == []


@pytest.mark.parametrize("exclusive", [False, True])
def test_cumsum_wraps_the_accumulator(tmp_path: Path, exclusive: bool) -> None:
    """40 elements of (x − zp) · 2^19 leave int32 (TFLM's sum wraps); the output scale is small
    enough that the wrapped value shows."""
    path = cumsum_model(tmp_path / "m.tflite", (1, 40, 2), 1, exclusive, False, (0.02, -128),
                        (0.05, 3))
    assert check_model(path, 8, 1, ("numpy", "c")) == []


@needs_sim
def test_cumsum_verilog(tmp_path: Path) -> None:
    path = cumsum_model(tmp_path / "cs.tflite", (1, 4, 3), 1, True, True, (0.03, -128),
                        (0.07, 127))
    check_verilog(path, 4)


def test_a_large_output_multiplier_is_refused(tmp_path: Path) -> None:
    path = cumsum_model(tmp_path / "m.tflite", (1, 4), 1, False, False, (1.0, 0), (1e-7, 0))
    with pytest.raises(TqcError, match="op #0 CUMSUM: output multiplier .* not below 1"):
        lower(path)
