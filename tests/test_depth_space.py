"""DEPTH_TO_SPACE and SPACE_TO_DEPTH (lowered to reshape → transpose → reshape, no new tqi op):
random shapes and block sizes, NumPy and C against the reference (TFLM for int8, LiteRT REF for
uint8), a round trip, and the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model

ZP = {"int8": -7, "uint8": 151}


def _model(tmp_path: Path, opcode: str, dtype: str, in_shape: tuple[int, ...],
           out_shape: tuple[int, ...], block: int) -> Path:
    path = tmp_path / f"{opcode.lower()}.tflite"
    tensors = [Tensor("x", in_shape, dtype, 0.05, ZP[dtype]),
               Tensor("y", out_shape, dtype, 0.05, ZP[dtype])]
    write_model(path, tensors, [Op(opcode, ["x"], ["y"], {"block_size": block})], ["x"], ["y"])
    return path


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
@pytest.mark.parametrize("seed", range(3))
def test_depth_to_space(tmp_path: Path, dtype: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    bs, h, w, d = (int(v) for v in rng.integers(1, 5, 4))
    p = _model(tmp_path, "DEPTH_TO_SPACE", dtype, (1, h, w, bs * bs * d), (1, h * bs, w * bs, d), bs)
    assert check_model(p, 6, seed, ("numpy", "c")) == []


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
@pytest.mark.parametrize("seed", range(3))
def test_space_to_depth(tmp_path: Path, dtype: str, seed: int) -> None:
    rng = np.random.default_rng(10 + seed)
    bs, h, w, c = (int(v) for v in rng.integers(1, 5, 4))
    p = _model(tmp_path, "SPACE_TO_DEPTH", dtype, (1, h * bs, w * bs, c), (1, h, w, bs * bs * c), bs)
    assert check_model(p, 6, seed, ("numpy", "c")) == []


def test_round_trip(tmp_path: Path) -> None:
    """SPACE_TO_DEPTH after DEPTH_TO_SPACE gives the input back (and both match TFLM)."""
    path = tmp_path / "round_trip.tflite"
    tensors = [Tensor("x", (1, 3, 5, 8), "int8", 0.05, -7), Tensor("y", (1, 6, 10, 2), "int8", 0.05, -7),
               Tensor("z", (1, 3, 5, 8), "int8", 0.05, -7)]
    ops = [Op("DEPTH_TO_SPACE", ["x"], ["y"], {"block_size": 2}),
           Op("SPACE_TO_DEPTH", ["y"], ["z"], {"block_size": 2})]
    write_model(path, tensors, ops, ["x"], ["y", "z"])
    assert check_model(path, 4, 0, ("numpy", "c")) == []


def test_block_size_that_does_not_divide_is_refused(tmp_path: Path) -> None:
    p = _model(tmp_path, "SPACE_TO_DEPTH", "int8", (1, 5, 4, 2), (1, 2, 2, 8), 2)
    with pytest.raises(TqcError, match=r"op #0 SPACE_TO_DEPTH.*not multiples of block size 2"):
        lower(p)


def test_int16_is_refused_as_tflm_does(tmp_path: Path) -> None:
    path = tmp_path / "int16.tflite"
    tensors = [Tensor("x", (1, 1, 1, 4), "int16", 0.05, 0), Tensor("y", (1, 2, 2, 1), "int16", 0.05, 0)]
    write_model(path, tensors, [Op("DEPTH_TO_SPACE", ["x"], ["y"], {"block_size": 2})], ["x"], ["y"])
    with pytest.raises(TqcError, match="int16 activations are not supported"):
        lower(path)
