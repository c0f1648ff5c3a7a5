"""REDUCE_MAX and REDUCE_MIN (a max pool over the reduced elements; REDUCE_MIN through the
reversed-order table): random ranks, axes (negative and repeated too), keep_dims, zero points at
the ends of the range, NumPy and C against TFLM (int8) and LiteRT REF (uint8); the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model

ZPS = {"int8": (-128, 127, 9), "uint8": (0, 255, 140), "int16": (0, 0, 0)}


def _model(path: Path, opcode: str, kind: str, zp: int, shape: tuple[int, ...], axes: list[int],
           keep: bool, out_zp: int | None = None) -> Path:
    norm = {a % len(shape) for a in axes}
    out = tuple(1 if a in norm else d for a, d in enumerate(shape) if keep or a not in norm)
    tensors = [Tensor("x", shape, kind, 0.03, zp),
               Tensor("axes", (len(axes),), "int32", data=np.array(axes, np.int32)),
               Tensor("y", out, kind, 0.03, zp if out_zp is None else out_zp)]
    write_model(path, tensors, [Op(opcode, ["x", "axes"], ["y"], {"keep_dims": keep})], ["x"], ["y"])
    return path


@pytest.mark.parametrize("opcode", ["REDUCE_MAX", "REDUCE_MIN"])
@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
@pytest.mark.parametrize("seed", range(4))
def test_reduce(tmp_path: Path, opcode: str, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 40 * (opcode == "REDUCE_MIN"))
    rank = int(rng.integers(2, 5))
    shape = (1, *(int(v) for v in rng.integers(1, 6, rank - 1)))
    axes = [int(a) for a in rng.choice(range(1, rank), int(rng.integers(1, rank)), replace=False)]
    axes = [a - rank if rng.random() < 0.3 else a for a in axes] + ([axes[0]] if seed == 3 else [])
    path = _model(tmp_path / "m.tflite", opcode, kind, ZPS[kind][seed % 3], shape, axes,
                  keep=bool(seed % 2))
    assert check_model(path, 6, seed, ("numpy", "c")) == []


def test_reduce_over_the_batch_axis_of_one(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "REDUCE_MAX", "int8", -128, (1, 3, 4), [0, 2], keep=True)
    assert check_model(path, 4, 0, ("numpy", "c")) == []


def test_different_quantization_is_refused(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "REDUCE_MIN", "int8", 0, (1, 3, 4), [1], keep=False, out_zp=3)
    with pytest.raises(TqcError, match="op #0 REDUCE_MIN: needs equal input and output quantization"):
        lower(path)


def test_int16_follows_litert_ref(tmp_path: Path) -> None:
    """TFLM has no int16 kernel: LiteRT REF is the reference (the stored int16 maximum/minimum,
    all-minimum and all-maximum inputs included)."""
    for opcode in ("REDUCE_MAX", "REDUCE_MIN"):
        path = _model(tmp_path / f"{opcode}.tflite", opcode, "int16", 0, (1, 3, 5, 2), [1, -1],
                      keep=False)
        assert check_model(path, 6, 1, ("numpy", "c")) == []
