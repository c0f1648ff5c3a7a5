"""Verilog designs with several inputs and outputs: one stream port per model input and
output (`in`/`out` alone, else `in0`, `out1`, …), forks to stages and ports, host edges of
float I/O; the testbench drives and checks every port. And the refusals: one line naming the
TFLite operator (index, opcode, tensor) and the `tqi` op.

The models are the lit inputs tests/filecheck/backends/verilog/Inputs/*.tqm.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from differential import random_inputs, shared_model
from test_verilog_backend import check_model, needs_sim, needs_verilator

from tqc.backends.verilog import sim
from tqc.backends.verilog import target as verilog_target
from tqc.backends.verilog.handlers import handler_kinds
from tqc.backends.verilog.target import build_design
from tqc.dialects import tqi
from tqc.dialects.origin import tfl_index
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model, lower
from tqc.reference import run_reference
from tqc.targets import TargetOptions
from tqc.tflite_writer import Op, Tensor, write_model
from tqc.tqm import build_file

INPUTS = Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"
MODELS = ["two_inputs", "fork_outputs", "shared_outputs", "float_io_outputs", "passthrough"]
OUTPUTS = {"shared_outputs": 4}  # outputs per model (else 2)


def model(tmp_path: Path, name: str) -> Path:
    return build_file(INPUTS / f"{name}.tqm", tmp_path / f"{name}.tflite")


def ports(top: str) -> list[str]:
    """The port declarations of a top module, e.g. 'input [7:0] in0_data'."""
    head = top.split(");", 1)[0].split("(", 1)[1]
    return [line.strip().rstrip(",") for line in head.splitlines() if line.strip()]


# ---- emitted ports (no tools needed) -------------------------------------------------------


def test_port_names_order_and_widths(tmp_path: Path) -> None:
    design = build_design(lower(model(tmp_path, "two_inputs")), "m", TargetOptions(),
                          vectors=False)
    assert ports(design.files["m.v"]) == [
        "input clk", "input rst",
        "input in0_valid", "output in0_ready", "input [7:0] in0_data",
        "input in1_valid", "output in1_ready", "input [7:0] in1_data",
        "output out0_valid", "input out0_ready", "output [7:0] out0_data",
        "output out1_valid", "input out1_ready", "output [7:0] out1_data"]
    tb = design.files["m_tb.v"]
    for port in ("in0", "in1", "out0", "out1"):
        assert f".{port}_valid({port}_valid)" in tb
    assert '"m_tb_input1.hex"' in tb and '"m_tb_expected0.hex"' in tb


def test_single_ports_keep_their_names(tmp_path: Path) -> None:
    design = build_design(lower(shared_model("tflm_hello_world_sine_int8.tflite")), "m",
                          TargetOptions())
    assert ports(design.files["m.v"])[2:] == [
        "input in_valid", "output in_ready", "input [7:0] in_data",
        "output out_valid", "input out_ready", "output [7:0] out_data"]
    assert {"m_tb_input.hex", "m_tb_expected.hex"} <= set(design.files)


def test_one_input_two_outputs(tmp_path: Path) -> None:
    design = build_design(lower(model(tmp_path, "fork_outputs")), "m", TargetOptions(),
                          vectors=False)
    assert [p.kind.bits for p in design.plan.outputs] == [8, 8]
    assert [p.name for p in design.plan.inputs] == ["in"]
    assert [p.name for p in design.plan.outputs] == ["out0", "out1"]


def test_ports_without_stages(tmp_path: Path) -> None:
    """An output that is an input (wired through) and an input nothing reads (taken and
    dropped); an int16 port is 16 bits wide."""
    top = build_design(lower(model(tmp_path, "passthrough")), "m", TargetOptions(),
                       vectors=False).files["m.v"]
    assert ports(top)[2:] == [
        "input in0_valid", "output in0_ready", "input [7:0] in0_data",
        "input in1_valid", "output in1_ready", "input [15:0] in1_data",
        "input in2_valid", "output in2_ready", "input [7:0] in2_data",
        "output out0_valid", "input out0_ready", "output [7:0] out0_data",
        "output out1_valid", "input out1_ready", "output [15:0] out1_data"]
    for line in ["assign out1_valid = in1_valid;", "assign in1_ready = out1_ready;",
                 "assign out1_data = in1_data;", "assign in2_ready = 1'b1;"]:
        assert line in top


@needs_verilator
@pytest.mark.parametrize("name", MODELS)
def test_lint_clean(tmp_path: Path, name: str) -> None:
    design = build_design(lower(model(tmp_path, name)), "dut", TargetOptions(), vectors=False)
    sim.write_files(tmp_path, design.sim_files())
    log = sim.lint(tmp_path, design.sources, "dut")
    assert "%Warning" not in log and "%Error" not in log, log


def test_test_vectors_per_port(tmp_path: Path) -> None:
    design = build_design(lower(model(tmp_path, "float_io_outputs")), "m", TargetOptions())
    files = design.files
    assert len(files["m_tb_input.hex"].split()) == 4 * 10
    assert len(files["m_tb_expected0.hex"].split()) == 4 * 6
    assert len(files["m_tb_expected1.hex"].split()) == 4 * 10


# ---- refusals --------------------------------------------------------------------------------


def test_lowering_keeps_the_operator_index(tmp_path: Path) -> None:
    module = lower(model(tmp_path, "two_inputs"))
    indices = {op.name: tfl_index(op) for op in module.walk() if op.name.startswith("tqi.")
               and not isinstance(op, tqi.ConstOp)}
    assert indices["tqi.fully_connected"] == 1 and indices["tqi.add"] == 0
    assert all(i is not None for i in indices.values()), indices


def test_refusal_names_op_index_and_tensor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal's form, whichever op lacks hardware: TRANSPOSE's kind is taken away here."""
    kinds = {t: k for t, k in handler_kinds().items() if t is not tqi.TransposeOp}
    monkeypatch.setattr(verilog_target, "handler_kinds", lambda: kinds)
    path = tmp_path / "transpose.tflite"
    write_model(path, [Tensor("x", (1, 2, 3, 4), "int8", 0.5, 0),
                       Tensor("y0", (1, 2, 3, 4), "int8", 0.25, 0),
                       Tensor("perm", (4,), "int32", data=np.array([0, 2, 1, 3], np.int32)),
                       Tensor("model/transpose", (1, 3, 2, 4), "int8", 0.25, 0)],
                [Op("RELU", ["x"], ["y0"]), Op("TRANSPOSE", ["y0", "perm"], ["model/transpose"])],
                ["x"], ["model/transpose"])
    with pytest.raises(TqcError) as info:
        build_design(lower(path), "m", TargetOptions())
    # the tensor's SSA name (legalized from 'model/transpose'), as every diagnostic names it
    assert str(info.value) == ("op #1 TRANSPOSE 'model_transpose' (tqi.transpose): no Verilog "
                               "hardware yet")


