"""The C runtime's NEON paths (64-bit ARM) give the portable path's bits.

The same generated C is cross-built with aarch64-linux-gnu-gcc for the NEON sdot path
(`-O2 -march=armv8.2-a+dotprod`, `-O3 -mcpu=cortex-a76`), the plain NEON path (`-march=armv8-a`:
no dot-product instructions, vmull / vpadal) and the portable loops (`-DTQC_NO_SIMD`), and run
under qemu-aarch64; every build must equal the NumPy backend (itself bit-exact with the
reference, checked here on the wide models). Skipped without the cross tools (Debian:
gcc-aarch64-linux-gnu qemu-user).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from differential import shared_model
from test_c_backend import FIXTURES, _assert_same, _inputs
from test_c_simd import REQUANT_MAIN, _wide_model
from test_ops_conv_fc import _conv_model, _fc_model

from tqc.backends.c.printer import RUNTIME_HEADER
from tqc.backends.c.target import build, generate, run_program
from tqc.backends.numpy.printer import print_numpy
from tqc.backends.numpy.target import import_source
from tqc.pipeline import io_specs, lower
from tqc.reference import run_reference_with_runtime
from tqc.tflite_writer import Op, Tensor, write_model

CROSS, QEMU = shutil.which("aarch64-linux-gnu-gcc"), shutil.which("qemu-aarch64")
needs_cross = pytest.mark.skipif(not CROSS or not QEMU,
                                 reason="aarch64-linux-gnu-gcc or qemu-aarch64 not installed")
# clang cross-compiles with gcc's aarch64 headers, libraries and linker
CLANG = "clang --target=aarch64-linux-gnu" if shutil.which("clang") else None

# name: (flags, the macros the runtime header must define: the others must stay undefined)
VARIANTS: dict[str, tuple[list[str], set[str]]] = {
    "dotprod": (["-O2", "-march=armv8.2-a+dotprod"], {"TQC_SIMD_NEON", "TQC_SIMD_NEON_DOTPROD"}),
    "cortex_a76": (["-O3", "-mcpu=cortex-a76"], {"TQC_SIMD_NEON", "TQC_SIMD_NEON_DOTPROD"}),
    "neon": (["-O2", "-march=armv8-a"], {"TQC_SIMD_NEON"}),
    "portable": (["-O2", "-DTQC_NO_SIMD", "-march=armv8.2-a+dotprod"], set()),
}
# built by clang too (when installed): the sdot path
CLANG_VARIANTS = {"clang_dotprod": ["-O3", "-march=armv8.2-a+dotprod"]}
MACROS = ["TQC_SIMD_NEON", "TQC_SIMD_NEON_DOTPROD", "TQC_PACKED_FILTERS", "TQC_SIMD_AVX512VNNI",
          "TQC_SIMD_AVX2", "TQC_SIMD_SSE2"]
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
# UndefinedBehaviorSanitizer (static: runs under qemu-aarch64; AddressSanitizer does not)
UBSAN = ["-O1", "-fsanitize=undefined", "-fno-sanitize-recover=all", "-DTQC_SEPARATE_BUFFERS"]


def _qemu_wrapper(exe: Path) -> Path:
    """Replace the aarch64 program `exe` by a script running it under qemu-aarch64."""
    arm = exe.with_name(exe.name + ".arm")
    exe.rename(arm)
    exe.write_text(f'#!/bin/sh\nexec "{QEMU}" "{arm}" "$@"\n')
    exe.chmod(0o755)
    return exe


def _check_aarch64(model: Path, tmp: Path, n: int = 4, reference: bool = False,
                   sanitize: bool = False) -> None:
    """Every aarch64 build of `model` == the NumPy backend (== the reference with
    `reference`), bit for bit; `sanitize`: the dotprod build again at -O0, by clang, and
    the dotprod and plain NEON builds under UBSan."""
    module = lower(model)
    xs = _inputs(io_specs(module)[0], n, 1)
    files, _, printer = generate(module, "model")
    expected = import_source(print_numpy(module, "model"), "model").run(*xs)
    expected = list(expected) if isinstance(expected, tuple) else [expected]
    if reference:
        ref_out, used = run_reference_with_runtime(model, xs)
        _assert_same(f"NumPy vs {used}", expected, ref_out)
    builds = [(name, flags, str(CROSS)) for name, (flags, _) in VARIANTS.items()]
    if sanitize:
        builds.append(("dotprod_O0", ["-O0", "-march=armv8.2-a+dotprod"], str(CROSS)))
        builds += [(f"{name}_ubsan", [*UBSAN, march], str(CROSS))
                   for name, march in (("dotprod", "-march=armv8.2-a+dotprod"),
                                       ("neon", "-march=armv8-a"))]
        if CLANG:
            builds += [(name, flags, CLANG) for name, flags in CLANG_VARIANTS.items()]
    for name, flags, cc in builds:
        exe = _qemu_wrapper(build(files, "model", tmp / name, [*flags, "-static"], cc=cc))
        _assert_same(f"aarch64 {name} vs NumPy", run_program(exe, printer, xs), expected)


@needs_cross
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_feature_macros_select_the_path(tmp_path: Path, variant: str) -> None:
    """Each aarch64 flag set defines exactly its macros (`-DTQC_NO_SIMD` none, whatever -march
    says), under gcc and clang; packed conv filters go with the sdot path only."""
    flags, want = VARIANTS[variant]
    packed = "TQC_SIMD_NEON_DOTPROD" in want
    (tmp_path / "tqc_runtime.h").write_text(RUNTIME_HEADER.read_text())
    probe = ['#include "tqc_runtime.h"']
    for macro in MACROS:
        on = macro in want or (macro == "TQC_PACKED_FILTERS" and packed)
        probe += [f"#if {'!' if on else ''}defined({macro})", f'#error "{macro}"', "#endif"]
    probe.append("int tqc_probe(void) { return 0; }")
    (tmp_path / "probe.c").write_text("\n".join(probe) + "\n")
    for cc in [[str(CROSS)], *([CLANG.split()] if CLANG else [])]:
        cmd = [*cc, *STRICT, *flags, "-c", "probe.c", "-o", "probe.o"]
        proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"{cc[0]}: {proc.stderr}"


@needs_cross
@pytest.mark.parametrize("op", ["conv", "conv_narrow", "conv1x1", "conv1x1_narrow", "depthwise",
                                "fully_connected"])
@pytest.mark.parametrize("dtype, zx, zw, extreme_w", [("int8", 3, 0, False),
                                                      ("int8", 127, 0, True),
                                                      ("uint8", 128, 151, False)])
def test_wide_single_op(tmp_path: Path, op: str, dtype: str, zx: int, zw: int,
                        extreme_w: bool) -> None:
    """Whole vectors and tails (29, 37, 70, 131 channels; depths of 4 to 9 vectors plus a
    tail), extreme zero points and weights: the narrow 3x3 conv, the 1x1 conv (reads the image
    itself), depthwise, fully connected; also against the reference runtime."""
    model = _wide_model(tmp_path, op, dtype, zx, zw, extreme_w, seed=len(op) + zx + zw + 1100)
    _check_aarch64(model, tmp_path, reference=True, sanitize=extreme_w)


@needs_cross
@pytest.mark.parametrize("dtype, case", [("int8", c) for c in range(8)] +
                         [("uint8", c) for c in range(4)])
@pytest.mark.parametrize("op", ["conv", "depthwise", "fully_connected"])
def test_small_single_op(tmp_path: Path, op: str, dtype: str, case: int) -> None:
    """test_c_backend's single-op models (padding, stride, dilation, depth multiplier, extreme
    zero points and multipliers): depths below one vector, channel counts below one block."""
    model = (_fc_model(tmp_path, case, dtype) if op == "fully_connected"
             else _conv_model(tmp_path, case, op == "depthwise", dtype))
    _check_aarch64(model, tmp_path, n=6)


def _dw_model(tmp_path: Path, c: int, stride: int, dil: int, padding: str, dtype: str,
              seed: int) -> Path:
    """A 3x3 depthwise conv (multiplier 1) of c channels on a 7x9 image: the NEON row kernel
    takes c a multiple of 8 (8 channels a step); int8 per-channel, or uint8 with weight zero
    point 151 (a filter offset)."""
    rng = np.random.default_rng(seed)
    lo, hi = (0, 255) if dtype == "uint8" else (-128, 127)
    w = rng.integers(lo, hi + 1, (1, 3, 3, c))
    w[0, 0, 0, :2] = lo, hi  # extremes
    sw = [0.004] if dtype == "uint8" else [float(v) for v in rng.uniform(0.0005, 0.02, c)]
    zw = [151] if dtype == "uint8" else [0] * c
    sx = 0.05
    oh, ow = ((7 - 1) // stride + 1, (9 - 1) // stride + 1) if padding == "SAME" else (
        (7 - 2 * dil - 1) // stride + 1, (9 - 2 * dil - 1) // stride + 1)
    tensors = [
        Tensor("x", (1, 7, 9, c), dtype, sx, int(rng.integers(lo, hi + 1))),
        Tensor("w", (1, 3, 3, c), dtype, sw, zw, 3, w.astype(dtype)),
        Tensor("b", (c,), "int32", [sx * s for s in sw], [0] * len(sw), 0,
               rng.integers(-20000, 20000, c).astype(np.int32)),
        Tensor("y", (1, oh, ow, c), dtype, sx * sw[0] * 200, int(rng.integers(lo, hi + 1))),
    ]
    opts = {"padding": padding, "stride_h": stride, "stride_w": stride, "depth_multiplier": 1,
            "dilation_h_factor": dil, "dilation_w_factor": dil,
            "fused_activation_function": "RELU6" if seed % 2 else "NONE"}
    path = tmp_path / "dw.tflite"
    write_model(path, tensors, [Op("DEPTHWISE_CONV_2D", ["x", "w", "b"], ["y"], opts)], ["x"],
                ["y"])
    return path


@needs_cross
@pytest.mark.parametrize("c, stride, dil, padding", [(8, 1, 1, "SAME"), (24, 2, 1, "SAME"),
                                                     (64, 1, 2, "VALID"), (16, 2, 2, "SAME")])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_depthwise_rows(tmp_path: Path, c: int, stride: int, dil: int, padding: str,
                        dtype: str) -> None:
    """The NEON depthwise rows (c a multiple of 8; stride, dilation, padding; uint8 with a
    filter offset), also against the reference runtime."""
    model = _dw_model(tmp_path, c, stride, dil, padding, dtype, seed=c + 10 * stride + dil)
    _check_aarch64(model, tmp_path, reference=True, sanitize=c == 64)


FIXTURE_MODELS = sorted(p.name for p in FIXTURES.glob("*.tflite"))
SHARED = ["mlperftiny_kws_dscnn_int8.tflite", "tflm_micro_speech_int8.tflite",
          "mlperftiny_vww_mobilenetv1_96_int8.tflite", "coral_mobilenet_v1_025_128_uint8.tflite",
          "mlperftiny_ic_resnet8_cifar10_int8.tflite", "armmlzoo_ds_cnn_small_int16x8.tflite"]


@needs_cross
@pytest.mark.parametrize("name", FIXTURE_MODELS)
def test_fixture_model(tmp_path: Path, name: str) -> None:
    _check_aarch64(FIXTURES / name, tmp_path)


@needs_cross
@pytest.mark.parametrize("name", SHARED)
def test_shared_model(tmp_path: Path, name: str) -> None:
    """Whole models (the first convs of 1 and 3 channels, pointwise and depthwise layers of 8 to
    256 channels, uint8 and int16x8), 2 samples each."""
    _check_aarch64(shared_model(name), tmp_path, n=2)


# -- the requantize epilogue on its extremes ----------------------------------------------------

EXTREMES_MAIN = r"""
#include <stdio.h>
#include "tqc_runtime.h"
/* tqc_requant_i8 / _u8 (the NEON path where compiled in) against the scalar chain of
 * tqc_mul_high and tqc_shift_right_round, element by element, on: every exponent 0..31 with
 * accumulators around the rounding ties of RoundingDivideByPOT (x = k * 2^e + 2^(e-1) + d,
 * d in -1..1, both signs, through multiplier 2^30: tqc_mul_high(a, 2^30) = floor((a + 1) / 2),
 * so a = 2x and a = 2x - 1 both give x, the second on a tie of the doubling high multiply);
 * INT32_MIN and INT32_MAX accumulators and multipliers (INT32_MIN * INT32_MIN saturates);
 * pseudo-random lanes. Prints the mismatches (none expected) and a checksum. */
