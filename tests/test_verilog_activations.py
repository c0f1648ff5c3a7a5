"""Verilog backend, activations and ARG_MAX: PRELU (`tqi.select_nonneg`, three streams in lock
step), HARD_SWISH and LEAKY_RELU (int8 tables), MINIMUM with a constant, MAXIMUM of two
streams, ARG_MAX over the channels; bit-exact in simulation against the reference and the
NumPy backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_verilog_backend import check_model, needs_sim

from tqc.backends.verilog.target import build_design
from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.targets import TargetOptions
from tqc.tflite_writer import Op, Tensor, write_model
from tqc.tqm import build_file

INPUTS = Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"


@needs_sim
@pytest.mark.parametrize("model", ["prelu_chain", "arg_max"])
def test_activations_bit_exact(tmp_path: Path, model: str) -> None:
    check_model(build_file(INPUTS / f"{model}.tqm", tmp_path / f"{model}.tflite"), 6,
                throttle=True)


def test_arg_max_other_axis_refused(tmp_path: Path) -> None:
    path = tmp_path / "am.tflite"
    write_model(path, [Tensor("x", (1, 3, 4), "int8", 0.5, 0),
                       Tensor("a", (1,), "int32", data=np.array([1], np.int32)),
                       Tensor("y", (1, 4), "int32")],
                [Op("ARG_MAX", ["x", "a"], ["y"], {"output_type": "INT32"})], ["x"], ["y"])
    with pytest.raises(TqcError, match=r"^op #0 ARG_MAX 'y' \(tqi\.arg_max\): over axis 1 of "
                                       r"\[1, 3, 4\]: no Verilog hardware yet \(last axis only\)$"):
        build_design(lower(path), "m", TargetOptions(), vectors=False)
