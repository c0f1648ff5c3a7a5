"""`--reference litert-ref`: LiteRT BUILTIN_REF's int8 FULLY_CONNECTED rounds once (TFLM twice)
and its int16 FULLY_CONNECTED rounds double(acc)·S_in·S_w/S_out in double, half away from zero,
INT32_MIN out of int32 (TFLM: one rounding with a 16-bit multiplier); tqc matches both bit for
bit, per-tensor and per-channel, and the default (tflm) does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from differential import random_inputs
from test_verilog_backend import needs_sim

from tqc.backends.verilog.target import build_design, from_hardware, simulate, to_hardware
from tqc.errors import TqcError
from tqc.pipeline import identifier, io_specs, lower
from tqc.reference import run_reference_with_runtime
from tqc.targets import TargetOptions, get_target
from tqc.tqm import build_file

FC = """
input  x : int8[3,40]  scale={sx} zp={zx}
const  w : int8[6,40]  scale={sw} zp=0  random(seed={seed})
const  b : int32[6]  scale=auto  data=[100, -200, 3000, -40, 5, 0]
tensor y : int8[3,6]  scale={sy} zp={zy}
y = FULLY_CONNECTED(x, w, b)
output y
"""


FC16 = """
input  x : int16[3,24]  scale={sx} zp=0
const  w : int8[8,24]  scale={sw} zp=0  random(seed={seed})
const  b : int64[8]  scale=auto  data={bias}
tensor y : int16[3,8]  scale={sy} zp=0
y = FULLY_CONNECTED(x, w, b)
output y
"""


def _models16(tmp_path: Path) -> list[Path]:
    """int16 FCs over scales 1e-4..1, per-tensor and per-channel weights, biases up to 2^40;
    scales whose product is a power of two (exact ties: half away from zero, where a 32-bit
    multiplier rounding half up differs) and biases whose result leaves int32 (INT32_MIN, then
    the clamp's lower bound, for either sign)."""
    rng = np.random.default_rng(3)
    paths = []
    for k in range(8):
        f32 = lambda lo, hi: f"{float(np.float32(10 ** rng.uniform(lo, hi)))!r}"  # noqa: E731
        sx, sy = f32(-4, -2), f32(-3, 0)
        sw = f"[{', '.join(f32(-3, -1) for _ in range(8))}]" if k % 2 else f32(-3, -1)
        bound = 2**40 if k == 5 else 2**20
        bias = [int(v) for v in rng.integers(-bound, bound, 8)]
        if k == 6:  # S_in·S_w/S_out = 2^-13; at x = 0, acc = bias = (2j + 1)·2^12: ties
            sx, sw, sy = "0.015625", "0.0078125", "1.0"
            bias = [(2 * j + 1) * 2**12 * (-1) ** j for j in range(8)]
        if k == 7:  # results beyond int32: 2^40 · 0.01
            sx, sw, sy, bias = "0.01", "0.01", "0.01", [2**40, -(2**40), 2**31 * 100, 1000, 0, 5, -5, 7]
        source = tmp_path / f"fc16_{k}.tqm"
        source.write_text(FC16.format(sx=sx, sw=sw, seed=k, sy=sy, bias=bias))
        paths.append(tmp_path / f"fc16_{k}.tflite")
        build_file(source, paths[-1])
    return paths


def _models(tmp_path: Path) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for k in range(6):
        per_channel = [f"{float(np.float32(v))!r}" for v in rng.uniform(0.001, 0.05, 6)]
        sw = f"[{', '.join(per_channel)}]" if k % 2 else f"{float(np.float32(0.013 + k / 100))!r}"
        text = FC.format(sx=f"{float(np.float32(rng.uniform(0.005, 0.05)))!r}",
                         zx=[-128, 127, 0][k % 3], sw=sw, seed=k,
                         sy=f"{float(np.float32(rng.uniform(0.02, 0.3)))!r}", zy=[127, -128, 3][k % 3])
        source = tmp_path / f"fc{k}.tqm"
        source.write_text(text)
        paths.append(tmp_path / f"fc{k}.tflite")
        build_file(source, paths[-1])
    return paths


def _differing(paths: list[Path], reference: str, target: str) -> int:
    count = 0
    for path in paths:
        module = lower(path, reference=reference)
        xs = [np.concatenate([x, np.zeros_like(x[:2])]) for x in random_inputs(io_specs(module)[0], 60, seed=1)]
        (ref,), used = run_reference_with_runtime(path, xs, "litert-ref")
        assert used == "litert-ref"
        (ours,) = get_target(target).run(module, identifier(path.stem), xs, TargetOptions()).outputs
        count += int((np.asarray(ours) != ref).sum())
    return count


@pytest.mark.parametrize("target", ["numpy", "c"])
def test_int8_fully_connected_equals_litert_ref(tmp_path: Path, target: str) -> None:
    assert _differing(_models(tmp_path), "litert-ref", target) == 0


def test_tflm_arithmetic_differs_from_litert_ref(tmp_path: Path) -> None:
    assert _differing(_models(tmp_path), "tflm", "numpy") > 0


@pytest.mark.parametrize("target", ["numpy", "c"])
def test_int16_fully_connected_equals_litert_ref(tmp_path: Path, target: str) -> None:
    assert _differing(_models16(tmp_path), "litert-ref", target) == 0


def test_int16_tflm_arithmetic_differs_from_litert_ref(tmp_path: Path) -> None:
    assert _differing(_models16(tmp_path), "tflm", "numpy") > 0


@needs_sim
def test_int16_fully_connected_verilog_equals_litert_ref(tmp_path: Path) -> None:
    """The double-scale requantize in hardware (tqc_round_double_*, 107-bit product): a
    per-channel model whose biases reach 2^40, the ties and the out-of-int32 results, simulated
    against LiteRT BUILTIN_REF."""
    paths = _models16(tmp_path)
    for path in (paths[5], paths[6], paths[7]):
        module = lower(path, reference="litert-ref")
        xs = [np.concatenate([x, np.zeros_like(x[:2])]) for x in random_inputs(io_specs(module)[0], 12, seed=2)]
        (ref,), _ = run_reference_with_runtime(path, xs, "litert-ref")
        design = build_design(module, "dut", TargetOptions(), vectors=False)
        assert "tqc_round_double_finish" in "".join(str(v) for v in design.files.values())
        hw, _ = simulate(design, to_hardware(design.plan, xs))
        (ours,) = from_hardware(design.plan, hw)
        assert np.array_equal(ours, ref), f"{path.name}: {np.count_nonzero(ours != ref)} differ"


@pytest.mark.parametrize("bias, refused", [(2**53 - 2**15 * 127 * 24 - 1, False), (2**53 - 2**15 * 127 * 24, True)])
def test_int16_fully_connected_accumulator_bound(tmp_path: Path, bias: int, refused: bool) -> None:
    """The worst-case int64 accumulator (weights all 127 here: 2^15·127·24 from x = -2^15, plus
    the bias) must stay below 2^53, where LiteRT's double(acc) would round: refused at it."""
    source = tmp_path / "fc16.tqm"
    source.write_text(FC16.replace("random(seed={seed})", f"data=[{', '.join(['-127'] * 24 * 8)}]")
                      .format(sx="0.01", sw="0.01", sy="0.01", bias=[bias] + [0] * 7))
    build_file(source, tmp_path / "fc16.tflite")
    if refused:
        with pytest.raises(TqcError, match=r"accumulator may reach 9007199254740992 >= 2\^53"):
            lower(tmp_path / "fc16.tflite", reference="litert-ref")
    else:
        lower(tmp_path / "fc16.tflite", reference="litert-ref")
