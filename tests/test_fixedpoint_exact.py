"""The fixed-point primitives, exhaustively on small ranges and by hypothesis on the full int32
range, against an independent arbitrary-precision model of the reference definitions
(tests/fixedpoint_model.py): tqc/semantics (what the lowering, the tables and the NumPy modules
compute) and the C runtime (`tqc_runtime.h`, built with -fsanitize=address,undefined and
-fno-sanitize-recover, so undefined behaviour fails the test too).

Covered: INT32_MIN x INT32_MIN saturation, every right shift 0..31 and left shift 0..31,
negative values, exact ties (x = (2k + 1) * 2^(e-1)), the single-rounding and int64 variants,
and the average pools' rounded division.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import fixedpoint_model as model
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tqc.semantics import fixedpoint, int64

INT32_MIN, INT32_MAX = model.INT32_MIN, model.INT32_MAX
RUNTIME = Path(__file__).parent.parent / "backends" / "c" / "runtime"
i32 = st.integers(INT32_MIN, INT32_MAX)
EDGES = sorted({*range(-200, 201), *range(INT32_MIN, INT32_MIN + 60), *range(INT32_MAX - 60, INT32_MAX + 1),
                *(s * 2**k + d for s in (1, -1) for k in range(31) for d in (-1, 0, 1))} - {2**31})
MULTIPLIERS = [1, 2, 3, 2**30, 2**30 + 1, 1518500250, 1073741823, INT32_MAX, INT32_MIN + 1, -(2**30)]


def _cases() -> dict[str, list[tuple[int, int, int]]]:
    """(op name -> argument triples) of the exhaustive small-range check."""
    edges = np.array(EDGES, dtype=np.int64)
    a, b = np.meshgrid(edges, edges)
    ties = [((2 * k + 1) * 2 ** (e - 1), e) for e in range(1, 32) for k in (-3, -2, -1, 0, 1, 2)
            if INT32_MIN <= (2 * k + 1) * 2 ** (e - 1) <= INT32_MAX]
    small = range(-300, 301)
    return {
        "mul_high": [(int(x), int(y), 0) for x, y in zip(a.ravel(), b.ravel())],
        "shift_right_round": [(x, e, 0) for x in [*range(-2048, 2049), *EDGES] for e in range(32)]
        + [(x, e, 0) for x, e in ties],
        "shift_left": [(x, k, 0) for x in EDGES for k in range(32)],
        "mbqm": [(x, m, s) for x in [*small, INT32_MIN, INT32_MAX] for m in MULTIPLIERS
                 for s in range(-31, 32)],
        "mul_shift_round": [(x, m, s) for x in [*range(-64, 65), INT32_MIN, INT32_MAX] for m in MULTIPLIERS
                            for s in range(-31, 31)],
        "mul_shift_round64": [(x, m, n) for x in [*range(-1000, 1001, 7), -(2**40) - 3, 2**40 + 5]
                              for m in (1, 2, 12345, 16384, 0x7FFF) for n in range(1, 48)],
        "average": [(acc, n, 0) for acc in range(-3000, 3001) for n in range(1, 40)],
    }


def _semantics(op: str, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """tqc/semantics, vectorised over the argument columns."""
    table: dict[str, Callable[[], np.ndarray]] = {
        "mul_high": lambda: fixedpoint.mul_high(x, y),
        "shift_right_round": lambda: fixedpoint.shift_right_round(x, y),
        "shift_left": lambda: fixedpoint.shift_left(x, y),
        "mbqm": lambda: fixedpoint.multiply_by_quantized_multiplier(x, y, z),
        "mul_shift_round": lambda: fixedpoint.mul_shift_round(x, y, z),
        "mul_shift_round64": lambda: int64.mul_shift_round64(x, y, z),
        "average": lambda: fixedpoint.divide_round_away(x, y),
    }
    return np.asarray(table[op](), dtype=np.int64)


MODEL: dict[str, Callable[[int, int, int], int]] = {
    "mul_high": lambda a, b, _: model.srdhm(a, b),
    "shift_right_round": lambda x, e, _: model.rounding_divide_by_pot(x, e),
    "shift_left": lambda x, k, _: model.shift_left(x, k),
    "mbqm": model.multiply_by_quantized_multiplier,
    "mul_shift_round": model.single_rounding,
    "mul_shift_round64": model.mul_shift_round64,
    "average": lambda acc, n, _: model.average(acc, n),
}


@pytest.fixture(scope="module")
def cases() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """op -> (arguments [n, 3], model results [n])."""
    out = {}
    for op, triples in _cases().items():
        args = np.array(triples, dtype=np.int64)
        out[op] = (args, np.array([MODEL[op](*t) for t in triples], dtype=np.int64))
    return out


@pytest.mark.parametrize("op", sorted(MODEL))
def test_semantics_exhaustive_small_ranges(op: str, cases: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    args, expected = cases[op]
    got = _semantics(op, args[:, 0], args[:, 1], args[:, 2])
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, f"{op}{tuple(args[bad[0]])}: tqc {got[bad[0]]}, model {expected[bad[0]]}"


C_HARNESS = r"""
#include <stdio.h>
#include "tqc_runtime.h"
/* stdin: records of (op, x, y, z) as int64; stdout: one int64 result per record. */
int main(void) {
  int64_t r[4];
  while (fread(r, sizeof r, 1, stdin) == 1) {
    int64_t out = 0;
    const int32_t x = (int32_t)r[1], y = (int32_t)r[2], z = (int32_t)r[3];
    switch (r[0]) {
      case 0: out = tqc_mul_high(x, y); break;
      case 1: out = tqc_shift_right_round(x, y); break;
      case 2: out = tqc_shift_left(x, y); break;
      case 3: out = tqc_shift_right_round(tqc_mul_high(tqc_shift_left(x, z > 0 ? z : 0), y), z < 0 ? -z : 0); break;
      case 4: out = tqc_mul_shift_round(x, y, z); break;
      case 5: out = tqc_mul_shift_round64(r[1], y, z); break;
      default: return 2;
    }
    fwrite(&out, sizeof out, 1, stdout);
  }
  return 0;
}
"""
C_OPS = ["mul_high", "shift_right_round", "shift_left", "mbqm", "mul_shift_round", "mul_shift_round64"]


@pytest.fixture(scope="module")
def c_harness(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler (cc) on PATH")
    d = tmp_path_factory.mktemp("fixedpoint_c")
    (d / "h.c").write_text(C_HARNESS)
    exe = d / "h"
    subprocess.run([cc, "-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-I", str(RUNTIME),
                    "-fsanitize=address,undefined", "-fno-sanitize-recover=all", str(d / "h.c"),
                    "-o", str(exe)], check=True, capture_output=True)
    return exe


def _run_c(exe: Path, op: str, args: np.ndarray) -> np.ndarray:
    records = np.column_stack([np.full(len(args), C_OPS.index(op), np.int64), args]).astype("<i8")
    proc = subprocess.run([str(exe)], input=records.tobytes(), capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return np.frombuffer(proc.stdout, "<i8")


@pytest.mark.parametrize("op", C_OPS)
def test_c_runtime_exhaustive_small_ranges(op: str, c_harness: Path,
                                           cases: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    args, expected = cases[op]
    got = _run_c(c_harness, op, args)
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, f"C {op}{tuple(args[bad[0]])}: {got[bad[0]]}, model {expected[bad[0]]}"


@pytest.mark.parametrize("op", C_OPS)
def test_c_runtime_random_full_range(op: str, c_harness: Path) -> None:
    rng = np.random.default_rng(C_OPS.index(op))
    n = 20000
    x = rng.integers(INT32_MIN, INT32_MAX, n, endpoint=True)
    y = rng.integers(INT32_MIN, INT32_MAX, n, endpoint=True)
    z = np.zeros(n, np.int64)
    if op in ("shift_right_round", "shift_left"):
        y = rng.integers(0, 32, n)
    elif op == "mbqm":
        z = rng.integers(-31, 32, n)
    elif op == "mul_shift_round":
        z = rng.integers(-31, 31, n)
    elif op == "mul_shift_round64":
        x = rng.integers(-(2**46), 2**46, n)
        y, z = rng.integers(0, 0x8000, n), rng.integers(1, 48, n)
    args = np.column_stack([x, y, z]).astype(np.int64)
    expected = np.array([MODEL[op](*map(int, t)) for t in args], np.int64)
    got = _run_c(c_harness, op, args)
    bad = np.flatnonzero(got != expected)
    assert bad.size == 0, f"C {op}{tuple(args[bad[0]])}: {got[bad[0]]}, model {expected[bad[0]]}"


# -- hypothesis on the full int32 range (tqc/semantics) ------------------------------------------

def _one(op: str, x: int, y: int, z: int = 0) -> int:
    return int(_semantics(op, np.array([x]), np.array([y]), np.array([z]))[0])


@settings(max_examples=400, deadline=None)
@given(i32, i32)
@example(INT32_MIN, INT32_MIN)
@example(INT32_MIN, INT32_MAX)
@example(INT32_MAX, INT32_MAX)
@example(-(2**30), 2**31 - 1)
def test_mul_high_full_range(a: int, b: int) -> None:
    assert _one("mul_high", a, b) == model.srdhm(a, b)


@settings(max_examples=400, deadline=None)
@given(i32, st.integers(0, 31))
@example(INT32_MIN, 31)
@example(-(2**30), 31)
@example(-3 * 2**4, 5)
@example(3 * 2**4, 5)
@example(INT32_MAX, 0)
def test_shift_right_round_full_range(x: int, e: int) -> None:
    assert _one("shift_right_round", x, e) == model.rounding_divide_by_pot(x, e)


@settings(max_examples=400, deadline=None)
@given(i32, i32, st.integers(-31, 31))
@example(INT32_MIN, INT32_MIN, 0)
@example(INT32_MAX, INT32_MIN, 31)
@example(-1, INT32_MIN, -31)
def test_multiply_by_quantized_multiplier_full_range(x: int, m: int, shift: int) -> None:
    expected = model.multiply_by_quantized_multiplier(x, m, shift)
    assert _one("mbqm", x, m, shift) == expected


@settings(max_examples=400, deadline=None)
@given(i32, i32, st.integers(-31, 30))
@example(INT32_MIN, INT32_MIN, -31)
@example(INT32_MAX, INT32_MAX, 30)
@example(-1, 2**30, 0)
def test_single_rounding_full_range(x: int, m: int, shift: int) -> None:
    assert _one("mul_shift_round", x, m, shift) == model.single_rounding(x, m, shift)


@settings(max_examples=400, deadline=None)
@given(st.integers(-(2**47), 2**47), st.integers(0, 0x7FFF), st.integers(1, 48))
def test_mul_shift_round64(x: int, m16: int, amount: int) -> None:
    assert _one("mul_shift_round64", x, m16, amount) == model.mul_shift_round64(x, m16, amount)


@settings(max_examples=400, deadline=None)
@given(st.integers(-(2**40), 2**40), st.integers(1, 2**20))
def test_average_rounding(acc: int, count: int) -> None:
    assert _one("average", acc, count) == model.average(acc, count)


def test_model_is_not_the_code_under_test() -> None:
    """The model must disagree with plausible wrong definitions (so the tests can fail)."""
    assert model.rounding_divide_by_pot(-3, 1) == -2  # ties away from zero, not -1 (half up)
    assert model.single_rounding(-1, 2**30, 0) == 0  # -0.5 rounds up to 0, not away to -1
    assert model.srdhm(INT32_MIN, INT32_MIN) == INT32_MAX
    assert model.srdhm(-1, 2**30) == 0  # (-2^30 + 1 - 2^30) / 2^31 truncated: 0, floor would be -1
    assert model.average(-5, 2) == -3 and model.average(5, 2) == 3


def test_narrow_inputs_match_int64() -> None:
    """mul_high and shift_right_round take int8/16/32 arrays on other paths (shift_right_round:
    float64, exact for values of at most 32 bits) than int64 arrays: both give the same."""
    edges = np.array(EDGES, dtype=np.int64)
    exps = np.arange(32, dtype=np.int64)
    x, e = np.meshgrid(edges, exps)
    expected = fixedpoint.shift_right_round(x, e)
    np.testing.assert_array_equal(fixedpoint.shift_right_round(x.astype(np.int32), e), expected)
    np.testing.assert_array_equal(fixedpoint.shift_right_round(x.astype(np.int32), exps[:, None]), expected)
    for dtype in (np.int8, np.int16):
        small = np.arange(np.iinfo(dtype).min, np.iinfo(dtype).max + 1, dtype=np.int64)
        a, b = np.meshgrid(small, exps)
        np.testing.assert_array_equal(fixedpoint.shift_right_round(a.astype(dtype), b),
                                      fixedpoint.shift_right_round(a, b))
    m = np.array(MULTIPLIERS + [INT32_MIN], dtype=np.int64)
    a, b = np.meshgrid(edges, m)
    np.testing.assert_array_equal(fixedpoint.mul_high(a.astype(np.int32), b), fixedpoint.mul_high(a, b))
