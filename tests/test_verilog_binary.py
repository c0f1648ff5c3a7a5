"""Verilog backend, binary ops whose operands are not two streams of the result's shape:
constant operands (ROM sources, `tqc_source`) and broadcast operands (`tqc_bcast`), bit-exact
in simulation against the reference and the NumPy backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_verilog_backend import check_model, needs_sim

from tqc.backends.verilog.target import build_design
from tqc.dialects import tqi
from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.targets import TargetOptions
from tqc.tqm import build_file

INPUTS = Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"


@needs_sim
@pytest.mark.parametrize("model", ["const_operands", "squeeze_excite"])
def test_binary_operands_bit_exact(tmp_path: Path, model: str) -> None:
    """const_operands: ADD of a [1,1,5,1] constant, MUL by a full-shape constant, MAXIMUM with
    a [3] constant, SUB from a [1,1,1,3] constant; squeeze_excite: MUL by a [1,1,1,8] stream
    (MEAN → LOGISTIC) broadcast over H and W. Back to back, with handshake gaps."""
    check_model(build_file(INPUTS / f"{model}.tqm", tmp_path / f"{model}.tflite"), 5,
                throttle=True)


def test_broadcast_refuses_incompatible_shapes(tmp_path: Path) -> None:
    """The refusal names the join's TFLite operator."""
    from tqc.backends.verilog.emit_broadcast import broadcast

    module = lower(build_file(INPUTS / "const_operands.tqm", tmp_path / "c.tflite"))
    add = next(op for op in module.walk() if isinstance(op, tqi.AddOp))
    with pytest.raises(TqcError, match=r"^op #0 ADD 't1' \(tqi\.add\): cannot broadcast "
                                       r"\[1, 2, 3\] to \[1, 4, 3\]$"):
        broadcast(None, add, "s1", (1, 2, 3), (1, 4, 3), 8)  # type: ignore[arg-type]


def test_constant_sources_emitted(tmp_path: Path) -> None:
    """Each constant operand becomes one ROM source; a smaller one a broadcast stage."""
    path = build_file(INPUTS / "const_operands.tqm", tmp_path / "c.tflite")
    design = build_design(lower(path), "c", TargetOptions(), vectors=False)
    top = design.files["c.v"]
    assert top.count("tqc_source #(") == 4
    assert top.count("tqc_bcast #(") == 3  # c1, c3, c4 (c2 has the result's shape)
