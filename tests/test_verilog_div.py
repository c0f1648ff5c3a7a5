"""Verilog backend, DIV int16 (`tqc_divide`, backends/verilog/emit_divide.py; passes/lowering/
div.py, tqc.semantics.divide): simulated bit-exact against LiteRT REF and the NumPy backend on
random shapes with broadcast divisors, extreme quantizations (scales 1e-4..200, zero points at
the ends of the int16 range, a multiplier flushed to zero, huge quotients), every int16 divisor
against every int16 dividend's neighbourhood, a constant divisor (a ROM, no run-time check), and
a divisor at its zero point, which raises the design's `err` port (the reference fails the
invocation). The datapath itself, on every divisor magnitude: tests/test_verilog_divide_unit.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_div_int16 import QUANTIZATIONS, _model
from test_verilog_backend import needs_sim, needs_verilator

from tqc.backends.verilog import sim
from tqc.backends.verilog.target import (
    build_design,
    from_hardware,
    simulate,
    to_hardware,
)
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model, lower
from tqc.reference import run_reference
from tqc.targets import TargetOptions, get_target

LO, HI = -32768, 32767


def _check(path: Path, xs: list[np.ndarray], throttle: bool = False) -> np.ndarray:
    """Simulate; assert the outputs equal LiteRT REF's and the NumPy backend's."""
    design = build_design(lower(path), "dut", TargetOptions(), vectors=False)
    ref = run_reference(path, xs, "litert-ref")[0]
    np.testing.assert_array_equal(load_numpy_model(path).run(*xs), ref)
    hw, result = simulate(design, to_hardware(design.plan, xs), throttle=throttle, seed=3)
    (ours,) = from_hardware(design.plan, hw)
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    assert np.array_equal(ours, ref), f"{np.count_nonzero(ours != ref)} of {ours.size} differ"
    assert result.samples == len(xs[0])
    return ours


def _divisors(rng: np.random.Generator, shape: tuple[int, ...], zp: int) -> np.ndarray:
    """Random int16 divisors, half of them within 1..64 of the zero point; none at it."""
    far = rng.integers(LO, HI + 1, shape)
    near = zp + rng.choice([-1, 1], shape) * rng.integers(1, 65, shape)
    near = np.where((near < LO) | (near > HI), zp - (near - zp), near)
    out = np.where(rng.random(shape) < 0.5, far, near)
    out[out == zp] = zp + (1 if zp < HI else -1)
    return out.astype(np.int16)


def _random_quantization(rng: np.random.Generator) -> tuple[float, int, float, int, float, int]:
    """Scales log-uniform in 1e-4..200, zero points random or at the ends of the range."""
    s1, s2, so = (float(10 ** rng.uniform(-4, np.log10(200))) for _ in range(3))
    z1, z2, zo = (int(rng.choice([LO, HI, int(rng.integers(LO, HI + 1))])) for _ in range(3))
    return (s1, z1, s2, z2, so, zo)


@needs_sim
@pytest.mark.parametrize("seed", [0, 1, *(pytest.param(s, marks=pytest.mark.slow)
                                          for s in range(2, 8))])
def test_random_bit_exact(tmp_path: Path, seed: int) -> None:
    """Random shapes, the divisor the same shape or broadcast (over H and W, over W and C),
    random extreme quantizations and fused activations; four samples: all MIN and all MAX
    dividends, random dividends with divisors at MIN / MAX / next to the zero point, random."""
    rng = np.random.default_rng(seed + 70)
    shape = (1, *(int(v) for v in rng.integers(1, 5, 3)))
    b_shape = [shape, (1, 1, shape[2], 1), (1, 1, 1, shape[3])][seed % 3]
    q = _random_quantization(rng)
    activation = str(rng.choice(["NONE", "RELU", "RELU_N1_TO_1", "RELU6"]))
    path = _model(tmp_path / "div.tflite", q, shape, b_shape, shape, activation)
    n = 4
    a = rng.integers(LO, HI + 1, (n, *shape[1:])).astype(np.int16)
    b = np.stack([_divisors(rng, b_shape[1:], q[3]) for _ in range(n)])
    a[0], a[1] = LO, HI
    b[2] = np.where(rng.random(b_shape[1:]) < 0.5, LO, HI)
    b[2][b[2] == q[3]] = q[3] + (1 if q[3] < HI else -1)
    _check(path, [a, b], throttle=seed % 2 == 1)


@needs_sim
@pytest.mark.parametrize("name", [*list(QUANTIZATIONS)[:3],
                                  *(pytest.param(k, marks=pytest.mark.slow)
                                    for k in list(QUANTIZATIONS)[3:])])
def test_extreme_quantizations(tmp_path: Path, name: str) -> None:
    """test_div_int16's quantizations (ties decided by the float32 multiplier quotient, zero
    points at the ends, tiny and huge quotients, a multiplier flushed to zero): 1024 dividends
    spread over the range against random divisors and divisors next to the zero point."""
    q = QUANTIZATIONS[name]
    n = 1024
    path = _model(tmp_path / "div.tflite", q, (1, n), (1, n), (1, n))
    rng = np.random.default_rng(len(name))
    dividends = np.linspace(LO, HI, n).round().astype(np.int16)
    a = np.stack([dividends, rng.permutation(dividends)])
    b = np.stack([_divisors(rng, (n,), q[3]) for _ in range(2)])
    _check(path, [a, b])


@needs_sim
@pytest.mark.parametrize("zp2", [LO, HI])
def test_every_divisor(tmp_path: Path, zp2: int) -> None:
    """All 65536 stored divisors (but the zero point) in one tensor, with the divisor's zero
    point at either end of the range, so that x2 - zp2 runs over every value of 1..65535 or
    -65535..-1, against two permutations of every dividend (zero points at the ends too)."""
    n = 65536
    q = (0.02, HI, 0.0003, zp2, 0.5, LO)
    path = _model(tmp_path / "div.tflite", q, (1, n), (1, n), (1, n))
    rng = np.random.default_rng(zp2 & 7)
    divisors = np.arange(LO, HI + 1)
    divisors[divisors == zp2] = zp2 + (1 if zp2 < HI else -1)
    a = np.stack([rng.permutation(np.arange(LO, HI + 1)) for _ in range(2)]).astype(np.int16)
    _check(path, [a, np.stack([divisors, divisors[::-1]]).astype(np.int16)])


@needs_sim
def test_constant_divisor(tmp_path: Path) -> None:
    """A constant [1,5] divisor (a ROM source, broadcast over the rows; no run-time check, no
    err port) with a fused RELU6."""
    q = QUANTIZATIONS["ordinary"]
    divisor = np.array([[LO, -1, 1, 8, HI]], np.int16)
    path = _model(tmp_path / "div.tflite", q, (1, 4, 5), (1, 5), (1, 4, 5), "RELU6", divisor)
    design = build_design(lower(path), "c", TargetOptions(), vectors=False)
    assert "err" not in design.files["c.v"]
    rng = np.random.default_rng(5)
    a = rng.integers(LO, HI + 1, (4, 4, 5)).astype(np.int16)
    a[0], a[1] = LO, HI
    _check(path, [a])


@needs_sim
def test_divisor_at_its_zero_point_raises_err(tmp_path: Path) -> None:
    """The divisor's zero point in the second sample: `err` rises, the simulation runs to its
    end, and `tqc run --target verilog` fails in one line as the reference does."""
    q = QUANTIZATIONS["ordinary"]
    path = _model(tmp_path / "z.tflite", q, (1, 3), (1, 3), (1, 3))
    module = lower(path)
    a = np.array([[5, 6, 7], [5, 6, 7], [-5, 6, -7]], np.int16)
    b = np.array([[2, 1, 3], [2, q[3], 3], [2, 1, 3]], np.int16)
    with pytest.raises(TqcError, match=r"raised err at cycle \d+, after [01] complete sample") as e:
        get_target("verilog").run(module, "z", [a, b], TargetOptions())
    assert "\n" not in str(e.value)
    good = np.where(b == q[3], 1, b).astype(np.int16)
    ours = get_target("verilog").run(module, "z", [a, good], TargetOptions())
    np.testing.assert_array_equal(ours.outputs[0], run_reference(path, [a, good], "litert-ref")[0])


def test_emits_the_divider_with_the_checked_divisor(tmp_path: Path) -> None:
    path = _model(tmp_path / "e.tflite", QUANTIZATIONS["ordinary"], (1, 4, 3), (1, 1, 3),
                  (1, 4, 3))
    design = build_design(lower(path), "p", TargetOptions(), vectors=False)
    top = design.files["p.v"]
    assert "    output err\n" in top
    assert "tqc_divide #(.L(1), .MULT(1198372736), .SHIFT(12))" in top
    assert "tqc_divide.v" in design.files


@needs_verilator
@pytest.mark.parametrize("const", [False, True])
def test_lint_clean(tmp_path: Path, const: bool) -> None:
    divisor = np.array([[[3, -2, 5]]], np.int16) if const else None
    path = _model(tmp_path / "l.tflite", QUANTIZATIONS["zero_points_at_the_ends"], (1, 4, 3),
                  (1, 1, 3), (1, 4, 3), divisor=divisor)
    design = build_design(lower(path), "dut", TargetOptions(), vectors=False)
    sim.write_files(tmp_path, design.sim_files())
    log = sim.lint(tmp_path, design.sources, "dut")
    assert "%Warning" not in log and "%Error" not in log, log
