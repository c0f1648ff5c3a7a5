"""GATHER_ND with constant indices (a reshape, slices and a concatenation, a reshape): random
ranks, index depths and index shapes (repeated tuples, runs), NumPy and C against TFLM (int8) and
LiteRT REF (uint8, int16, which TFLM refuses); Verilog simulated; the refusals."""

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

ZPS = {"int8": (-128, 127, 3), "uint8": (0, 255, 77), "int16": (0, 0, 0)}


def gather_nd_model(path: Path, kind: str, shape: tuple[int, ...], indices: np.ndarray, zp: int,
                    computed: bool = False) -> Path:
    depth = indices.shape[-1]
    out = (*indices.shape[:-1], *shape[depth:])
    tensors = [Tensor("x", shape, kind, 0.03, zp),
               Tensor("i", indices.shape, "int32",
                      data=None if computed else indices.astype(np.int32)),
               Tensor("y", out, kind, 0.03, zp)]
    write_model(path, tensors, [Op("GATHER_ND", ["x", "i"], ["y"])],
                ["x", "i"] if computed else ["x"], ["y"])
    return path


def _random_indices(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    depth = int(rng.integers(1, len(shape) + 1))
    lead = tuple(int(v) for v in rng.integers(1, 4, int(rng.integers(1, 3))))
    return np.stack([rng.integers(0, shape[j], lead) for j in range(depth)], axis=-1)


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
@pytest.mark.parametrize("seed", range(4))
def test_gather_nd(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 11 * len(kind))
    rank = int(rng.integers(1, 5))
    shape = tuple(int(v) for v in rng.integers(1, 5, rank))
    indices = _random_indices(rng, shape)
    if seed == 0:  # every first-axis index, reversed: one slice with stride −1
        indices = np.arange(shape[0])[::-1].reshape(-1, 1).copy()
    path = gather_nd_model(tmp_path / "m.tflite", kind, shape, indices, ZPS[kind][seed % 3])
    assert check_model(path, 5, seed, ("numpy", "c")) == []


@needs_sim
def test_gather_nd_verilog(tmp_path: Path) -> None:
    """Rows of a [1, 4, 3, 2] tensor picked by (0, h, w) tuples: the gather engine."""
    indices = np.array([[[0, 3, 1], [0, 0, 0], [0, 0, 0], [0, 2, 2], [0, 1, 2]]])
    path = gather_nd_model(tmp_path / "gnd.tflite", "int8", (1, 4, 3, 2), indices, -128)
    check_verilog(path, 4)


def test_out_of_range_constant_indices_are_refused(tmp_path: Path) -> None:
    """(Run-time indices: tests/test_dynamic_gather.py.)"""
    path = gather_nd_model(tmp_path / "a.tflite", "int8", (1, 4, 3), np.array([[0, 4]]), 0)
    with pytest.raises(TqcError, match=r"op #0 GATHER_ND.*'i'.*index 4 is outside \[0, 3\]"):
        lower(path)
