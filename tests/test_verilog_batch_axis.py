"""Verilog backend, ports whose tensor has no leading batch dimension of 1: one sample is the
whole tensor (tqc/samples.py), so BATCH_TO_SPACE_ND's [4,2,2,3] input, SPACE_TO_BATCH_ND's and
BROADCAST_TO's batch-4 / batch-2 outputs and SQUEEZE's [4,4,3] output stream every element of
it per sample. Single-op models of tests/op_models.py, bit-exact in simulation against the
reference and the NumPy backend (all-minimum, all-maximum and random samples)."""

from __future__ import annotations

from pathlib import Path

import pytest
from op_models import Model, build
from test_verilog_backend import check_model, needs_sim

from tqc.tflite_writer import write_model

CASES = [("BATCH_TO_SPACE_ND", "int8"), ("SPACE_TO_BATCH_ND", "uint8"), ("BROADCAST_TO", "int16"),
         ("SQUEEZE", "int8")]
SLOW = [("BATCH_TO_SPACE_ND", "uint8"), ("BROADCAST_TO", "int8"), ("BROADCAST_TO", "uint8"),
        ("SQUEEZE", "int16")]


def single_op(tmp_path: Path, opcode: str, kind: str) -> Path:
    model = build(opcode, kind)
    assert isinstance(model, Model)
    path = tmp_path / f"{opcode.lower()}_{kind}.tflite"
    write_model(path, model.tensors, model.ops, model.inputs, model.outputs)
    return path


@needs_sim
@pytest.mark.parametrize("opcode,kind", [*CASES, *(pytest.param(*c, marks=pytest.mark.slow) for c in SLOW)])
def test_batch_axis_ports_bit_exact(tmp_path: Path, opcode: str, kind: str) -> None:
    # LiteRT REF has no BROADCAST_TO; TFLM runs the uint8 model (the NumPy backend matches it)
    runtime = "tflm" if opcode == "BROADCAST_TO" else "auto"
    check_model(single_op(tmp_path, opcode, kind), 4, throttle=True, runtime=runtime)
