"""GATHER and EMBEDDING_LOOKUP with constant indices (slices and a concatenation): random ranks,
axes, indices (repeated, in runs, several dimensions), NumPy and C against TFLM (int8) and
LiteRT REF (uint8, and int16 EMBEDDING_LOOKUP, which TFLM refuses); the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model

ZPS = {"int8": (-128, 127, 3), "uint8": (0, 255, 77), "int16": (0, -32768, 32767)}


def _gather(path: Path, kind: str, shape: tuple[int, ...], axis: int, indices: np.ndarray,
            zp: int, computed: bool = False) -> Path:
    norm = axis % len(shape)
    out = (*shape[:norm], *indices.shape, *shape[norm + 1:])
    tensors = [Tensor("x", shape, kind, 0.03, zp),
               Tensor("i", indices.shape, "int32", data=None if computed else indices.astype(np.int32)),
               Tensor("y", out, kind, 0.03, zp)]
    write_model(path, tensors, [Op("GATHER", ["x", "i"], ["y"], {"axis": axis})],
                ["x", "i"] if computed else ["x"], ["y"])
    return path


@pytest.mark.parametrize("kind", ["int8", "uint8"])
@pytest.mark.parametrize("seed", range(5))
def test_gather(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 7 * len(kind))
    rank = int(rng.integers(2, 5))
    shape = (1, *(int(v) for v in rng.integers(1, 6, rank - 1)))
    axis = int(rng.integers(1, rank))
    index_shape = tuple(int(v) for v in rng.integers(1, 4, int(rng.integers(0, 3))))
    indices = rng.integers(0, shape[axis], index_shape)
    if seed == 0:
        indices = np.arange(shape[axis])[::-1].copy()  # every index, reversed
    axis = axis - rank if seed % 2 else axis
    path = _gather(tmp_path / "m.tflite", kind, shape, axis, indices, ZPS[kind][seed % 3])
    assert check_model(path, 5, seed, ("numpy", "c")) == []


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
def test_embedding_lookup(tmp_path: Path, kind: str) -> None:
    """Constant ids into a computed table (the table is the graph input)."""
    ids = np.array([2, 0, 0, 3, 4], np.int32)
    tensors = [Tensor("ids", (5,), "int32", data=ids), Tensor("table", (5, 3, 2), kind, 0.1, ZPS[kind][1]),
               Tensor("y", (5, 3, 2), kind, 0.1, ZPS[kind][1])]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, [Op("EMBEDDING_LOOKUP", ["ids", "table"], ["y"])], ["table"], ["y"])
    assert check_model(path, 5, 0, ("numpy", "c")) == []


def test_index_outside_the_axis_is_refused(tmp_path: Path) -> None:
    path = _gather(tmp_path / "m.tflite", "int8", (1, 4, 3), 2, np.array([1, 3]), 0)
    with pytest.raises(TqcError, match=r"op #0 GATHER, tensor 'i': index 3 is outside \[0, 2\]"):
        lower(path)
