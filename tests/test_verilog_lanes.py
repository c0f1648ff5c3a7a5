"""Streams of several elements per beat (backends/verilog/lanes.py, templates/tqc_lanes.v): the
lane plan, and bit-exact simulation of designs whose streams, chains, forks, FIFOs, joins and
frame buffers move 2 to 16 elements per beat, with and without handshake gaps, including random
two-layer models with extreme quantization parameters (TQC_LANES_CASES of them, default 6)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from differential import shared_model
from test_verilog_backend import HELLO, MLP, check_model, needs_sim, needs_verilator

from tqc.backends.verilog import sim
from tqc.backends.verilog.handlers import handler_kinds
from tqc.backends.verilog.lanes import assign_lanes
from tqc.backends.verilog.prepare import Plan, prepare
from tqc.backends.verilog.report import estimate
from tqc.backends.verilog.target import build_design
from tqc.pipeline import lower
from tqc.targets import TargetOptions
from tqc.tflite_writer import Op, Tensor, write_model
from tqc.tqm import build_file

INPUTS = Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"
LEGACY_FC = """model legacy_fc_lanes
input  x  : uint8[1,16]   scale=0.05 zp=60
const  w1 : uint8[16,16]  scale=0.01 zp=151 random(seed=1, low=0, high=255)
const  b1 : int32[16]     scale=auto random(seed=2, low=-3000, high=3000)
tensor h  : uint8[1,16]   scale=0.07 zp=100
const  w2 : uint8[16,16]  scale=0.02 zp=120 random(seed=3, low=0, high=255)
tensor y  : uint8[1,16]   scale=0.4 zp=131
h = FULLY_CONNECTED(x, w1, b1) fused_activation_function=NONE
y = FULLY_CONNECTED(h, w2, _) fused_activation_function=NONE
output y
"""


def plan_of(path: Path, parallel: int) -> Plan:
    plan = prepare(lower(path), "dut", parallel, handler_kinds())
    assign_lanes(plan)
    return plan


def lanes_by_stage(plan: Plan) -> dict[str, tuple[int, int]]:
    return {s.name: (s.in_lanes, s.out_lanes) for s in plan.stages}


def tqm(tmp_path: Path, name: str) -> Path:
    return build_file(INPUTS / f"{name}.tqm", tmp_path / f"{name}.tflite")


def _legacy(tmp_path: Path) -> Path:
    src = tmp_path / "legacy.tqm"
    src.write_text(LEGACY_FC)
    return build_file(src, tmp_path / "legacy.tflite")


def test_hello_world_lanes_at_p64() -> None:
    """16-output layers finishing a row in 1 and 4 cycles give 4 results per beat (the second
    layer takes 4 per beat into 4 banks), the single-output layer one."""
    lanes = lanes_by_stage(plan_of(shared_model(HELLO), 64))
    assert lanes == {"fc0": (1, 4), "ew1": (4, 4), "fc2": (4, 4), "ew3": (4, 4), "fc4": (4, 1),
                     "ew5": (1, 1)}


def test_one_lane_up_to_p8() -> None:
    """Where a group's results leave within its issue cycles, streams stay one element wide
    (no extra requantize multipliers)."""
    for p in (1, 3, 8):
        plan = plan_of(shared_model(HELLO), p)
        assert all(s.in_lanes == s.out_lanes == 1 for s in plan.stages), p


def test_lanes_divide_channels_and_narrow_only(tmp_path: Path) -> None:
    """Every stage takes a divisor of its producers' lanes, and lanes divide the channels."""
    for path in (tqm(tmp_path, "lanes"), MLP, shared_model(HELLO)):
        for p in (2, 16, 64, 4096):
            plan = plan_of(path, p)
            out_lanes = {s.output: s.out_lanes for s in plan.stages}
            for s in plan.stages:
                assert s.output.type.get_shape()[-1] % s.out_lanes == 0  # type: ignore[union-attr]
                for v in s.inputs:
                    have = out_lanes.get(v, 1)
                    assert have % s.in_lanes == 0 or v not in out_lanes, (path, p, s.name)


def test_estimated_interval_reaches_slowest_layer() -> None:
    """hello_world at P = 64: the estimate's interval is the slowest layer's issue cycles (it
    was 16, one beat per element of a 16-element layer)."""
    est = estimate(plan_of(shared_model(HELLO), 64))
    assert est.interval == est.ideal_interval == 4


@needs_sim
def test_hello_world_p64_interval_and_latency() -> None:
    """Simulated: interval 4 = max_l ceil(MACs_l / P_l) (was 16) and latency within the
    issue's bound 1.25 * ceil(288 / 64) + D (was 64 cycles)."""
    _, result = check_model(shared_model(HELLO), 4, parallel=64)
    assert result.interval == 4
    assert result.latency <= 45


@needs_sim
@pytest.mark.parametrize("throttle", [False, True])
def test_lanes_model_bit_exact(tmp_path: Path, throttle: bool) -> None:
    """Inputs/lanes.tqm at P = 64: 4-lane chains with per-channel multipliers, a 4-lane fork
    and FIFO, a 4 -> 2 tqc_lanes, a 2-lane join, 2- and 4-lane frame buffer writes."""
    path = tqm(tmp_path, "lanes")
    lanes = lanes_by_stage(plan_of(path, 64))
    assert {"conv0": (1, 4), "conv4": (4, 2), "join7": (2, 2), "dw11": (4, 1)}.items() <= lanes.items()
    check_model(path, 5, parallel=64, throttle=throttle)


