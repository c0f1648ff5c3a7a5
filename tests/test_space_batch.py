"""Standalone SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (not a dilated convolution; lowered to
pad / reshape → transpose → reshape / slice): random shapes, blocks, paddings and crops, zero
points at the ends of the range, NumPy and C against TFLM (int8) and LiteRT REF (uint8); a round
trip; the refusals (int8 padding with a zero point the references disagree on, int16)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model

ZPS = {"int8": (-128, 127, -5), "uint8": (0, 255, 77)}


def _model(path: Path, opcode: str, dtype: str, zp: int, in_shape: tuple[int, ...],
           out_shape: tuple[int, ...], block: tuple[int, int], edges: list[list[int]]) -> Path:
    tensors = [Tensor("x", in_shape, dtype, 0.05, zp), Tensor("y", out_shape, dtype, 0.05, zp),
               Tensor("block", (2,), "int32", data=np.array(block, np.int32)),
               Tensor("edges", (2, 2), "int32", data=np.array(edges, np.int32))]
    write_model(path, tensors, [Op(opcode, ["x", "block", "edges"], ["y"])], ["x"], ["y"])
    return path


def _space_to_batch(path: Path, rng: np.random.Generator, dtype: str, zp: int, padded: bool) -> Path:
    bh, bw, c = (int(v) for v in rng.integers(1, 4, 3))
    n = int(rng.integers(1, 3))
    h, w = (int(v) for v in rng.integers(1, 5, 2))
    pads = [[int(v) for v in rng.integers(0, 3, 2)] for _ in range(2)] if padded else [[0, 0], [0, 0]]
    for axis, (size, b) in enumerate(((h, bh), (w, bw))):  # the padded size: a multiple of the block
        pads[axis][1] += -(size + sum(pads[axis])) % b
    if not padded:
        h, w = h * bh, w * bw
        pads = [[0, 0], [0, 0]]
    ph, pw = h + sum(pads[0]), w + sum(pads[1])
    return _model(path, "SPACE_TO_BATCH_ND", dtype, zp, (n, h, w, c),
                  (n * bh * bw, ph // bh, pw // bw, c), (bh, bw), pads)


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
@pytest.mark.parametrize("seed", range(4))
def test_space_to_batch(tmp_path: Path, dtype: str, seed: int) -> None:
    """uint8 pads with any zero point; int8 pads only with zero point 0 (see the refusal) and
    moves data with any."""
    rng = np.random.default_rng(seed)
    zp = ZPS[dtype][seed % 3]
    padded = dtype == "uint8" or seed % 2 == 0
    path = _space_to_batch(tmp_path / "m.tflite", rng, dtype, 0 if dtype == "int8" and padded else zp,
                           padded)
    assert check_model(path, 5, seed, ("numpy", "c")) == []


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
@pytest.mark.parametrize("seed", range(4))
def test_batch_to_space(tmp_path: Path, dtype: str, seed: int) -> None:
    rng = np.random.default_rng(20 + seed)
    bh, bw, n, h, w, c = (int(v) for v in rng.integers(1, 4, 6))
    crops = [[int(rng.integers(0, bh * h)) // 2, 0], [0, int(rng.integers(0, bw * w)) // 2]]
    if seed % 2:
        crops = [crops[0][::-1], crops[1][::-1]]
    out = (n, bh * h - sum(crops[0]), bw * w - sum(crops[1]), c)
    path = _model(tmp_path / "m.tflite", "BATCH_TO_SPACE_ND", dtype, ZPS[dtype][seed % 3],
                  (n * bh * bw, h, w, c), out, (bh, bw), crops)
    assert check_model(path, 5, seed, ("numpy", "c")) == []


def test_round_trip(tmp_path: Path) -> None:
    """BATCH_TO_SPACE_ND after SPACE_TO_BATCH_ND with crops = paddings gives the input back."""
    path = tmp_path / "round_trip.tflite"
    pads = np.array([[1, 0], [2, 1]], np.int32)
    tensors = [Tensor("x", (1, 5, 3, 2), "uint8", 0.1, 255), Tensor("s", (6, 3, 2, 2), "uint8", 0.1, 255),
               Tensor("y", (1, 5, 3, 2), "uint8", 0.1, 255),
               Tensor("block", (2,), "int32", data=np.array([2, 3], np.int32)),
               Tensor("pads", (2, 2), "int32", data=pads)]
    ops = [Op("SPACE_TO_BATCH_ND", ["x", "block", "pads"], ["s"]),
           Op("BATCH_TO_SPACE_ND", ["s", "block", "pads"], ["y"])]
    write_model(path, tensors, ops, ["x"], ["s", "y"])
    assert check_model(path, 4, 0, ("numpy", "c")) == []


def test_int8_padding_with_a_zero_point_is_refused(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "SPACE_TO_BATCH_ND", "int8", -128, (1, 3, 4, 1),
                  (4, 2, 2, 1), (2, 2), [[1, 0], [0, 0]])
    with pytest.raises(TqcError, match=r"op #0 SPACE_TO_BATCH_ND: padding with output zero point "
                                       r"-128 is not supported: .*references disagree"):
        lower(path)


@pytest.mark.parametrize("opcode", ["SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"])
def test_int16_is_refused_as_tflm_does(tmp_path: Path, opcode: str) -> None:
    shapes = ((1, 4, 4, 1), (4, 2, 2, 1))
    in_shape, out_shape = shapes if opcode == "SPACE_TO_BATCH_ND" else shapes[::-1]
    path = _model(tmp_path / "m.tflite", opcode, "int16", 0, in_shape, out_shape, (2, 2), [[0, 0], [0, 0]])
    with pytest.raises(TqcError, match=f"op #0 {opcode}: int16 activations are not supported"):
        lower(path)