#define N 64
static uint32_t state = 2463534242u;
static uint32_t next(void) { state ^= state << 13; state ^= state >> 17; state ^= state << 5; return state; }
static int32_t acc[N], mult[N], zps[N];
static int8_t shifts[N];
static long bad = 0, lanes = 0;
static uint32_t sum = 0;
static void check(int len, int32_t lo, int32_t hi) {
  int8_t o8[N];
  uint8_t ou[N];
  int i;
  tqc_requant_i8(o8, acc, len, mult, 0, shifts, 0, zps, 0, lo, hi);
  tqc_requant_u8(ou, acc, len, mult, 0, shifts, 0, zps, 0, lo, hi);
  for (i = 0; i < len; ++i) {
    const int32_t v = tqc_shift_right_round(tqc_mul_high(acc[i], mult[i]), shifts[i]);
    const int32_t c = tqc_clamp_i32(tqc_add_i32(v, zps[i]), lo, hi);
    if (o8[i] != tqc_wrap_i8(c) || ou[i] != tqc_wrap_u8(c)) {
      if (bad < 10) printf("mismatch acc %d mult %d shift %d zp %d: %d %d, want %d\n", acc[i], mult[i],
                           shifts[i], zps[i], o8[i], ou[i], c);
      ++bad;
    }
    sum = sum * 31u + (uint32_t)(uint8_t)o8[i];
    ++lanes;
  }
#if defined(TQC_SIMD_NEON) /* the full int32 of the vector chain, 4 lanes at a time */
  for (i = 0; i + 4 <= len; i += 4) {
    int32_t got[4];
    int t;
    int32x4_t ne = vnegq_s32(vmovl_s16(vget_low_s16(vmovl_s8(vld1_s8(shifts + i)))));
    vst1q_s32(got, tqc_neon_requant4(vld1q_s32(acc + i), vld1q_s32(mult + i), ne, vld1q_s32(zps + i),
                                     vdupq_n_s32(lo), vdupq_n_s32(hi)));
    for (t = 0; t < 4; ++t) {
      const int32_t v = tqc_shift_right_round(tqc_mul_high(acc[i + t], mult[i + t]), shifts[i + t]);
      if (got[t] != tqc_clamp_i32(tqc_add_i32(v, zps[i + t]), lo, hi)) {
        if (bad < 10) printf("int32 mismatch acc %d mult %d shift %d\n", acc[i + t], mult[i + t], shifts[i + t]);
        ++bad;
      }
    }
  }
#endif
}
int main(void) {
  static const int32_t special[] = {INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1, -1, 0, 1,
                                    1 << 30, -(1 << 30), (1 << 30) + 1, -(1 << 30) - 1};
  const int ns = (int)(sizeof special / sizeof special[0]);
  int e, i, j, round;
  for (e = 0; e < 32; ++e) {
    for (round = 0; round < 200; ++round) {
      for (i = 0; i < N; ++i) {
        const int64_t k = (int64_t)(int32_t)next() >> (e + 1);
        const int64_t x = k * ((int64_t)1 << e) + (e ? ((int64_t)1 << (e - 1)) : 0) + (i % 3) - 1;
        const int64_t a = 2 * x - (i & 4 ? 1 : 0);
        acc[i] = a < INT32_MIN ? INT32_MIN : a > INT32_MAX ? INT32_MAX : (int32_t)a;
        mult[i] = 1 << 30;
        shifts[i] = (int8_t)e;
        zps[i] = (int32_t)(next() % 256u) - 128;
      }
      check(N - round % 17, -2147483647 - 1, 2147483647); /* no clamp: the raw low bytes */
      check(N, -128, 127);
    }
    for (i = 0; i < ns; ++i)
      for (j = 0; j < ns; ++j) {
        acc[(i * ns + j) % N] = special[i];
        mult[(i * ns + j) % N] = special[j];
        shifts[(i * ns + j) % N] = (int8_t)e;
        zps[(i * ns + j) % N] = 0;
        if ((i * ns + j) % N == N - 1 || (i == ns - 1 && j == ns - 1)) {
          check((i * ns + j) % N + 1, -2147483647 - 1, 2147483647);
          check((i * ns + j) % N + 1, 0, 255);
        }
      }
  }
  for (round = 0; round < 20000; ++round) {
    for (i = 0; i < N; ++i) {
      acc[i] = tqc_u32_to_i32(next());
      mult[i] = tqc_u32_to_i32(next());
      shifts[i] = (int8_t)(next() % 32u);
      zps[i] = tqc_u32_to_i32(next());
    }
    check(N - round % 37, -2147483647 - 1, 2147483647);
  }
  printf("lanes %ld mismatches %ld checksum %u\n", lanes, bad, sum);
  return 0;
}
"""


@needs_cross
def test_requant_extremes(tmp_path: Path) -> None:
    """The NEON requantize (vqrdmulhq_s32, the sign fixup and vrshlq_s32) equals the scalar
    chain on every exponent's rounding ties, INT32_MIN / INT32_MAX accumulators and multipliers
    and random lanes (1.7 M in all), in every aarch64 build, with the x86 portable build's checksum;
    and test_c_simd's requantize program prints the portable path's numbers."""
    (tmp_path / "tqc_runtime.h").write_text(RUNTIME_HEADER.read_text())
    (tmp_path / "extremes.c").write_text(EXTREMES_MAIN)
    (tmp_path / "requant.c").write_text(REQUANT_MAIN)
    host = shutil.which("gcc") or shutil.which("cc")
    outputs: dict[str, dict[str, str]] = {}
    for src in ("extremes", "requant"):
        if host:
            exe = tmp_path / f"{src}_host"
            subprocess.run([host, *STRICT, "-O2", "-DTQC_NO_SIMD", f"{src}.c", "-o", exe.name],
                           cwd=tmp_path, check=True)
            outputs.setdefault(src, {})["host"] = subprocess.run(
                [str(exe)], capture_output=True, text=True, check=True).stdout
        cross = [(name, [str(CROSS), *flags]) for name, (flags, _) in VARIANTS.items()]
        if CLANG:
            cross += [(name, [*CLANG.split(), *flags]) for name, flags in CLANG_VARIANTS.items()]
        cross.append(("ubsan", [str(CROSS), *UBSAN, "-march=armv8.2-a+dotprod"]))
        for name, cmd in cross:
            exe = tmp_path / f"{src}_{name}"
            subprocess.run([*cmd, *STRICT, "-static", f"{src}.c", "-o", exe.name],
                           cwd=tmp_path, check=True)
            outputs.setdefault(src, {})[name] = subprocess.run(
                [str(QEMU), str(exe)], capture_output=True, text=True, check=True).stdout
    for name, text in outputs["extremes"].items():
        assert " mismatches 0 " in text, f"{name}: {text[:2000]}"
    assert len(set(outputs["extremes"].values())) == 1, outputs["extremes"]
    for name, text in outputs["requant"].items():
        assert text == outputs["requant"]["portable"], f"{name} differs from the portable path"


def test_requant_tie_construction() -> None:
    """The ties the C program builds are ties: tqc_mul_high(a, 2^30) = floor((a + 1) / 2) (a
    tie of the doubling high multiply for odd a) and x = k 2^e + 2^(e-1) halfway for e >= 1."""
    for a in (-(2**31), -3, -1, 0, 1, 5, 2**31 - 1):
        assert (a * 2**30 + 2**30) >> 31 == (a + 1) // 2
    for e in range(1, 32):
        x = np.int64(-7) * 2**e + 2 ** (e - 1)
        assert (x % 2**e) * 2 == 2**e