@needs_sim
def test_legacy_uint8_fc_lanes_bit_exact(tmp_path: Path) -> None:
    """Legacy uint8 FULLY_CONNECTED chains (the double-emulating round) with 4 lanes."""
    path = _legacy(tmp_path)
    assert lanes_by_stage(plan_of(path, 64))["fc0"] == (1, 4)
    check_model(path, 6, parallel=64, throttle=True)


@needs_verilator
@pytest.mark.parametrize("model", ["lanes", "legacy"])
def test_wide_designs_lint_clean(tmp_path: Path, model: str) -> None:
    path = tqm(tmp_path, "lanes") if model == "lanes" else _legacy(tmp_path)
    design = build_design(lower(path), "dut", TargetOptions(parallel=64), vectors=False)
    sim.write_files(tmp_path, design.sim_files())
    log = sim.lint(tmp_path, design.sources, "dut")
    assert "%Warning" not in log and "%Error" not in log, log



# ---- random two-layer models: lanes with random shapes and quantization ----------------------

RANDOM_CASES = int(os.environ.get("TQC_LANES_CASES", "6"))


def _random_pair(path: Path, seed: int) -> tuple[Path, int]:
    """Two MAC layers (FC -> FC, 1x1 or 3x3 CONV_2D -> CONV_2D / DEPTHWISE_CONV_2D) with random
    channel counts, zero points anywhere in int8, per-channel weight scales over three decades,
    output multipliers from 2^-18 to ~1.5 and a random fused activation; and a P that gives
    some streams several lanes. Returns (model, P)."""
    rng = np.random.default_rng(1000 + seed)
    kind = ["fc", "conv", "dw"][seed % 3]
    c0, c1 = int(rng.integers(1, 9)), int(rng.choice([2, 4, 6, 8, 12, 16, 24]))
    c2 = c1 if kind == "dw" else int(rng.integers(1, 17))
    k = 1 if kind == "fc" else int(rng.choice([1, 3]))
    h, w = (1, 1) if kind == "fc" else (int(rng.integers(1, 4)), int(rng.integers(1, 5)))
    act = str(rng.choice(["NONE", "RELU", "RELU6"]))

    def zp() -> int:
        return int(rng.choice([-128, 127, int(rng.integers(-128, 128))]))

    def layer(name: str, cin: int, cout: int, sx: float, depthwise: bool) -> list[Tensor]:
        scales = [float(v) for v in 10 ** rng.uniform(-4, -1, cout)]
        shape = (1, k, k, cout) if depthwise else (cout, cin) if kind == "fc" else (cout, k, k, cin)
        wdata = rng.integers(-127, 128, shape).astype(np.int8)
        wdata.flat[0] = -127
        return [Tensor(f"w{name}", shape, "int8", scales, [0] * cout, 3 if depthwise else 0, wdata),
                Tensor(f"b{name}", (cout,), "int32", [sx * s for s in scales], [0] * cout, 0,
                       rng.integers(-30000, 30000, cout).astype(np.int32))]

    def out_scale(sx: float, layer_tensors: list[Tensor], fan_in: int) -> float:
        s_w = float(np.median(np.asarray(layer_tensors[0].scale)))
        return sx * s_w * fan_in * float(2 ** rng.uniform(-1, 18)) / 64

    sx = float(10 ** rng.uniform(-3, 0))
    shape = (1, c0) if kind == "fc" else (1, h, w, c0)
    l1 = layer("1", c0, c1, sx, False)
    s1 = out_scale(sx, l1, c0 * k * k)
    l2 = layer("2", c1, c2, s1, kind == "dw")
    s2 = out_scale(s1, l2, (1 if kind == "dw" else c1) * k * k)
    mid = (1, c1) if kind == "fc" else (1, h, w, c1)
    out = (1, c2) if kind == "fc" else (1, h, w, c2)
    tensors = [Tensor("x", shape, "int8", sx, zp()), *l1, Tensor("t", mid, "int8", s1, zp()), *l2,
               Tensor("y", out, "int8", s2, zp())]
    opts1: dict[str, object] = {"fused_activation_function": act}
    if kind == "fc":
        ops = [Op("FULLY_CONNECTED", ["x", "w1", "b1"], ["t"], opts1),
               Op("FULLY_CONNECTED", ["t", "w2", "b2"], ["y"])]
    else:
        opts1["padding"] = "SAME"
        second = "DEPTHWISE_CONV_2D" if kind == "dw" else "CONV_2D"
        opts2: dict[str, object] = {"padding": "SAME"}
        if kind == "dw":
            opts2["depth_multiplier"] = 1
        ops = [Op("CONV_2D", ["x", "w1", "b1"], ["t"], opts1),
               Op(second, ["t", "w2", "b2"], ["y"], opts2)]
    write_model(path, tensors, ops, ["x"], ["y"])
    return path, int(rng.choice([8, 16, 32, 64, 128, 256]))


def test_random_pairs_use_lanes(tmp_path: Path) -> None:
    """The random cases below do exercise several lanes (else they would test nothing new)."""
    wide = 0
    for seed in range(max(RANDOM_CASES, 6)):
        path, p = _random_pair(tmp_path / f"r{seed}.tflite", seed)
        wide += any(s.out_lanes > 1 for s in plan_of(path, p).stages)
    assert wide >= 3


@needs_sim
@pytest.mark.parametrize("seed", range(RANDOM_CASES))
def test_random_pair_bit_exact(tmp_path: Path, seed: int) -> None:
    path, p = _random_pair(tmp_path / "pair.tflite", seed)
    check_model(path, 5, parallel=p, throttle=seed % 2 == 1)
