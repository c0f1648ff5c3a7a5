"""Every op tqc imports has its operand and result counts checked before its handler runs
(tqc/tflite_check.py ARITY): one input too few or too many is a one-line refusal naming the
op, never an IndexError inside a handler (found by the fuzz harness, seed 4: BATCH_MATMUL,
comparisons, GATHER_ND and UNPACK had no entry)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from op_models import BUILDERS, Model, build

import tqc.importer  # noqa: F401  (registers the import handlers)
from tqc.errors import TqcError
from tqc.import_context import HANDLERS
from tqc.pipeline import lower
from tqc.tflite_check import ARITY, MANY
from tqc.tflite_writer import build_model


def test_every_imported_op_has_an_arity() -> None:
    assert not set(HANDLERS.keys()) - set(ARITY)


def _single_op_models() -> list[tuple[str, Model]]:
    found = []
    for opcode in sorted(BUILDERS):
        model = build(opcode, "int8")
        if isinstance(model, Model) and opcode in ARITY:
            found.append((opcode, model))
    return found


@pytest.mark.parametrize("opcode, model", _single_op_models(), ids=lambda v: v if isinstance(v, str) else "")
def test_one_input_too_few_or_too_many_is_refused(opcode: str, model: Model, tmp_path: Path) -> None:
    lo, hi, _, _ = ARITY[opcode]
    (op,) = model.ops
    variants = [op.inputs[:lo - 1]] + ([op.inputs + op.inputs[:1] * (hi + 1 - len(op.inputs))]
                                        if hi != MANY else [])
    for inputs in variants:
        bad = replace(op, inputs=list(inputs))
        path = tmp_path / "m.tflite"
        path.write_bytes(build_model(model.tensors, [bad], model.inputs, model.outputs))
        with pytest.raises(TqcError, match=rf"op #0 {opcode}: {len(inputs)} inputs \(needs "):
            lower(path)
