"""FILL(dims, value) (tqc/import_handlers.py `fill`: a BROADCAST_TO of the scalar): NumPy and C
bit-exact vs TFLM (int8), LiteRT REF (uint8, int16), with the value a model input or a constant,
and the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model


def _model(path: Path, kind: str, dims: tuple[int, ...], q_out: tuple[float, int] | None = None,
           value_shape: tuple[int, ...] = (), out: tuple[int, ...] | None = None) -> Path:
    q = (0.05, 0 if kind == "int16" else 3)  # LiteRT: int16 zero points 0
    tensors = [Tensor("dims", (len(dims),), "int32", data=np.array(dims, np.int32)),
               Tensor("v", value_shape, kind, *q),
               Tensor("y", out or dims, kind, *(q_out or q))]
    write_model(path, tensors, [Op("FILL", ["dims", "v"], ["y"])], ["v"], ["y"])
    return path


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
@pytest.mark.parametrize("dims", [(1, 2, 3), (4,), (1, 3, 1, 5, 2)])
def test_fill_matches_the_reference(tmp_path: Path, kind: str, dims: tuple[int, ...]) -> None:
    """The first two samples are the type's minimum and maximum."""
    assert check_model(_model(tmp_path / "fill.tflite", kind, dims), 5, 1, ("numpy", "c")) == []


def test_stored_value_copied_whatever_the_output_quantization(tmp_path: Path) -> None:
    """TFLM copies the stored int8 value even into another scale and zero point (measured;
    LiteRT's Prepare refuses such a model)."""
    path = _model(tmp_path / "fill.tflite", "int8", (1, 2, 2), (0.1, 0))
    assert check_model(path, 4, 2, ("numpy", "c")) == []


def test_dims_must_be_the_output_shape(tmp_path: Path) -> None:
    path = _model(tmp_path / "fill.tflite", "int8", (1, 2, 3), out=(1, 2, 4))
    with pytest.raises(TqcError, match=r"op #0 FILL.*dims \[1, 2, 3\] differ from the output"):
        lower(path)


def test_value_must_be_a_scalar(tmp_path: Path) -> None:
    path = _model(tmp_path / "fill.tflite", "int8", (1, 2, 3), value_shape=(2,))
    with pytest.raises(TqcError, match=r"op #0 FILL.*the value must be a scalar"):
        lower(path)
