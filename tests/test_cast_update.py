"""CAST (static_cast of stored integers), ZEROS_LIKE (stored zeros) and DYNAMIC_UPDATE_SLICE with
constant start indices (clamped as the kernel does): NumPy and C against TFLM (int8, int16) and
LiteRT REF (uint8)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.tflite_writer import Op, Tensor, write_model


def _quant(dtype: str) -> tuple[float | None, int | None]:
    return {"int8": (0.1, -7), "uint8": (0.1, 200), "int16": (0.001, 0)}.get(dtype, (None, None))


@pytest.mark.parametrize("src,dst", [("int8", "int32"), ("int16", "int32"), ("uint8", "int32"),
                                     ("int32", "int8"), ("int32", "int16"), ("int8", "int16")])
def test_cast(tmp_path: Path, src: str, dst: str) -> None:
    tensors = [Tensor("x", (1, 4, 5), src, *_quant(src)), Tensor("y", (1, 4, 5), dst, *_quant(dst))]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, [Op("CAST", ["x"], ["y"])], ["x"], ["y"])
    assert check_model(path, 5, 0, ("numpy", "c")) == []


def test_zeros_like(tmp_path: Path) -> None:
    """ZEROS_LIKE feeding an ADD: the stored zeros (not the zero point) take part."""
    tensors = [Tensor("x", (1, 4, 5), "int8", 0.1, -7), Tensor("z", (1, 4, 5), "int8", 0.1, -7),
               Tensor("y", (1, 4, 5), "int8", 0.2, 3)]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, [Op("ZEROS_LIKE", ["x"], ["z"]), Op("ADD", ["x", "z"], ["y"])],
                ["x"], ["y"])
    assert check_model(path, 5, 0, ("numpy", "c")) == []


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
@pytest.mark.parametrize("seed", range(3))
def test_dynamic_update_slice(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed + len(kind))
    shape = (1, *(int(v) for v in rng.integers(1, 6, 2)))
    update = (1, *(int(rng.integers(1, d + 1)) for d in shape[1:]))
    start = [0, *(int(v) for v in rng.integers(-2, 7, 2))]  # out of range too: clamped
    q = _quant(kind)
    tensors = [Tensor("x", shape, kind, *q), Tensor("u", update, kind, *q),
               Tensor("s", (3,), "int32", data=np.array(start, np.int32)), Tensor("y", shape, kind, *q)]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, [Op("DYNAMIC_UPDATE_SLICE", ["x", "u", "s"], ["y"])], ["x", "u"], ["y"])
    assert check_model(path, 5, seed, ("numpy", "c")) == []
