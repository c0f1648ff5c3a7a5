"""Graph outputs computed from constants only (SHAPE's, a constant tensor returned as is): NumPy
and C give them the sample axis N of the I/O contract, as the reference does (int32[N, 4] for
SHAPE of a [1, 4, 4, 3] input); Verilog streams each from a ROM once per sample (and refuses in
one line an output computed from constants by other ops)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model
from op_models import Model, build
from test_verilog_backend import check_model as check_verilog
from test_verilog_backend import needs_sim

from tqc.backends.verilog.target import build_design, simulate
from tqc.errors import TqcError
from tqc.pipeline import identifier, load_numpy_model, lower
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


@needs_sim
@pytest.mark.parametrize("kind", ["int8", "int16"])
def test_verilog_streams_constant_outputs(tmp_path: Path, kind: str) -> None:
    """Each constant output streams from a ROM once per sample, next to RELU's stream."""
    path = _shape_and_relu(tmp_path / f"m_{kind}.tflite", kind)
    ys, _ = check_verilog(path, 4, throttle=True)
    assert (ys[0] == [1, 4, 4, 3]).all() and ys[0].shape == (4, 4)
    assert (ys[2] == [3, 7]).all()


@needs_sim
@pytest.mark.parametrize("opcode,kind", [("SHAPE", "int16"), ("ZEROS_LIKE", "int8"),
                                         ("EMBEDDING_LOOKUP", "int8")])
def test_verilog_single_op_constant_outputs(tmp_path: Path, opcode: str, kind: str) -> None:
    """tests/op_models.py's models whose output is a constant; EMBEDDING_LOOKUP of constant
    ids has no input at all (one sample)."""
    model = build(opcode, kind)
    assert isinstance(model, Model)
    path = tmp_path / f"{opcode.lower()}.tflite"
    write_model(path, model.tensors, model.ops, model.inputs, model.outputs)
    if model.inputs:
        check_verilog(path, 3)
        return
    design = build_design(lower(path), "el", TargetOptions(), vectors=False)
    expected = load_numpy_model(path).run()
    assert expected.shape == (1, 3, 5)
    (hw,), result = simulate(design, [], [np.repeat(expected, 3, axis=0)])
    assert result.samples == 3 and result.mismatches == 0
    assert (hw == expected).all() and hw.shape == (3, 3, 5)


def test_verilog_refuses_an_output_computed_from_constants(tmp_path: Path) -> None:
    """A constant output that is not a constant tensor itself (here ADD of two constants) has
    no ROM of its own yet: refused in one line."""
    tensors = [Tensor("x", (1, 2), "int8", 0.1, 0), Tensor("r", (1, 2), "int8", 0.1, 0),
               Tensor("a", (1, 2), "int8", 0.1, 0, data=np.array([[1, 2]], "int8")),
               Tensor("b", (1, 2), "int8", 0.1, 0, data=np.array([[3, 4]], "int8")),
               Tensor("c", (1, 2), "int8", 0.2, 0)]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, [Op("RELU", ["x"], ["r"]), Op("ADD", ["a", "b"], ["c"])], ["x"],
                ["r", "c"])
    with pytest.raises(TqcError, match="is computed from constants") as e:
        get_target("verilog").emit(lower(path), identifier(path.stem), TargetOptions())
    assert "\n" not in str(e.value)
