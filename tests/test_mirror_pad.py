"""MIRROR_PAD (REFLECT and SYMMETRIC; slices, reversed slices and concatenations): random ranks
and paddings up to the largest TensorFlow allows, NumPy and C against TFLM (int8) and LiteRT REF
(uint8, int16: TFLM refuses it); paddings past that limit after an axis (the kernel clamps the index) against TFLM,
before an axis (it reads past the input) refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model

ZPS = {"int8": (-128, 127, 3), "uint8": (0, 255, 77), "int16": (0, 0, 0)}


def _model(path: Path, kind: str, shape: tuple[int, ...], pads: np.ndarray, mode: str, zp: int) -> Path:
    out = tuple(int(d + p.sum()) for d, p in zip(shape, pads))
    tensors = [Tensor("x", shape, kind, 0.03, zp),
               Tensor("p", pads.shape, "int32", data=pads.astype(np.int32)),
               Tensor("y", out, kind, 0.03, zp)]
    write_model(path, tensors, [Op("MIRROR_PAD", ["x", "p"], ["y"], {"mode": mode})], ["x"], ["y"])
    return path


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
@pytest.mark.parametrize("seed", range(3))
def test_mirror_pad(tmp_path: Path, kind: str, mode: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 3 * len(mode) + len(kind))
    rank = int(rng.integers(2, 5))
    shape = (1, *(int(v) for v in rng.integers(1, 6, rank - 1)))
    limit = [d - 1 if mode == "REFLECT" else d for d in shape]
    pads = np.array([[0, 0]] + [[int(rng.integers(0, lim + 1)), int(rng.integers(0, lim + 1))]
                                for lim in limit[1:]])
    path = _model(tmp_path / "m.tflite", kind, shape, pads, mode, ZPS[kind][seed])
    assert check_model(path, 5, seed, ("numpy", "c")) == []


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
def test_paddings_past_the_limit_after_an_axis_clamp(tmp_path: Path, mode: str) -> None:
    path = _model(tmp_path / "m.tflite", "int8", (1, 3, 2), np.array([[0, 0], [1, 6], [1, 5]]), mode, -5)
    assert check_model(path, 5, 0, ("numpy", "c")) == []


def test_paddings_past_the_limit_before_an_axis_are_refused(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "int8", (1, 3, 2), np.array([[0, 0], [3, 0], [0, 0]]), "REFLECT", 0)
    with pytest.raises(TqcError, match="op #0 MIRROR_PAD: padding 3 before axis 1 of size 3 reads past"):
        lower(path)
