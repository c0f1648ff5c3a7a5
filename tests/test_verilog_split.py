"""Verilog backend: how an engine splits its P MAC units (prepare.best_split) and what the
resource report counts (report.report_lines)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_verilog_backend import check_model, needs_sim
from xdsl.ir import Operation

from tqc import tqm
from tqc.backends.verilog import prepare
from tqc.backends.verilog.prepare import Split, best_split
from tqc.backends.verilog.target import build_design
from tqc.dialects import tqi
from tqc.dialects.accessors import shape as dims
from tqc.pipeline import lower
from tqc.targets import TargetOptions
from tqc.tflite_writer import Op, Tensor, write_model


def issue_cycles(out: int, channels: int, s: Split) -> int:
    """NG · NK / taps: issue cycles per output pixel and tap."""
    return -(-out // s.pu) * -(-channels // s.pk)


def brute_force(out: int, channels: int, parallel: int, multiple: int = 1) -> Split:
    """Every (PU, PK) with PU · PK <= P (depthwise: PU a multiple of M, PK = 1); the fewest
    issue cycles, then the fewest MAC units, then the most output lanes."""
    splits = [Split(pu, pk) for pu in range(1, parallel + 1) for pk in range(1, parallel // pu + 1)
              if pu % multiple == 0 and (multiple == 1 or pk == 1)]
    if not splits:  # P < M: one group of M lanes is the least a depthwise engine has
        return Split(multiple, 1)
    return min(splits, key=lambda s: (issue_cycles(out, channels, s), s.macs, -s.pu))


def output_lanes_first(out: int, channels: int, parallel: int, multiple: int = 1) -> Split:
    """The rule before best_split: PU = min(P, O) (depthwise: rounded down to a multiple of
    M), PK = min(P / PU, C)."""
    pu = max(multiple, min(parallel, out) // multiple * multiple)
    return Split(pu, min(max(parallel // pu, 1), channels))


def test_matches_brute_force() -> None:
    for parallel in range(1, 33):
        for out in range(1, 11):
            for channels in range(1, 11):
                got = best_split(out, channels, parallel)
                assert got == brute_force(out, channels, parallel), (out, channels, parallel)
                old = output_lanes_first(out, channels, parallel)
                assert (issue_cycles(out, channels, got), got.macs) <= \
                    (issue_cycles(out, channels, old), old.macs), (out, channels, parallel)


def test_depthwise_matches_brute_force() -> None:
    for parallel in range(1, 33):
        for m in range(1, 5):
            for out in range(m, 13 * m, m):
                got = best_split(out, 1, parallel, multiple=m)
                assert got == brute_force(out, 1, parallel, m), (out, m, parallel)
                assert got.pu % m == 0 and got.pk == 1 and got.pu <= max(out, m)


@pytest.mark.parametrize("out,channels,parallel,multiple,expected", [
    (6, 8, 4, 1, (2, 2)),    # 4x1: 2 groups x 8 steps = 16; 2x2: 3 x 4 = 12 (1x4: 6 x 2 = 12)
    (6, 1, 4, 1, (3, 1)),    # 4+2 or 3+3 output channels: 2 groups either way, one MAC fewer
    (4, 3, 8, 1, (2, 3)),    # 4x2: 1 x 2 steps with a zero lane; 2x3: 2 x 1, 6 MAC units
    (5, 12, 4, 1, (1, 4)),   # 4x1: 2 x 12 = 24; 1x4: 5 x 3 = 15
    (128, 640, 40, 1, (8, 5)),  # AD autoencoder's first layer: 40x1 4 x 640; 8x5 16 x 128
    (16, 16, 3, 1, (3, 1)),  # 3x1 and 1x3 both 96: more output lanes
    (6, 1, 4, 6, (6, 1)),    # depthwise M = 6 above P: one group of M lanes
    (12, 1, 8, 2, (6, 1)),   # depthwise M = 2: 8 lanes are 2 groups, so are 6
    (7, 9, 1, 1, (1, 1)),
])
def test_cases(out: int, channels: int, parallel: int, multiple: int,
               expected: tuple[int, int]) -> None:
    assert best_split(out, channels, parallel, multiple) == Split(*expected)


@pytest.mark.parametrize("out,channels", [(1, 1), (6, 8), (16, 3), (10, 10)])
def test_full_parallel(out: int, channels: int) -> None:
    for parallel in (out * channels, out * channels + 1, 4096):
        assert best_split(out, channels, parallel) == Split(out, channels)
        assert best_split(out, 1, parallel, multiple=out) == Split(out, 1)


# ---- a model whose split changes, simulated bit-exactly before and after ---------------------


def _split_model(path: Path) -> Path:
    """CONV_2D 3x3 7→6 channels (P = 4: 2x2, was 4x1) → DEPTHWISE_CONV_2D 3x3 multiplier 2
    (4x1 either way) → CONV_2D 1x1 12→5 (1x4, was 4x1) on a 5x3 image, int8 per-channel."""
    rng = np.random.default_rng(5)
    tensors = [Tensor("x", (1, 5, 3, 7), "int8", 0.05, -4)]
    ops = []
    layers = [("CONV_2D", "x", (6, 3, 3, 7), 0, {"padding": "SAME",
                                                 "fused_activation_function": "RELU"}),
              ("DEPTHWISE_CONV_2D", "t1", (1, 3, 3, 12), 3, {"padding": "SAME",
                                                            "depth_multiplier": 2}),
              ("CONV_2D", "t2", (5, 1, 1, 12), 0, {"padding": "VALID"})]
    for i, (opcode, src, shape, axis, options) in enumerate(layers, 1):
        n = shape[axis]
        scales = [float(v) for v in rng.uniform(0.002, 0.02, n)]
        tensors += [Tensor(f"w{i}", shape, "int8", scales, [0] * n, axis,
                           rng.integers(-127, 128, shape).astype(np.int8)),
                    Tensor(f"b{i}", (n,), "int32", [0.05 * s for s in scales], [0] * n, 0,
                           rng.integers(-2000, 2000, n).astype(np.int32)),
                    Tensor(f"t{i}", (1, 5, 3, n), "int8", 0.05, 3 * i - 5)]
        ops.append(Op(opcode, [src, f"w{i}", f"b{i}"], [f"t{i}"], options))
    write_model(path, tensors, ops, ["x"], ["t3"])
    return path


def _old_engine_split(op: Operation, parallel: int) -> Split:
    assert isinstance(op, (tqi.Conv2DOp, tqi.DepthwiseConv2DOp))
    if isinstance(op, tqi.DepthwiseConv2DOp):
        out = dims(op.output)[-1]
        return output_lanes_first(out, 1, parallel, out // dims(op.input)[-1])
    filt = dims(op.filter)
    return output_lanes_first(filt[0], filt[3], parallel)


def test_split_model_splits(tmp_path: Path) -> None:
    design = build_design(lower(_split_model(tmp_path / "split.tflite")), "split",
                          TargetOptions(parallel=4), vectors=False)
    assert [(s.split.pu, s.split.pk) for s in design.plan.stages if s.split] == \
        [(2, 2), (4, 1), (1, 4)]


@needs_sim
@pytest.mark.slow
def test_split_model_bit_exact_and_faster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new splits and (monkeypatched) the old ones both match the reference; the new
    design's back-to-back interval is shorter."""
    model = _split_model(tmp_path / "split.tflite")
    _, new = check_model(model, 4, parallel=4)
    monkeypatch.setattr(prepare, "engine_split", _old_engine_split)
    _, old = check_model(model, 4, parallel=4)
    print(f"split model at P = 4: latency {old.latency} -> {new.latency}, "
          f"interval {old.interval} -> {new.interval} cycles")
    assert new.interval < old.interval


