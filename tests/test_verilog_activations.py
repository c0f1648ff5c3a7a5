"""Verilog backend, activations and ARG_MAX: PRELU (`tqi.select_nonneg`, three streams in lock
step), HARD_SWISH and LEAKY_RELU (int8 tables), MINIMUM with a constant, MAXIMUM of two
streams, ARG_MAX over the channels and over inner axes; bit-exact in simulation against the reference and the
NumPy backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_verilog_backend import check_model, needs_sim

from tqc.tflite_writer import Op, Tensor, write_model
from tqc.tqm import build_file

INPUTS = Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"


@needs_sim
@pytest.mark.parametrize("model", ["prelu_chain", "arg_max"])
def test_activations_bit_exact(tmp_path: Path, model: str) -> None:
    check_model(build_file(INPUTS / f"{model}.tqm", tmp_path / f"{model}.tflite"), 6,
                throttle=True)


@needs_sim
@pytest.mark.parametrize("opcode,axis,shape", [("ARG_MAX", 1, (1, 3, 4)), ("ARG_MIN", 2, (1, 4, 2, 5)),
                                               ("ARG_MAX", 1, (1, 3, 3, 4, 1))])
def test_arg_max_over_an_inner_axis_bit_exact(tmp_path: Path, opcode: str, axis: int,
                                              shape: tuple[int, ...]) -> None:
    """An axis followed by longer axes (was refused; fuzz seed 6): moved last by a transpose."""
    path = tmp_path / "am.tflite"
    out = tuple(d for k, d in enumerate(shape) if k != axis)
    write_model(path, [Tensor("x", shape, "int8", 0.5, 0),
                       Tensor("a", (1,), "int32", data=np.array([axis], np.int32)),
                       Tensor("y", out, "int32")],
                [Op(opcode, ["x", "a"], ["y"], {"output_type": "INT32"})], ["x"], ["y"])
    check_model(path, 6, throttle=True)
