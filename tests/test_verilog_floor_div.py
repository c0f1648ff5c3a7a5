"""Verilog backend, FLOOR_DIV and FLOOR_MOD int8 / int16 (`tqc_floordiv`, backends/verilog/
emit_floordiv.py; passes/lowering/floor_div.py): random shapes with broadcasting, extreme values,
MIN / -1, negative and small divisors, constant divisors, bit-exact in simulation against
LiteRT REF and the NumPy backend; a zero run-time divisor raises the design's `err` port, which
`tqc run --target verilog` reports as a failed invocation (as C's invoke returning 1).

LiteRT REF's MIN / -1 (a double → int8 / int16 conversion out of range, undefined in C++)
depends on where the element sits: same-shape operands run a loop vectorized by 8 whose lanes
saturate to MAX, its scalar tail and the broadcasting kernel wrap to MIN (measured: for 20
elements, the first 16 give 32767, the last 4 -32768). tqc wraps everywhere, so the vectors
here put MIN / -1 only where the reference wraps (`_defined`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_floor_div_mod import _full, _nonzero, model
from test_verilog_backend import needs_sim, needs_verilator

from tqc.backends.verilog import sim
from tqc.backends.verilog.target import (
    build_design,
    from_hardware,
    simulate,
    to_hardware,
)
from tqc.errors import TqcError
from tqc.pipeline import identifier, load_numpy_model, lower
from tqc.reference import run_reference
from tqc.targets import TargetOptions, get_target

OPS = ["FLOOR_DIV", "FLOOR_MOD"]


def _defined(a: np.ndarray, b: np.ndarray, broadcast: bool) -> np.ndarray:
    """b with every MIN / -1 that the reference's vectorized loop saturates (same-shape
    operands, flat index below 8·floor(n / 8) within a sample) turned into MIN / -2."""
    if broadcast:
        return b
    b = b.copy()
    lo = np.iinfo(a.dtype).min
    n = a[0].size
    flat_a, flat_b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    vectorized = np.arange(n) < 8 * (n // 8)
    flat_b[(flat_a == lo) & (flat_b == -1) & vectorized] = -2
    return b


def _check(path: Path, xs: list[np.ndarray], throttle: bool = False) -> np.ndarray:
    """Simulate; assert the outputs equal LiteRT REF's and the NumPy backend's."""
    design = build_design(lower(path), identifier(path.stem), TargetOptions(), vectors=False)
    ref = run_reference(path, xs, "litert-ref")[0]
    np.testing.assert_array_equal(load_numpy_model(path).run(*xs), ref)
    hw, result = simulate(design, to_hardware(design.plan, xs), throttle=throttle, seed=7)
    (ours,) = from_hardware(design.plan, hw)
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    assert np.array_equal(ours, ref), f"{np.count_nonzero(ours != ref)} of {ours.size} differ"
    assert result.samples == len(xs[0])
    return ours


def _random_case(tmp_path: Path, opcode: str, dtype: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 40)
    shape = (1, *(int(v) for v in rng.integers(1, 5, 3)))
    b_shape = [shape, (1, 1, shape[2], 1), (1, 1, 1, shape[3])][seed % 3]
    path = model(tmp_path / f"{opcode.lower()}_{dtype}_{seed}.tflite", opcode, shape, b_shape,
                 shape, dtype=dtype)
    lo, hi = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    n = 5
    a = np.stack([_full(rng, shape[1:], dtype) for _ in range(n)])
    b = np.stack([_nonzero(rng, b_shape[1:], dtype) for _ in range(n)])
    a[0], a[1] = lo, hi  # all MIN (by small divisors, -1 among them), all MAX
    a[2] = rng.integers(-40, 40, shape[1:])
    b[3] = rng.choice([lo, hi, -1, 1], b_shape[1:])
    _check(path, [a, _defined(a, b, b_shape != shape)], throttle=seed % 2 == 1)


@needs_sim
@pytest.mark.parametrize("opcode", OPS)
@pytest.mark.parametrize("dtype,seed", [("int16", 0), ("int8", 1),
                                        *(pytest.param(d, s, marks=pytest.mark.slow)
                                          for d in ("int16", "int8") for s in range(2, 6))])
def test_random_bit_exact(tmp_path: Path, opcode: str, dtype: str, seed: int) -> None:
    """Same-shape and broadcast divisors (over H and W, over W and C), five samples back to
    back: all MIN, all MAX, small dividends, random, divisors MIN / MAX / ±1."""
    _random_case(tmp_path, opcode, dtype, seed)


@needs_sim
@pytest.mark.parametrize("opcode", OPS)
@pytest.mark.parametrize("dtype", ["int16", "int8"])
def test_min_by_minus_one_and_signs(tmp_path: Path, opcode: str, dtype: str) -> None:
    """7 elements (the reference's scalar tail: MIN / -1 wraps to MIN; FLOOR_MOD 0): every
    sign combination with and without a remainder, |divisor| = |MIN|, MAX / MIN."""
    lo, hi = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    path = model(tmp_path / "m.tflite", opcode, (1, 7), (1, 7), (1, 7), dtype=dtype)
    a = np.array([[lo, lo, hi, lo + 1, 7, -7, 7],
                  [-7, 0, lo, hi, lo, -1, 1],
                  [6, -6, 6, -6, lo, hi, 0]], dtype)
    b = np.array([[-1, 1, -1, -1, 2, 2, -2],
                  [-2, -3, lo, lo, hi, lo, lo],
                  [3, 3, -3, -3, 1, -1, hi]], dtype)
    y = _check(path, [a, b], throttle=True)
    if opcode == "FLOOR_DIV":
        assert y[0, :4].tolist() == [lo, lo, -hi, hi]
    else:
        assert y[0, :4].tolist() == [0, 0, 0, 0]


@needs_sim
@pytest.mark.parametrize("opcode,dtype", [("FLOOR_DIV", "int8"), ("FLOOR_MOD", "int16")])
def test_constant_divisor(tmp_path: Path, opcode: str, dtype: str) -> None:
    """A constant [1,1,3] divisor (a ROM source, broadcast; no run-time check, no err port)."""
    info = np.iinfo(dtype)
    divisor = np.array([[[-3, int(info.min), 7]]], dtype)
    path = model(tmp_path / "c.tflite", opcode, (1, 5, 3), (1, 1, 3), (1, 5, 3), divisor, dtype)
    design = build_design(lower(path), "c", TargetOptions(), vectors=False)
    assert "err" not in design.files["c.v"]
    rng = np.random.default_rng(5)
    a = rng.integers(info.min, info.max + 1, (4, 5, 3)).astype(dtype)
    a[0] = info.min
    _check(path, [a])


@needs_sim
@pytest.mark.parametrize("opcode", OPS)
def test_zero_divisor_raises_err(tmp_path: Path, opcode: str) -> None:
    """A zero in the divisor of the second sample: `err` rises, the simulation still runs to its
    end (a hang would report a timeout instead), and `tqc run --target verilog` fails in one
    line as the reference does (C: status 1)."""
    path = model(tmp_path / "z.tflite", opcode, (1, 3), (1, 3), (1, 3))
    module = lower(path)
    a = np.array([[5, 6, 7], [5, 6, 7], [-5, 6, -7]], np.int16)
    b = np.array([[2, 1, 3], [2, 0, 3], [2, 1, 3]], np.int16)
    with pytest.raises(TqcError, match=r"raised err at cycle \d+, after [01] complete sample") as e:
        get_target("verilog").run(module, "z", [a, b], TargetOptions())
    assert "\n" not in str(e.value)
    # the same design on good divisors passes
    good = get_target("verilog").run(module, "z", [a, np.where(b == 0, 1, b)], TargetOptions())
    np.testing.assert_array_equal(good.outputs[0], load_numpy_model(path).run(a, np.where(b == 0, 1, b)))


def test_err_port_only_with_a_run_time_divisor(tmp_path: Path) -> None:
    path = model(tmp_path / "p.tflite", "FLOOR_MOD", (1, 4, 3), (1, 1, 3), (1, 4, 3), dtype="int8")
    design = build_design(lower(path), "p", TargetOptions(), vectors=False)
    top = design.files["p.v"]
    assert "    output err\n" in top and "assign err = err_ew0;" in top
    assert "tqc_floordiv #(.W(32), .N(8), .L(1), .MOD(1), .CW(4))" in top
    assert ".err(err)" in design.files["p_tb.v"]


@needs_verilator
@pytest.mark.parametrize("opcode,dtype,const", [("FLOOR_DIV", "int16", False),
                                                ("FLOOR_MOD", "int8", False),
                                                ("FLOOR_MOD", "int16", True)])
def test_lint_clean(tmp_path: Path, opcode: str, dtype: str, const: bool) -> None:
    divisor = np.array([[[3, -2, 5]]], dtype) if const else None
    path = model(tmp_path / "l.tflite", opcode, (1, 4, 3), (1, 1, 3), (1, 4, 3), divisor, dtype)
    design = build_design(lower(path), "dut", TargetOptions(), vectors=False)
    sim.write_files(tmp_path, design.sim_files())
    log = sim.lint(tmp_path, design.sources, "dut")
    assert "%Warning" not in log and "%Error" not in log, log
