"""Verilog backend, BATCH_MATMUL of two streams (`tqc_matmul`, backends/verilog/emit_matmul.py):
random shapes with broadcast batch dimensions (per-batch slices and a concatenation around one
engine per batch element), adj_x / adj_y, zero points at the ends of the range and scales over
many octaves, int8 and int16, bit-exact in simulation against TFLM and the NumPy backend
(all-minimum, all-maximum and random samples back to back, with handshake gaps)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_batch_matmul import ZPS, _case, _model
from test_verilog_backend import check_model, needs_sim, needs_verilator, needs_yosys

from tqc.backends.verilog import sim, synth
from tqc.backends.verilog.report import estimate
from tqc.backends.verilog.target import build_design
from tqc.pipeline import lower
from tqc.targets import TargetOptions
from tqc.tqm import build_file

INPUTS = Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"


def _random_model(tmp_path: Path, kind: str, seed: int) -> Path:
    rng = np.random.default_rng(seed + 1000 * len(kind))
    a, b, out, adj = _case(rng)
    zp = ZPS[kind]
    zps = (zp[seed % len(zp)], zp[(seed + 1) % len(zp)], zp[(seed + 2) % len(zp)])
    s = 0.05 if kind == "int8" else 2e-4
    scales = (s * 2.0 ** float(rng.uniform(-4, 4)), s * 2.0 ** float(rng.uniform(-4, 4)),
              s * 2.0 ** float(rng.uniform(-3, 6)))
    return _model(tmp_path / f"bmm_{kind}_{seed}.tflite", kind, a, b, out, adj, zps, scales)


@needs_sim
def test_attention_scores_bit_exact(tmp_path: Path) -> None:
    """[1, 2, 4, 8] x [1, 2, 4, 8]ᵀ (two heads of Q·Kᵀ), zero points -128 and 127."""
    path = _model(tmp_path / "scores.tflite", "int8", (1, 2, 4, 8), (1, 2, 4, 8), (1, 2, 4, 4),
                  (False, True), (-128, 127, 3), (0.02, 0.03, 0.1))
    check_model(path, 4, throttle=True)


@needs_sim
@pytest.mark.parametrize("kind,seed", [("int8", 0), ("int16", 0),
                                       *(pytest.param(k, s, marks=pytest.mark.slow)
                                         for k in ("int8", "int16") for s in range(1, 5))])
def test_random_batch_matmul_bit_exact(tmp_path: Path, kind: str, seed: int) -> None:
    check_model(_random_model(tmp_path, kind, seed), 4, throttle=seed % 2 == 0)


@needs_sim
def test_fc_weights_input_bit_exact(tmp_path: Path) -> None:
    """FULLY_CONNECTED whose [4,5] weights are the second input, with a constant bias."""
    check_model(build_file(INPUTS / "fc_weights_input.tqm", tmp_path / "fcw.tflite"), 4,
                throttle=True)


@needs_verilator
@pytest.mark.parametrize("model", ["attention_scores", "fc_weights_input"])
def test_matmul_lint_clean(tmp_path: Path, model: str) -> None:
    path = build_file(INPUTS / f"{model}.tqm", tmp_path / f"{model}.tflite")
    design = build_design(lower(path), "dut", TargetOptions(), vectors=False)
    sim.write_files(tmp_path, design.sim_files())
    log = sim.lint(tmp_path, design.sources, "dut")
    assert "%Warning" not in log and "%Error" not in log


@needs_yosys
@pytest.mark.slow
def test_matmul_yosys_check_clean(tmp_path: Path) -> None:
    """Generic `synth`: `check -assert`, no latches, the tensor buffers stay memories."""
    path = build_file(INPUTS / "fc_weights_input.tqm", tmp_path / "fcw.tflite")
    design = build_design(lower(path), "dut", TargetOptions(), vectors=False)
    sim.write_files(tmp_path, design.files)
    log = synth.run_yosys(tmp_path, "dut.ys")
    assert "Found and reported 0 problems" in log
    counts = synth.cell_counts((tmp_path / "dut_stat.txt").read_text())
    assert not any("LATCH" in k.upper() for k in counts)


def test_matmul_cycles(tmp_path: Path) -> None:
    """The report's cycle model: M·N·K multiply-accumulates, one per cycle, after both operands
    are whole."""
    path = _model(tmp_path / "m.tflite", "int8", (1, 5, 3), (1, 3, 4), (1, 5, 4), (False, False),
                  (0, 0, 0), (0.1, 0.1, 0.1))
    design = build_design(lower(path), "m", TargetOptions(), vectors=False)
    assert "tqc_matmul #(" in design.files["m.v"]
    est = estimate(design.plan)
    assert est.macs == 5 * 4 * 3 and est.mac_units == 1 and est.ideal_interval == 60