@needs_sim
def test_constant_operand_add_bit_exact(tmp_path: Path) -> None:
    """ADD of a constant of the result's shape: its widening cast and rescale compute on
    constants only, yet the join streams them (a ROM source, `tqc_source`, then the constant's
    chain in hardware); bit-exact against the reference and the NumPy backend."""
    path = tmp_path / "add_const.tflite"
    write_model(path, [Tensor("x", (1, 4), "int8", 0.5, 0),
                       Tensor("k", (1, 4), "int8", 0.25, 3,
                              data=np.array([-128, -1, 0, 127], dtype=np.int8)),
                       Tensor("y", (1, 4), "int8", 0.5, 0)],
                [Op("ADD", ["x", "k"], ["y"])], ["x"], ["y"])
    design = build_design(lower(path), "m", TargetOptions(), vectors=False)
    assert design.files["m.v"].count("tqc_source #(") == 1
    check_model(path, 4, throttle=True)


def test_cli_refusal_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The CLI prints the refusal as one line and exits non-zero (TRANSPOSE's kind taken away)."""
    from tqc import cli
    kinds = {t: k for t, k in handler_kinds().items() if t is not tqi.TransposeOp}
    monkeypatch.setattr(verilog_target, "handler_kinds", lambda: kinds)
    path = tmp_path / "transpose.tflite"
    write_model(path, [Tensor("x", (1, 2, 3, 4), "int8", 0.5, 0),
                       Tensor("perm", (4,), "int32", data=np.array([0, 2, 1, 3], np.int32)),
                       Tensor("t", (1, 3, 2, 4), "int8", 0.5, 0)],
                [Op("TRANSPOSE", ["x", "perm"], ["t"])], ["x"], ["t"])
    code = cli.main(["compile", str(path), "--target", "verilog", "-o", str(tmp_path / "out")])
    assert code != 0
    assert capsys.readouterr().err == ("tqc: error: op #0 TRANSPOSE 't' (tqi.transpose): "
                                       "no Verilog hardware yet\n")
    assert not (tmp_path / "out").exists()


# ---- bit-exact simulation ----------------------------------------------------------------------


@needs_sim
@pytest.mark.parametrize("name", MODELS)
def test_ports_bit_exact(tmp_path: Path, name: str) -> None:
    """Every output of the design against the reference and the NumPy backend, with random
    stalls on every port's handshake (each port its own)."""
    outs, result = check_model(model(tmp_path, name), 5, throttle=True)
    assert len(result.done) == 5 and len(outs) == OUTPUTS.get(name, 2)


@needs_sim
@pytest.mark.slow
def test_five_int16_outputs_of_a_uint8_input() -> None:
    """tests/regressions/fully_connected_uint8_int16.tqm: one uint8 input forked to five
    FULLY_CONNECTED engines, five 16-bit output ports (reference: LiteRT BUILTIN_REF)."""
    path = Path(__file__).parent / "regressions" / "fully_connected_uint8_int16.tqm"
    with tempfile.TemporaryDirectory() as tmp:
        outs, _ = check_model(build_file(path, Path(tmp) / "m.tflite"), 4, throttle=True)
    assert [o.dtype for o in outs] == [np.int16] * 5


@needs_sim
def test_ports_back_to_back(tmp_path: Path) -> None:
    """Without stalls the samples stream back to back: the interval is below the latency."""
    _, result = check_model(model(tmp_path, "fork_outputs"), 4)
    assert result.interval < result.latency, result.done


@needs_sim
def test_testbench_self_check_two_inputs(tmp_path: Path) -> None:
    """The emitted testbench with its own vectors, one file per port, prints PASS; a wrong
    expected value on the second output fails it."""
    design = build_design(lower(model(tmp_path, "two_inputs")), "two", TargetOptions())
    files = design.files
    folder = sim.build(design.sim_files(), [design.tb + ".v", *design.sources], design.tb)
    inputs = [files["two_tb_input0.hex"], files["two_tb_input1.hex"]]
    expected = [files["two_tb_expected0.hex"], files["two_tb_expected1.hex"]]
    result = sim.simulate(folder, design.tb, inputs, 4, expected, throttle=True, outputs=2)
    assert result.mismatches == 0 and "PASS" in result.log
    lines = expected[1].split()
    lines[7] = f"{int(lines[7], 16) ^ 1:02x}"
    wrong = sim.simulate(folder, design.tb, inputs, 4, [expected[0], "\n".join(lines) + "\n"],
                         outputs=2)
    assert wrong.mismatches == 1 and "TQC_MISMATCH out1 sample 0 element 7" in wrong.log


@needs_sim
def test_cli_run_several_inputs_and_outputs(tmp_path: Path) -> None:
    """`tqc run --target verilog` with two --input files writes an .npz of both outputs."""
    path = model(tmp_path, "two_inputs")
    xs = random_inputs(load_numpy_model(path).INPUTS, 3, seed=2)
    args = []
    for i, x in enumerate(xs):
        np.save(tmp_path / f"x{i}.npy", x)
        args += ["--input", str(tmp_path / f"x{i}.npy")]
    proc = subprocess.run([sys.executable, "-m", "tqc.cli", "run", str(path), "--target",
                           "verilog", *args, "--output", str(tmp_path / "y.npz")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    ys = np.load(tmp_path / "y.npz")
    for i, reference in enumerate(run_reference(path, xs)):
        np.testing.assert_array_equal(ys[f"out{i}"], reference)
