"""Comparisons' bool results in Verilog: one-bit streams from `tqi.nonneg` (the inverted sign bit
of the rescaled difference), as graph outputs and into CAST; simulated bit-exact against the
reference (TFLM int8, LiteRT REF uint8) and the NumPy backend, with random and extreme inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from op_models import build
from test_verilog_backend import check_model, needs_sim

from tqc.tflite_writer import Op, Tensor, write_model

COMPARISONS = ["EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL"]


@needs_sim
@pytest.mark.parametrize("kind", ["int8", "uint8"])
@pytest.mark.parametrize("opcode", COMPARISONS)
def test_comparison_output(tmp_path: Path, opcode: str, kind: str) -> None:
    model = build(opcode, kind)
    assert not isinstance(model, str) and hasattr(model, "ops")
    path = tmp_path / f"{opcode.lower()}_{kind}.tflite"
    write_model(path, model.tensors, model.ops, model.inputs, model.outputs)  # type: ignore[union-attr]
    check_model(path, 5, throttle=True)


@needs_sim
def test_bool_into_cast_and_output(tmp_path: Path) -> None:
    """GREATER of two differently quantized inputs, its bool both an output and cast to int8."""
    path = tmp_path / "greater_cast.tflite"
    tensors = [Tensor("a", (1, 3, 4), "int8", 0.05, -3), Tensor("b", (1, 3, 4), "int8", 0.11, 20),
               Tensor("g", (1, 3, 4), "bool"), Tensor("y", (1, 3, 4), "int8", 1.0, 0)]
    ops = [Op("GREATER", ["a", "b"], ["g"]), Op("CAST", ["g"], ["y"])]
    write_model(path, tensors, ops, ["a", "b"], ["g", "y"])
    check_model(path, 6)


@needs_sim
def test_bool_design_lints_clean(tmp_path: Path) -> None:
    """`verilator --lint-only -Wall`: the one-bit compare reads every bit of its input."""
    from tqc.backends.verilog import sim
    from tqc.cli import main

    model = build("LESS", "int8")
    path = tmp_path / "less.tflite"
    write_model(path, model.tensors, model.ops, model.inputs, model.outputs)  # type: ignore[union-attr]
    out = tmp_path / "less"
    assert main(["compile", str(path), "--target", "verilog", "-o", str(out)]) == 0
    sources = [s for s in (out / "less.f").read_text().split() if not s.endswith("_tb.v")]
    assert "%Warning" not in sim.lint(out, sources, "less")
