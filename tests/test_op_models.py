"""The single-op models of the op x type table (tests/op_models.py, scripts/op_type_table.py):
every builder writes a model for every kind, the table covers every op tqc or TFLM knows, and a
few models run in the reference and compile bit-exact (the whole table takes minutes: run the
script)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from op_models import BUILDERS, KINDS, Model, NotApplicable, build

from tqc.tflite_writer import build_model

ROOT = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("op_type_table", ROOT / "scripts" / "op_type_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["op_type_table"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", KINDS)
def test_every_builder_writes_a_model(kind: str) -> None:
    for opcode in BUILDERS:
        model = build(opcode, kind)
        if isinstance(model, NotApplicable):
            continue
        assert [op.opcode for op in model.ops] == [opcode]
        assert build_model(model.tensors, model.ops, model.inputs, model.outputs)[4:8] == b"TFL3"


def test_the_table_covers_every_op_tqc_or_tflm_knows() -> None:
    table = _script()
    ops = set(table.HANDLERS) | table.tflm_ops()
    assert {"CONV_2D", "UNIDIRECTIONAL_SEQUENCE_LSTM", "SVDF"} <= table.tflm_ops()
    assert not ops - set(BUILDERS)


@pytest.mark.parametrize("opcode, kind", [("CONV_2D", "int8"), ("ADD", "uint8"),
                                          ("FULLY_CONNECTED", "int16"), ("SPLIT", "int8"),
                                          ("UNIDIRECTIONAL_SEQUENCE_LSTM", "int8")])
def test_models_run_and_compile_exactly(tmp_path: Path, opcode: str, kind: str) -> None:
    table = _script()
    model = build(opcode, kind)
    assert isinstance(model, Model)
    row = table.measure(opcode, kind, model, tmp_path)
    reference = row.litert if kind == "uint8" else row.tflm
    assert (row.numpy, row.c, reference) == ("yes", "yes", "yes"), row.note
    assert row.exact.startswith("yes"), row.exact


def test_a_refusal_is_recorded_with_its_reason(tmp_path: Path) -> None:
    table = _script()
    model = build("HARD_SWISH", "int16")
    assert isinstance(model, Model)
    row = table.measure("HARD_SWISH", "int16", model, tmp_path)
    assert (row.numpy, row.tflm, row.exact) == ("no", "no", "—")
    assert "int16 activations are not supported" in row.note
