"""Verilog backend, RESIZE_BILINEAR: int8 images (`tqc_resize`, ResizeBilinearInteger) and
uint8 images (`tqc_resize_f32`, LiteRT REF's float32 kernel) bit-exact in simulation against
the reference and the NumPy backend; the float datapath's domain check; lint and yosys."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from differential import random_inputs, shared_model
from test_verilog_backend import check_model, needs_sim, needs_verilator, needs_yosys

from tqc.backends.verilog import sim, synth
from tqc.backends.verilog.emit_resize_f32 import domain_check, weight_rom
from tqc.backends.verilog.target import (
    build_design,
    from_hardware,
    simulate,
    to_hardware,
)
from tqc.pipeline import load_numpy_model, lower
from tqc.reference import run_reference
from tqc.semantics.resize import bilinear_axis_float
from tqc.targets import TargetOptions
from tqc.tqm import build_file

INPUTS = Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"


@needs_sim
def test_resize_bilinear_bit_exact(tmp_path: Path) -> None:
    """Inputs/resize.tqm: 4x3 → 10x7 (half-pixel centers) → 3x4 (align corners), back to back
    with handshake gaps."""
    check_model(build_file(INPUTS / "resize.tqm", tmp_path / "resize.tflite"), 6, throttle=True)


@needs_sim
def test_resize_bilinear_uint8_bit_exact(tmp_path: Path) -> None:
    """Inputs/resize_u8.tqm: half-pixel 4x3 → 10x7, align-corners 10x7 → 3x4, plain 3x4 → 7x5,
    align-corners 7x5 → 9x11, back to back with handshake gaps."""
    check_model(build_file(INPUTS / "resize_u8.tqm", tmp_path / "resize_u8.tflite"), 6,
                throttle=True)


@needs_sim
def test_resize_bilinear_uint8_modes_bit_exact(tmp_path: Path) -> None:
    """Inputs/resize_u8_modes.tqm: shapes where float32 rounding decides outputs (multiplying
    the weights in the other order makes 14 of 7200 outputs of y1 differ, adding the taps in
    the other order 9: both measured on this test by mutating tqc_resize_f32.v)."""
    check_model(build_file(INPUTS / "resize_u8_modes.tqm", tmp_path / "modes.tflite"), 12)


def test_uint8_weights_stay_in_the_float_domain() -> None:
    """The float datapath's compile-time proof holds for every size up to 40 in both axes and
    every mode, and for DeepLab v3's 1 → 33 and 33 → 513 (align_corners)."""
    axes = [bilinear_axis_float(i, o, align, half) for i in range(1, 41) for o in range(1, 41)
            for align, half in ((False, False), (True, False), (False, True))]
    axes += [bilinear_axis_float(1, 33, True, False), bilinear_axis_float(33, 513, True, False)]
    for ys in axes:
        assert domain_check(ys, axes[-1]) is None
        assert domain_check(axes[0], ys) is None
    assert min(float(np.min(a[2])) for a in axes) < 0  # half-pixel edges: negative weights


def test_domain_check_names_the_problem() -> None:
    lo, hi = np.array([0, 0]), np.array([1, 1])
    fine = (lo, hi, np.array([0.25, 0.5], np.float32))
    tiny = (lo, hi, np.array([2.0 ** -60, 0.5], np.float32))
    assert domain_check(fine, fine) is None
    assert "subnormal products" in str(domain_check(tiny, tiny))
    apart = (np.array([0, 1]), np.array([1, 2]), np.array([-0.25, 0.5], np.float32))
    assert "negative row weight" in str(domain_check(apart, fine))


def test_uint8_weight_rom_words() -> None:
    """{lower, upper, 1 - frac, frac}: 0.25 → 3f400000 (0.75) and 3e800000."""
    text = weight_rom(np.array([1]), np.array([2]), np.array([0.25], np.float32), 2)
    assert text == "6" + "3f400000" + "3e800000" + "\n"


@needs_verilator
def test_resize_bilinear_uint8_lint_clean(tmp_path: Path) -> None:
    design = build_design(lower(build_file(INPUTS / "resize_u8.tqm", tmp_path / "r.tflite")),
                          "dut", TargetOptions(), vectors=False)
    assert "tqc_resize_f32" in design.files["dut.v"]
    sim.write_files(tmp_path, design.sim_files())
    log = sim.lint(tmp_path, design.sources, "dut")
    assert "%Warning" not in log and "%Error" not in log, log


@needs_yosys
@pytest.mark.slow
def test_resize_bilinear_uint8_yosys_clean(tmp_path: Path) -> None:
    """Generic `synth`, `check -assert`, no latches (the script asserts both): four float
    engines, about 80 s of yosys."""
    design = build_design(lower(build_file(INPUTS / "resize_u8.tqm", tmp_path / "r.tflite")),
                          "dut", TargetOptions(), vectors=False)
    sim.write_files(tmp_path, design.files)
    log = synth.run_yosys(tmp_path, "dut.ys")
    assert "Found and reported 0 problems" in log
    counts = synth.cell_counts((tmp_path / "dut_stat.txt").read_text())
    assert not any("LATCH" in k.upper() for k in counts)


@needs_sim
@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("TQC_LONG") != "1",
                    reason="DeepLab v3 in Verilator: ~6 min build, 25.7 M cycles (~15 CPU-minutes): "
                           "set TQC_LONG=1")
def test_deeplab_v3_uint8_bit_exact() -> None:
    """Coral's DeepLab v3 (MobileNet v2 0.5, 513x513x3, uint8, LiteRT REF) at P = 64: three
    uint8 RESIZE_BILINEARs (1 → 33, 33 → 33, 33 → 513, align_corners) on the float engine, one
    random sample bit-exact against LiteRT REF and the NumPy backend (measured: all 263 169
    outputs, latency 25 652 825 cycles, 29 minutes build and simulation on the shared 2-core
    machine under a load of ~10). Its output is the ARG_MAX over the 21 resized class maps,
    so the resize values count where they decide the maximum."""
    model = shared_model("coral_deeplabv3_mnv2_dm05_pascal_uint8.tflite")
    module = lower(model)
    design = build_design(module, "deeplab", TargetOptions(parallel=64), vectors=False)
    numpy_model = load_numpy_model(model)
    xs = [x[2:3] for x in random_inputs(numpy_model.INPUTS, 3, seed=11)]  # not the min / max
    expected = numpy_model.run(*xs)
    reference = run_reference(model, xs)[0]
    np.testing.assert_array_equal(expected, reference)
    hw, result = simulate(design, to_hardware(design.plan, xs))
    ours = from_hardware(design.plan, hw)[0]
    assert ours.dtype == reference.dtype and ours.shape == reference.shape
    assert np.count_nonzero(ours.astype(np.int64) - reference) == 0
    assert result.samples == 1
