"""Graph outputs computed from constants only (SHAPE's, a constant tensor returned as is): NumPy
and C give them the sample axis N of the I/O contract, as the reference does (int32[N, 4] for
SHAPE of a [1, 4, 4, 3] input); Verilog refuses them in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import identifier, lower
from tqc.targets import TargetOptions, get_target
from tqc.tflite_writer import Op, Tensor, write_model


def _shape_and_relu(path: Path, kind: str) -> Path:
    """Outputs: SHAPE(x) (int32[4]), RELU(x), and a [1, 2] constant returned as is."""
    zp = {"int8": -128, "uint8": 255, "int16": 0}[kind]
    tensors = [Tensor("x", (1, 4, 4, 3), kind, 0.02, zp),
               Tensor("s", (4,), "int32"),
               Tensor("r", (1, 4, 4, 3), kind, 0.02, zp),
               Tensor("c", (1, 2), kind, 0.02, zp, data=np.array([[3, 7]], kind))]
    ops = [Op("SHAPE", ["x"], ["s"], {"out_type": "INT32"}), Op("RELU", ["x"], ["r"])]
    write_model(path, tensors, ops, ["x"], ["s", "r", "c"])
    return path


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
def test_constant_outputs_have_the_sample_axis(tmp_path: Path, kind: str) -> None:
    path = _shape_and_relu(tmp_path / "m.tflite", kind)
    assert check_model(path, 5, 0, ("numpy", "c")) == []


def test_verilog_refuses_a_constant_output(tmp_path: Path) -> None:
    path = _shape_and_relu(tmp_path / "m.tflite", "int8")
    with pytest.raises(TqcError, match="is a constant") as e:
        get_target("verilog").emit(lower(path), identifier(path.stem), TargetOptions())
    assert "\n" not in str(e.value)
