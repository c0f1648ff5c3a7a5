"""The C runtime's optional SIMD paths (AVX-512 VNNI, AVX2, SSE2) give the portable path's bits.

The same generated C is built several times: portable (`-DTQC_NO_SIMD`), with the AVX-512 VNNI
path, with the AVX2 path (AVX2 flags only), with the SSE2 path (x86-64's baseline, no AVX), with
`-march=native`, and the SIMD paths again under
AddressSanitizer + UndefinedBehaviorSanitizer; all must give identical outputs, equal to the
NumPy backend's (itself bit-exact with the reference, see test_c_backend.py), on all-minimum,
all-maximum and random inputs. A variant whose instructions this CPU lacks is skipped with a
message; the headers still compile warning-free under gcc and clang with its flags.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from differential import shared_model
from test_c_backend import FIXTURES, SAN_ENV, _assert_same, _inputs
from test_ops_conv_fc import _conv_model, _fc_model
from tqc.backends.c.printer import RUNTIME_HEADER
from tqc.backends.c.target import build, generate, run_program
from tqc.backends.numpy.printer import print_numpy
from tqc.backends.numpy.target import import_source
from tqc.pipeline import io_specs, lower
from tqc.reference import run_reference_with_runtime
from tqc.tflite_writer import Op, Tensor, write_model

AVX512 = ["-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512vnni"]
# name: (flags, CPU flags needed to run, macro the runtime header must define)
VARIANTS: dict[str, tuple[list[str], set[str], str | None]] = {
    "portable": (["-O2", "-DTQC_NO_SIMD"], set(), None),
    "avx512vnni": (["-O2", *AVX512], {"avx2", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"},
                   "TQC_SIMD_AVX512VNNI"),
    "avx2": (["-O2", "-mavx2", "-mfma"], {"avx2"}, "TQC_SIMD_AVX2"),
    "sse2": (["-O2", "-mno-avx", "-msse2"], {"sse2"}, "TQC_SIMD_SSE2"),
    "native": (["-O3", "-march=native"], set(), None),
}
SANITIZE = ["-O1", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all", "-DTQC_SEPARATE_BUFFERS"]
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O3", "-c"]


def _cpu_flags() -> set[str] | None:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def _runnable(variant: str) -> bool:
    needed = VARIANTS[variant][1]
    if not needed:
        return True
    flags = _cpu_flags()
    return flags is not None and needed <= flags


def _check_simd(model: Path, tmp: Path, variants: list[str], sanitize: bool = True,
                n: int = 8, reference: bool = False) -> None:
    """Every runnable variant (and its sanitized build) == portable == NumPy backend (== the
    reference runtime with `reference`), bit for bit."""
    module = lower(model)
    xs = _inputs(io_specs(module)[0], n, 1)
    files, _, printer = generate(module, "model")
    numpy_module = import_source(print_numpy(module, "model"), "model")
    expected = numpy_module.run(*xs)
    expected = list(expected) if isinstance(expected, tuple) else [expected]
    if reference:
        ref_out, used = run_reference_with_runtime(model, xs)
        _assert_same(f"NumPy vs {used}", expected, ref_out)
    ran = []
    for name in ["portable", *variants]:
        if not _runnable(name):
            continue
        flags = VARIANTS[name][0]
        out = run_program(build(files, "model", tmp / name, flags), printer, xs)
        _assert_same(f"C {name} vs NumPy", out, expected)
        if sanitize and name not in ("portable", "native"):
            san = build(files, "model", tmp / f"{name}_san", [*SANITIZE, *flags[1:]])
            _assert_same(f"sanitized C {name} vs NumPy", run_program(san, printer, xs, SAN_ENV),
                         expected)
        ran.append(name)
    missing = [v for v in variants if v not in ran]
    if missing:
        pytest.skip(f"this CPU lacks the instructions of {missing} (ran {ran})")


SIMD = ["avx512vnni", "avx2", "sse2"]


# -- the macros select the paths ------------------------------------------------------------

@pytest.mark.parametrize("cc", ["gcc", "clang"])
@pytest.mark.parametrize("variant", ["portable", "avx512vnni", "avx2", "sse2"])
def test_feature_macros_select_the_path(tmp_path: Path, cc: str, variant: str) -> None:
    """Each flag set compiles exactly its path in (compile only: no CPU feature needed), and
    `-DTQC_NO_SIMD` wins over any -m flag."""
    if not shutil.which(cc):
        pytest.skip(f"{cc} not installed")
    flags, _, macro = VARIANTS[variant]
    (tmp_path / "tqc_runtime.h").write_text(RUNTIME_HEADER.read_text())
    probe = ['#include "tqc_runtime.h"']
    for other in ("TQC_SIMD_AVX512VNNI", "TQC_SIMD_AVX2", "TQC_SIMD_SSE2"):
        want = other == macro
        probe += [f"#if {'!' if want else ''}defined({other})", f'#error "{other}"', "#endif"]
    probe.append("int tqc_probe(void) { return 0; }")
    (tmp_path / "probe.c").write_text("\n".join(probe) + "\n")
    extra = [*AVX512] if variant == "portable" else []  # TQC_NO_SIMD beats the -m flags
    cmd = [cc, *STRICT, *flags, *extra, "probe.c", "-o", "probe.o"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_simd_paths_compile_strictly(tmp_path: Path, cc: str) -> None:
    """The generated C with every path compiles under -std=c99 -Wall -Wextra -Werror -pedantic."""
    if not shutil.which(cc):
        pytest.skip(f"{cc} not installed")
    models = [FIXTURES / "mlp_digits_int8.tflite", FIXTURES / "cnn_digits_int8.tflite",
              FIXTURES / "mlp_digits_uint8io.tflite"]
    for model in models:
        files, _, _ = generate(lower(model), "model")
        for fname, text in files.items():
            (tmp_path / fname).write_text(text)
        for name in ("portable", "avx512vnni", "avx2", "sse2"):
            cmd = [cc, *STRICT, *VARIANTS[name][0], "model.c", "-o", f"model_{name}.o"]
            proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
            assert proc.returncode == 0, f"{model.name} {name}: {proc.stderr}"


# -- single-op models ---------------------------------------------------------------------------

CASES_BY_TYPE = [("int8", case) for case in range(8)] + [("uint8", case) for case in range(4)]


@pytest.mark.parametrize("dtype, case", CASES_BY_TYPE)
@pytest.mark.parametrize("op", ["conv", "depthwise", "fully_connected"])
def test_small_single_op(tmp_path: Path, op: str, dtype: str, case: int) -> None:
    """test_c_backend's single-op models (padding, stride, dilation, depth multiplier, extreme
    zero points and multipliers): depths below one vector, so the masked tails."""
    model = (_fc_model(tmp_path, case, dtype) if op == "fully_connected"
             else _conv_model(tmp_path, case, op == "depthwise", dtype))
    _check_simd(model, tmp_path, SIMD)


def _wide_model(tmp_path: Path, op: str, dtype: str, zx: int, zw: int, extreme_w: bool,
                seed: int) -> Path:
    """A single op wide enough for whole vectors plus tails: 70 or 131 channels, depths of 4 to
    9 vectors; `extreme_w` puts every weight at the type's minimum or maximum (sums that may
    leave int32: the wrap-around variants). The "_narrow" convs have 29 output channels (the
    AVX-512 kernel's 8-pixel tiles of two 16-channel blocks, the second partial)."""
    rng = np.random.default_rng(seed)
    lo, hi = (0, 255) if dtype == "uint8" else (-128, 127)
    c = 131 if op == "depthwise" else 70
    o = c if op == "depthwise" else 29 if op.endswith("_narrow") else 37
    shape = {"conv": (o, 3, 3, c), "conv1x1": (o, 1, 1, c), "depthwise": (1, 3, 3, c),
             "conv_narrow": (o, 3, 3, c), "conv1x1_narrow": (o, 1, 1, c),
             "fully_connected": (o, 9 * c + 5)}[op]
    if extreme_w:
        w = np.where(rng.random(shape) < 0.5, lo, hi)
    else:
        w = rng.integers(lo, hi + 1, shape)
    per_axis = dtype == "int8" and op != "fully_connected"
    sw = [float(s) for s in rng.uniform(0.0005, 0.02, o)] if per_axis else [0.004]
    zws = [0] * o if per_axis else [zw]
    sx = 0.05
    bias = rng.integers(-20000, 20000, o).astype(np.int32)
    x_shape = (1, shape[1]) if op == "fully_connected" else (1, 6, 5, c)
    y_shape = (1, o) if op == "fully_connected" else (1, 6, 5, o)
    sy = sx * sw[0] * 300
    tensors = [
        Tensor("x", x_shape, dtype, sx, zx),
        Tensor("w", shape, dtype, sw, zws, 3 if op == "depthwise" else 0, w.astype(dtype)),
        Tensor("b", (o,), "int32", [sx * s for s in sw], [0] * len(sw), 0, bias),
        Tensor("y", y_shape, dtype, sy, int(rng.integers(lo, hi + 1))),
    ]
    if op == "fully_connected":
        opcode, opts = "FULLY_CONNECTED", {}
    else:
        opcode = "DEPTHWISE_CONV_2D" if op == "depthwise" else "CONV_2D"
        opts = {"padding": "SAME", "stride_h": 1, "stride_w": 1}
        if op == "depthwise":
            opts["depth_multiplier"] = 1
    path = tmp_path / f"{op}.tflite"
    write_model(path, tensors, [Op(opcode, ["x", "w", "b"], ["y"], opts)], ["x"], ["y"])
    return path


WIDE = [("int8", -128, 0, False), ("int8", 127, 0, True), ("int8", 3, 0, False),
        ("uint8", 0, 255, True), ("uint8", 255, 0, False), ("uint8", 128, 151, False)]


@pytest.mark.parametrize("dtype, zx, zw, extreme_w", WIDE)
@pytest.mark.parametrize("op", ["conv", "conv1x1", "conv_narrow", "conv1x1_narrow", "depthwise",
                                "fully_connected"])
def test_wide_single_op(tmp_path: Path, op: str, dtype: str, zx: int, zw: int,
                        extreme_w: bool) -> None:
    """Whole vectors and tails, extreme input and weight zero points, extreme weights; also
    against the reference runtime."""
    model = _wide_model(tmp_path, op, dtype, zx, zw, extreme_w, seed=len(op) + zx + zw + 1000)
    _check_simd(model, tmp_path, SIMD, reference=True)


# -- whole models ---------------------------------------------------------------------------------

FIXTURE_MODELS = sorted(p.name for p in FIXTURES.glob("*.tflite"))
SHARED = ["mlperftiny_kws_dscnn_int8.tflite", "tflm_micro_speech_int8.tflite",
          "mlperftiny_vww_mobilenetv1_96_int8.tflite", "coral_mobilenet_v1_025_128_uint8.tflite",
          "mlperftiny_ic_resnet8_cifar10_int8.tflite", "armmlzoo_ds_cnn_small_int16x8.tflite"]


@pytest.mark.parametrize("name", FIXTURE_MODELS)
def test_fixture_model(tmp_path: Path, name: str) -> None:
    _check_simd(FIXTURES / name, tmp_path, [*SIMD, "native"])


@pytest.mark.parametrize("name", SHARED)
def test_shared_model(tmp_path: Path, name: str) -> None:
    _check_simd(shared_model(name), tmp_path, [*SIMD, "native"], sanitize=False, n=4)


# -- the requantize epilogue on its own -----------------------------------------------------------

REQUANT_MAIN = r"""
#include <stdio.h>
#include "tqc_runtime.h"
#define N 203
static int32_t acc[N], mult[N], zps[N];
static int8_t shifts[N];
static uint32_t state = 12345u;
static uint32_t next(void) { state = state * 1664525u + 1013904223u; return state; }
int main(void) {
  static const int32_t special[] = {INT32_MIN, INT32_MIN + 1, -1, 0, 1, INT32_MAX, 1 << 30,
                                    -(1 << 30), (1 << 30) + 1, 12345, -12345};
  int i, round;
  for (round = 0; round < 40; ++round) {
    int8_t out8[N];
    uint8_t outu[N];
    for (i = 0; i < N; ++i) {
      acc[i] = (i + round) % 3 == 0 ? special[(i + round) % 11] : tqc_u32_to_i32(next());
      mult[i] = (i + 2 * round) % 4 == 0 ? special[(i * 7 + round) % 11] : tqc_u32_to_i32(next());
      shifts[i] = (int8_t)(next() % 32u);
      zps[i] = (int32_t)(next() % 256u) - 128;
    }
    if (round % 2) {
      tqc_requant_i8(out8, acc, N - round, mult, 0, shifts, 0, zps, 0, -128, 127);
      tqc_requant_u8(outu, acc, N - round, mult, 0, shifts, 0, NULL, 0, 0, 255);
    } else {
      tqc_requant_i8(out8, acc, N - round, NULL, special[round % 11], NULL, round % 32, NULL,
                     -5, -100, 90);
      tqc_requant_u8(outu, acc, N - round, NULL, tqc_u32_to_i32(next()), NULL, 31 - round % 32,
                     zps, 0, 3, 250);
    }
    for (i = 0; i < N - round; ++i) printf("%d %d\n", out8[i], outu[i]);
  }
  printf("%d %d\n", tqc_mul_high(INT32_MIN, INT32_MIN), tqc_mul_high(INT32_MIN, INT32_MAX));
  return 0;
}
"""


def test_requant_paths_agree(tmp_path: Path) -> None:
    """tqc_requant_i8/_u8 (SIMD and portable) on extreme accumulators and multipliers (INT32_MIN
    times INT32_MIN saturates), every shift 0..31, per-channel and uniform parameters, lengths
    that leave tails: every runnable variant prints the portable path's numbers."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler")
    (tmp_path / "tqc_runtime.h").write_text(RUNTIME_HEADER.read_text())
    (tmp_path / "main.c").write_text(REQUANT_MAIN)
    outputs = {}
    for name in ["portable", *SIMD, "native"]:
        if not _runnable(name):
            continue
        exe = tmp_path / f"rq_{name}"
        subprocess.run([cc, *STRICT[:-2], *VARIANTS[name][0], "main.c", "-o", exe.name],
                       cwd=tmp_path, check=True)
        outputs[name] = subprocess.run([str(exe)], capture_output=True, text=True,
                                       check=True).stdout
    lines = outputs["portable"].splitlines()
    assert lines[-1] == f"{2**31 - 1} {-(2**31) + 1}" and len(lines) > 7000
    for name, text in outputs.items():
        assert text == outputs["portable"], f"{name} differs from the portable path"


# -- compilers and optimisation levels ------------------------------------------------------------

@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_compilers_and_levels_agree(tmp_path: Path, cc: str) -> None:
    """A narrow conv (8-pixel AVX-512 tiles, a partial channel block), a 1x1 conv and a
    depthwise conv built by `cc` at -O0, -O2 and -O3 with the AVX-512 VNNI flags, with AVX2 only
    and with -DTQC_NO_SIMD: every build gives the NumPy backend's bits (itself checked against
    the reference runtime here)."""
    if not shutil.which(cc):
        pytest.skip(f"{cc} not installed")
    runnable = [name for name in ("portable", "avx512vnni", "avx2") if _runnable(name)]
    for op in ("conv_narrow", "conv1x1_narrow", "depthwise"):
        model = _wide_model(tmp_path, op, "int8", -128, 0, False, seed=7 + len(op))
        module = lower(model)
        xs = _inputs(io_specs(module)[0], 4, 1)
        files, _, printer = generate(module, "model")
        expected = import_source(print_numpy(module, "model"), "model").run(*xs)
        expected = list(expected) if isinstance(expected, tuple) else [expected]
        ref_out, used = run_reference_with_runtime(model, xs)
        _assert_same(f"NumPy vs {used}", expected, ref_out)
        for name in runnable:
            for level in ("-O0", "-O2", "-O3"):
                flags = [level, *VARIANTS[name][0][1:]]
                exe = build(files, "model", tmp_path / f"{op}_{name}{level}", flags, cc=cc)
                _assert_same(f"{cc} {level} {name} {op} vs NumPy", run_program(exe, printer, xs),
                             expected)
