"""Standalone SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (not a dilated convolution; lowered to
pad / reshape → transpose → reshape / slice): random shapes, blocks, paddings and crops, zero
points at the ends of the range, NumPy and C against TFLM (int8: pads with 0 whatever the zero
point, measured) and LiteRT REF (uint8, int16 with zero points 0; int8 with `--reference
litert-ref`: pads with the zero point); a round trip; the int16 refusal (zero points not 0)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.backends.numpy.printer import print_numpy
from tqc.backends.numpy.target import import_source
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model, lower
from tqc.reference import run_reference
from tqc.tflite_writer import Op, Tensor, write_model

ZPS = {"int8": (-128, 127, -5), "uint8": (0, 255, 77), "int16": (0, 0, 0)}


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


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16"])
@pytest.mark.parametrize("seed", range(4))
def test_space_to_batch(tmp_path: Path, dtype: str, seed: int) -> None:
    """Any zero point for int8 (TFLM pads with 0) and uint8 (LiteRT pads with it)."""
    rng = np.random.default_rng(seed)
    path = _space_to_batch(tmp_path / "m.tflite", rng, dtype, ZPS[dtype][seed % 3], seed % 4 != 1)
    assert check_model(path, 5, seed, ("numpy", "c")) == []


def test_int8_padding_follows_the_reference(tmp_path: Path) -> None:
    """TFLM pads with 0 (its output_offset is never set; measured), LiteRT REF with the zero
    point: tqc follows `--reference`."""
    path = _model(tmp_path / "m.tflite", "SPACE_TO_BATCH_ND", "int8", -3, (1, 3, 4, 1),
                  (4, 2, 2, 1), (2, 2), [[1, 0], [0, 0]])
    x = np.full((2, 3, 4, 1), 9, np.int8)
    tflm = run_reference(path, [x], "tflm")[0]
    litert = run_reference(path, [x], "litert-ref")[0]
    assert set(tflm.ravel().tolist()) == {0, 9} and set(litert.ravel().tolist()) == {-3, 9}
    assert np.array_equal(load_numpy_model(path).run(x), tflm)
    module = import_source(print_numpy(lower(path, reference="litert-ref"), "m"), "m")
    assert np.array_equal(module.run(x), litert)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16"])
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


@pytest.mark.parametrize("opcode", ["SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"])
def test_int16_needs_zero_points_0_as_litert_does(tmp_path: Path, opcode: str) -> None:
    shapes = ((1, 4, 4, 1), (4, 2, 2, 1))
    in_shape, out_shape = shapes if opcode == "SPACE_TO_BATCH_ND" else shapes[::-1]
    path = _model(tmp_path / "m.tflite", opcode, "int16", 3, in_shape, out_shape, (2, 2), [[0, 0], [0, 0]])
    with pytest.raises(TqcError, match=f"op #0 {opcode}: int16 needs zero points 0"):
        lower(path)
