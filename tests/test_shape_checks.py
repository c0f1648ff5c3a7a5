"""Stored shapes that do not follow from an op's inputs are refused at import (dialects/tq_shapes.py),
in one line naming the op and its tensor; every `tq` op has a shape rule or is checked elsewhere."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import op_models
import pytest

from tqc import api
from tqc.dialects import tq, tq_shapes
from tqc.errors import TqcError
from tqc.tflite_writer import write_model


def _compiles(path: Path) -> bool:
    try:
        api.load(path).emit("numpy")
    except TqcError:
        return False
    return True


def _models() -> list[str]:
    return sorted(op for op in op_models.BUILDERS
                  if not isinstance(op_models.build(op, "int8"), op_models.NotApplicable))


@pytest.mark.parametrize("opcode", _models())
def test_output_shape_off_by_one_is_refused(opcode: str, tmp_path: Path) -> None:
    """The output's last dimension one larger than the op computes: refused at the op."""
    m = op_models.build(opcode, "int8")
    assert not isinstance(m, op_models.NotApplicable)
    good = tmp_path / "good.tflite"
    write_model(good, m.tensors, m.ops, m.inputs, m.outputs)
    if not _compiles(good):
        pytest.skip(f"{opcode} int8 is not supported (see docs/op-support.md)")
    out = m.outputs[0]
    tensors = [dataclasses.replace(t, shape=(*t.shape[:-1], t.shape[-1] + 1), shape_signature=None)
               if t.name == out else t for t in m.tensors]
    bad = tmp_path / "bad.tflite"
    write_model(bad, tensors, m.ops, m.inputs, m.outputs)
    with pytest.raises(TqcError) as e:
        api.load(bad).emit("numpy")
    message = str(e.value)
    assert message.startswith(f"op #0 {opcode}"), message
    assert "\n" not in message


@pytest.mark.parametrize("shapes, expected", [
    ([(1, 4, 4, 3), (3,)], (1, 4, 4, 3)),
    ([(4, 1), (1, 5)], (4, 5)),
    ([(2, 1, 3), (4, 1)], (2, 4, 3)),
    ([(), (2,)], (2,)),
])
def test_broadcast(shapes: list[tuple[int, ...]], expected: tuple[int, ...]) -> None:
    assert tq_shapes.broadcast(*shapes) == expected


def test_broadcast_refuses_incompatible() -> None:
    with pytest.raises(tq_shapes.ShapeError, match="do not broadcast"):
        tq_shapes.broadcast((1, 4, 3), (1, 4, 4))


@pytest.mark.parametrize("size, kernel, stride, dilation, padding, expected", [
    (96, 3, 2, 1, "SAME", 48), (97, 3, 2, 1, "SAME", 49), (96, 3, 2, 1, "VALID", 47),
    (10, 3, 1, 2, "VALID", 6), (5, 5, 1, 1, "VALID", 1), (4, 5, 1, 1, "VALID", 0),
])
def test_out_size(size: int, kernel: int, stride: int, dilation: int, padding: str,
                  expected: int) -> None:
    """TFLite's ComputeOutSize."""
    assert tq_shapes.out_size(size, kernel, stride, dilation, padding) == expected


def test_every_tq_op_has_a_shape_rule() -> None:
    """A new op must say how its output shape follows from its inputs (or where it is checked)."""
    missing = [op.name for op in tq.TQ.operations
               if op not in tq_shapes.RULES and op not in tq_shapes.CHECKED_ELSEWHERE]
    assert missing == []


def _first(v: object) -> object:
    return v[0] if isinstance(v, (list, tuple)) else v


@pytest.mark.parametrize("opcode, slot", [("CONV_2D", 2), ("DEPTHWISE_CONV_2D", 2),
                                          ("FULLY_CONNECTED", 2), ("TRANSPOSE_CONV", 3)])
def test_bias_of_the_wrong_length_is_refused(opcode: str, slot: int, tmp_path: Path) -> None:
    """One bias value per output channel; a shorter bias was read past its end (the C backend's
    folded initial accumulators crashed on a fuzzed model: tests/test_fuzz.py case 282)."""
    m = op_models.build(opcode, "int8")
    assert not isinstance(m, op_models.NotApplicable)
    bias = m.ops[0].inputs[slot]
    tensors = [dataclasses.replace(t, shape=(t.shape[0] - 1,), data=t.data[:-1],
                                   scale=_first(t.scale), zero_point=_first(t.zero_point))
               if t.name == bias else t for t in m.tensors]  # per-tensor: the count is checked
    bad = tmp_path / "bad.tflite"
    write_model(bad, tensors, m.ops, m.inputs, m.outputs)
    with pytest.raises(TqcError, match=rf"^op #0 {opcode}.*bias \[\d+\] does not hold one value "
                                       rf"per output channel \(\d+\)"):
        api.load(bad).emit("c")