# ---- the resource report ----------------------------------------------------------------------

LEGACY = """
model legacy
input  x     : uint8[1,2,2,3] scale=0.05 zp=100
const  w1    : uint8[4,1,1,3] scale=0.02 zp=120 random(seed=1)
const  b1    : int32[4] scale=auto data=[10, -20, 30, -40]
tensor y     : uint8[1,2,2,4] scale=0.1 zp=90
const  shape : int32[2] data=[1, 16]
tensor r     : uint8[1,16] scale=0.1 zp=90
const  w2    : uint8[5,16] scale=0.03 zp=131 random(seed=2)
const  b2    : int32[5] scale=auto data=[100, -200, 300, 0, 7]
tensor z     : uint8[1,5] scale=0.2 zp=7
y = CONV_2D(x, w1, b1) padding=VALID stride=1
r = RESHAPE(y, shape) new_shape=[1, 16]
z = FULLY_CONNECTED(r, w2, b2)
output z
"""


def _resources(tmp_path: Path, text: str) -> str:
    path = tmp_path / "m.tflite"
    path.write_bytes(tqm.build(text))
    design = build_design(lower(path), "m", TargetOptions(parallel=4), vectors=False)
    return next(line for line in design.report if line.startswith("estimated resources"))


def test_report_counts_round_double_multipliers(tmp_path: Path) -> None:
    """Legacy uint8: CONV_2D requantizes with a 32x32 doubling high multiply, FULLY_CONNECTED
    with `tqi.mul_round_double`'s 32x53 multiply. At P = 4 the conv (4x1, NK = 3) sends 2
    results per beat to the FC's 4 banks, so its chain has 2 lanes: one multiplier each."""
    line = _resources(tmp_path, LEGACY)
    assert "2 requantize multipliers (32x32) and 1 (32x53)," in line


def test_report_without_round_double(tmp_path: Path) -> None:
    conv_only = "\n".join(s for s in LEGACY.splitlines()
                          if not s.startswith(("const  shape", "tensor r", "const  w2",
                                               "const  b2", "tensor z", "r =", "z =")))
    line = _resources(tmp_path, conv_only.replace("output z", "output y"))
    assert "1 requantize multipliers (32x32), weight ROM" in line and "32x53" not in line
