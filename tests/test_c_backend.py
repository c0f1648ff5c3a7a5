"""The C backend: generated C99 built with the system compiler and run on random and extreme
inputs, bit-exact against the NumPy backend AND the reference runtime; every model also runs
under AddressSanitizer + UndefinedBehaviorSanitizer (one array per tensor, so that ASan sees
strays between tensors); the code compiles warning-free under gcc and clang with
`-std=c99 -Wall -Wextra -Werror -pedantic`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from differential import random_inputs, shared_model
from test_int16 import binary_model as binary_model_16
from test_int16 import conv_model as conv_model_16x8
from test_int16 import fc_model as fc_model_16x8
from test_ops_conv_fc import _binary_model, _conv_model, _fc_model
from tqc.backends.c.arena import alias_class, plan_arena
from tqc.backends.c.printer import EXPRESSIONS
from tqc.backends.c.schedule import build_schedule
from tqc.backends.c.target import build, generate, run_program
from tqc.backends.numpy.printer import print_numpy
from tqc.backends.numpy.target import import_source
from tqc.cli import main as tqc_main
from tqc.errors import TqcError
from tqc.pipeline import io_specs, lower
from tqc.reference import run_reference_with_runtime
from tqc.tflite_writer import Op, Tensor, write_model

FIXTURES = Path(__file__).parent / "fixtures"
SANITIZE = ["-O0", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all", "-DTQC_SEPARATE_BUFFERS"]
SAN_ENV = {"ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0", "UBSAN_OPTIONS": "print_stacktrace=1"}


def _inputs(specs: list[tuple[tuple[int, ...], str]], n: int, seed: int) -> list[np.ndarray]:
    """n samples: the first all-minimum, the second all-maximum (for float inputs: -100 and
    +100, beyond any quantization range), the rest uniform over the type."""
    xs = random_inputs(specs, n, seed)
    for x, (_, dtype) in zip(xs, specs):
        if dtype.startswith("float"):
            x[0], x[1] = -100.0, 100.0
    return xs


def _assert_same(what: str, ours: list[np.ndarray], theirs: list[np.ndarray]) -> None:
    assert len(ours) == len(theirs), what
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.dtype == b.dtype and a.shape == b.shape, \
            f"{what} output {i}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        diff = a.astype(np.float64) != b.astype(np.float64)
        assert not diff.any(), (f"{what} output {i}: {np.count_nonzero(diff)}/{diff.size} values "
                                f"differ, first at {np.argwhere(diff)[0].tolist()}")


def check_c(model: Path, tmp: Path, n: int = 10, seed: int = 0, reference: bool = True,
            sanitize: bool = True, narrow: bool = False) -> None:
    """C (-O2, and sanitized) == NumPy backend == reference, bit for bit, on n samples (all-min,
    all-max, then random; `narrow` draws int16 samples from normal distributions of a few
    widths, so that outputs are not all saturated). The builds and the reference run
    concurrently."""
    module = lower(model)
    xs = _inputs(io_specs(module)[0], n, seed)
    if narrow:
        rng = np.random.default_rng(seed + 1)
        for x in xs:
            for i in range(2, n) if x.dtype == np.int16 else ():
                sigma = [30000, 3000, 300, 30][i % 4]
                x[i] = rng.normal(0, sigma, x.shape[1:]).clip(-32768, 32767).astype(np.int16)
    files, _, printer = generate(module, "model")
    with ThreadPoolExecutor(3) as pool:
        ref = pool.submit(run_reference_with_runtime, model, xs) if reference else None
        exe = pool.submit(build, files, "model", tmp / "o2")
        san = pool.submit(build, files, "model", tmp / "san", SANITIZE) if sanitize else None
        numpy_module = import_source(print_numpy(module, "model"), "model")
        np_out = numpy_module.run(*xs)
        np_out = list(np_out) if isinstance(np_out, tuple) else [np_out]
        c_out = run_program(exe.result(), printer, xs)
        _assert_same("C vs NumPy", c_out, np_out)
        if san is not None:
            _assert_same("sanitized C vs NumPy", run_program(san.result(), printer, xs, SAN_ENV),
                         np_out)
        if ref is not None:
            ref_out, used = ref.result()
            _assert_same(f"C vs {used}", c_out, ref_out)


# -- single-op models -------------------------------------------------------------------------

# 8 cases for int8, 4 for uint8 (the builders vary padding, stride, dilation, zero points,
# multipliers and activations with the case number)
CASES_BY_TYPE = [("int8", case) for case in range(8)] + [("uint8", case) for case in range(4)]


@pytest.mark.parametrize("dtype, case", CASES_BY_TYPE)
@pytest.mark.parametrize("depthwise", [False, True], ids=["conv", "depthwise"])
def test_conv(tmp_path: Path, case: int, depthwise: bool, dtype: str) -> None:
    check_c(_conv_model(tmp_path, case, depthwise, dtype), tmp_path)


@pytest.mark.parametrize("dtype, case", CASES_BY_TYPE)
def test_fully_connected(tmp_path: Path, case: int, dtype: str) -> None:
    check_c(_fc_model(tmp_path, case, dtype), tmp_path)


@pytest.mark.parametrize("case", range(0, 8, 2))
@pytest.mark.parametrize("opcode", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_binary(tmp_path: Path, case: int, opcode: str, dtype: str) -> None:
    check_c(_binary_model(tmp_path, case, opcode, dtype), tmp_path)


def _pool_model(tmp_path: Path, case: int, opcode: str, dtype: str) -> Path:
    rng = np.random.default_rng(400 + case)
    h, w, c = (int(v) for v in rng.integers(1, 10, 3))
    fh, fw = (int(v) for v in rng.integers(1, 4, 2))
    sh, sw = (int(v) for v in rng.integers(1, 3, 2))
    padding = "SAME" if case % 2 else "VALID"
    h, w = max(h, fh), max(w, fw)
    oh = -(-h // sh) if padding == "SAME" else (h - fh) // sh + 1
    ow = -(-w // sw) if padding == "SAME" else (w - fw) // sw + 1
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    s, z = float(rng.uniform(0.01, 0.1)), int(rng.integers(lo, hi + 1))
    act = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"][case % 4]
    tensors = [Tensor("x", (1, h, w, c), dtype, s, z), Tensor("y", (1, oh, ow, c), dtype, s, z)]
    opts = {"padding": padding, "stride_h": sh, "stride_w": sw, "filter_height": fh,
            "filter_width": fw, "fused_activation_function": act}
    path = tmp_path / "pool.tflite"
    write_model(path, tensors, [Op(opcode, ["x"], ["y"], opts)], ["x"], ["y"])
    return path


@pytest.mark.parametrize("case", range(4))
@pytest.mark.parametrize("opcode", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_pool(tmp_path: Path, case: int, opcode: str, dtype: str) -> None:
    check_c(_pool_model(tmp_path, case, opcode, dtype), tmp_path)


def _one_op(tmp_path: Path, tensors: list[Tensor], op: Op, inputs: list[str],
            outputs: list[str], name: str = "") -> Path:
    path = tmp_path / f"{name or op.opcode.lower()}.tflite"
    write_model(path, tensors, [op], inputs, outputs)
    return path


def _misc_models(tmp_path: Path) -> dict[str, Path]:
    """One small model per data-movement / row-wise / float-edge op."""
    q = dict(scale=0.05, zero_point=3)
    i32 = "int32"
    m = {}
    m["softmax"] = _one_op(tmp_path, [Tensor("x", (1, 3, 10), "int8", 0.1, 5),
                                      Tensor("y", (1, 3, 10), "int8", 1 / 256, -128)],
                           Op("SOFTMAX", ["x"], ["y"], {"beta": 1.0}), ["x"], ["y"])
    m["mean"] = _one_op(tmp_path, [
        Tensor("x", (1, 5, 4, 6), "int8", 0.05, -7),
        Tensor("axes", (2,), i32, data=np.array([1, 2], np.int32)),
        Tensor("y", (1, 1, 1, 6), "int8", 0.02, 4)],
        Op("MEAN", ["x", "axes"], ["y"], {"keep_dims": True}), ["x"], ["y"])
    m["concat"] = _one_op(tmp_path, [
        Tensor("a", (1, 2, 3, 4), "int8", **q), Tensor("b", (1, 2, 3, 2), "int8", **q),
        Tensor("y", (1, 2, 3, 6), "int8", **q)],
        Op("CONCATENATION", ["a", "b"], ["y"], {"axis": 3}), ["a", "b"], ["y"])
    m["pad"] = _one_op(tmp_path, [
        Tensor("x", (1, 3, 4, 2), "int8", **q),
        Tensor("p", (4, 2), i32, data=np.array([[0, 0], [1, 2], [2, 0], [0, 1]], np.int32)),
        Tensor("y", (1, 6, 6, 3), "int8", **q)],
        Op("PAD", ["x", "p"], ["y"]), ["x"], ["y"])
    m["transpose"] = _one_op(tmp_path, [
        Tensor("x", (1, 3, 4, 5), "int8", **q),
        Tensor("perm", (4,), i32, data=np.array([0, 3, 1, 2], np.int32)),
        Tensor("y", (1, 5, 3, 4), "int8", **q)],
        Op("TRANSPOSE", ["x", "perm"], ["y"]), ["x"], ["y"])
    m["strided_slice"] = _one_op(tmp_path, [
        Tensor("x", (1, 6, 7, 3), "int8", **q),
        Tensor("b", (4,), i32, data=np.array([0, 1, 0, 1], np.int32)),
        Tensor("e", (4,), i32, data=np.array([1, 6, 7, 3], np.int32)),
        Tensor("s", (4,), i32, data=np.array([1, 2, 3, 1], np.int32)),
        Tensor("y", (1, 3, 3, 2), "int8", **q)],
        Op("STRIDED_SLICE", ["x", "b", "e", "s"], ["y"]), ["x"], ["y"])
    m["float_edges"] = tmp_path / "float_edges.tflite"
    write_model(m["float_edges"], [
        Tensor("x", (1, 7), "float32"), Tensor("q", (1, 7), "int8", 0.0235, -11),
        Tensor("r", (1, 7), "int8", 0.0235, -11), Tensor("y", (1, 7), "float32")],
        [Op("QUANTIZE", ["x"], ["q"]), Op("RELU", ["q"], ["r"]), Op("DEQUANTIZE", ["r"], ["y"])],
        ["x"], ["y"])
    m["resize_nearest"] = _one_op(tmp_path, [
        Tensor("x", (1, 3, 4, 2), "int8", **q),
        Tensor("size", (2,), i32, data=np.array([7, 9], np.int32)),
        Tensor("y", (1, 7, 9, 2), "int8", **q)],
        Op("RESIZE_NEAREST_NEIGHBOR", ["x", "size"], ["y"]), ["x"], ["y"])
    for dtype in ("int8", "uint8"):
        m[f"resize_bilinear_{dtype}"] = _one_op(tmp_path, [
            Tensor("x", (1, 3, 4, 2), dtype, 0.05, 100 if dtype == "uint8" else 3),
            Tensor("size", (2,), i32, data=np.array([5, 7], np.int32)),
            Tensor("y", (1, 5, 7, 2), dtype, 0.05, 100 if dtype == "uint8" else 3)],
            Op("RESIZE_BILINEAR", ["x", "size"], ["y"], {"half_pixel_centers": dtype == "int8"}),
            ["x"], ["y"], f"resize_bilinear_{dtype}")
    m["arg_max"] = _one_op(tmp_path, [
        Tensor("x", (1, 4, 9), "int8", **q),
        Tensor("axis", (1,), i32, data=np.array([2], np.int32)),
        Tensor("y", (1, 4), "int32")],
        Op("ARG_MAX", ["x", "axis"], ["y"], {"output_type": "INT32"}), ["x"], ["y"])
    m["maximum"] = _one_op(tmp_path, [
        Tensor("a", (1, 3, 4), "int8", **q), Tensor("b", (1, 1, 4), "int8", **q),
        Tensor("y", (1, 3, 4), "int8", **q)],
        Op("MAXIMUM", ["a", "b"], ["y"]), ["a", "b"], ["y"])
    m["logistic"] = _one_op(tmp_path, [
        Tensor("x", (1, 16), "int8", 0.08, -3), Tensor("y", (1, 16), "int8", 1 / 256, -128)],
        Op("LOGISTIC", ["x"], ["y"]), ["x"], ["y"])
    m["leaky_relu"] = _one_op(tmp_path, [
        Tensor("x", (1, 16), "int8", 0.08, -3), Tensor("y", (1, 16), "int8", 0.05, -20)],
        Op("LEAKY_RELU", ["x"], ["y"], {"alpha": 0.2}), ["x"], ["y"])
    w = np.array([[100, -7, 3], [-128, 127, 0]], np.int8)
    m["fc_no_bias"] = _one_op(tmp_path, [  # no bias and input zero point 0: no folded init
        Tensor("x", (1, 3), "int8", 1.0, 0), Tensor("w", (2, 3), "int8", 0.0625, 0, 0, w),
        Tensor("y", (1, 2), "int8", 8.0, 0)],
        Op("FULLY_CONNECTED", ["x", "w", ""], ["y"]), ["x"], ["y"], "fc_no_bias")
    for opcode in ("CONV_2D", "DEPTHWISE_CONV_2D"):
        m[f"{opcode.lower()}_no_bias"] = _one_op(tmp_path, [
            Tensor("x", (1, 4, 5, 2), "int8", 0.5, -3),
            Tensor("w", (2, 3, 3, 2) if opcode == "CONV_2D" else (1, 3, 3, 2), "int8",
                   [0.01, 0.02], [0, 0], 0 if opcode == "CONV_2D" else 3,
                   np.arange(-18, 18, dtype=np.int8).reshape(
                       (2, 3, 3, 2) if opcode == "CONV_2D" else (1, 3, 3, 4))[..., :2]),
            Tensor("y", (1, 4, 5, 2), "int8", 0.1, 5)],
            Op(opcode, ["x", "w", ""], ["y"], {"padding": "SAME"}), ["x"], ["y"],
            f"{opcode.lower()}_no_bias")
    m["reshape_only"] = _one_op(tmp_path, [  # the output is a view of the input: a copy
        Tensor("x", (1, 4, 6), "int8", **q),
        Tensor("s", (2,), i32, data=np.array([1, 24], np.int32)),
        Tensor("y", (1, 24), "int8", **q)],
        Op("RESHAPE", ["x", "s"], ["y"], {"new_shape": [1, 24]}), ["x"], ["y"])
    m["two_outputs"] = tmp_path / "two_outputs.tflite"  # a result and a view of it, both returned
    write_model(m["two_outputs"], [
        Tensor("a", (1, 2, 3), "int8", **q), Tensor("b", (1, 2, 3), "int8", **q),
        Tensor("c", (1, 2, 3), "int8", 0.1, 0),
        Tensor("s", (2,), i32, data=np.array([1, 6], np.int32)), Tensor("y", (1, 6), "int8", 0.1, 0)],
        [Op("ADD", ["a", "b"], ["c"]), Op("RESHAPE", ["c", "s"], ["y"], {"new_shape": [1, 6]})],
        ["a", "b"], ["y", "c"])
    return m


MISC = ["softmax", "mean", "concat", "pad", "transpose", "strided_slice", "float_edges",
        "resize_nearest", "resize_bilinear_int8", "resize_bilinear_uint8", "arg_max", "maximum",
        "logistic", "leaky_relu", "reshape_only", "two_outputs", "fc_no_bias", "conv_2d_no_bias"]


@pytest.mark.parametrize("name", MISC)
def test_misc_op(tmp_path: Path, name: str) -> None:
    check_c(_misc_models(tmp_path)[name], tmp_path)


def test_depthwise_without_bias(tmp_path: Path) -> None:
    """TFLM crashes and LiteRT refuses a DEPTHWISE_CONV_2D without bias: C vs NumPy only."""
    check_c(_misc_models(tmp_path)["depthwise_conv_2d_no_bias"], tmp_path, reference=False)


# -- int16 activations (16x8) ------------------------------------------------------------------

@pytest.mark.parametrize("case", range(4))
@pytest.mark.parametrize("depthwise", [False, True], ids=["conv", "depthwise"])
def test_conv_16x8(tmp_path: Path, case: int, depthwise: bool) -> None:
    check_c(conv_model_16x8(tmp_path / "conv16.tflite", case, depthwise), tmp_path, narrow=True)


@pytest.mark.parametrize("bias", ["int32", "none"])
def test_conv_16x8_other_bias(tmp_path: Path, bias: str) -> None:
    check_c(conv_model_16x8(tmp_path / "conv16.tflite", 1, False, bias), tmp_path, narrow=True)


@pytest.mark.parametrize("bias", ["int64", "int32", "none"])
@pytest.mark.parametrize("case", range(2))
def test_fully_connected_16x8(tmp_path: Path, case: int, bias: str) -> None:
    check_c(fc_model_16x8(tmp_path / "fc16.tflite", case, bias), tmp_path, narrow=True)


@pytest.mark.parametrize("opcode", ["ADD", "MUL", "MAXIMUM"])
def test_binary_int16(tmp_path: Path, opcode: str) -> None:
    check_c(binary_model_16(tmp_path / "bin16.tflite", 1, opcode), tmp_path, narrow=True)


@pytest.mark.parametrize("opcode", ["SOFTMAX", "LOGISTIC"])
def test_int16_lut_ops(tmp_path: Path, opcode: str) -> None:
    """int16 SOFTMAX (two interpolated 513-entry LUTs) and LOGISTIC (a 65536-entry table,
    stored with the weights)."""
    out = (0, 1 / 32768)
    path = _one_op(tmp_path, [Tensor("x", (1, 3, 20), "int16", 0.001, 0),
                              Tensor("y", (1, 3, 20), "int16", out[1], out[0])],
                   Op(opcode, ["x"], ["y"], {"beta": 1.0} if opcode == "SOFTMAX" else {}),
                   ["x"], ["y"])
    check_c(path, tmp_path, narrow=True)


# -- whole models -----------------------------------------------------------------------------

FIXTURE_MODELS = sorted(p.name for p in FIXTURES.glob("*.tflite"))
SMALL_SHARED = [
    "tflm_hello_world_sine_int8.tflite", "tflm_micro_speech_int8.tflite",
    "mlperftiny_kws_dscnn_int8.tflite", "mlperftiny_sww_streaming_wakeword_int8.tflite",
    "mlperftiny_ad_toycar_fc_autoencoder_int8.tflite",
    "mlperftiny_ad_toycar_fc_autoencoder_int8_floatio.tflite", "coral_split_concat_uint8.tflite",
    "mlperftiny_ic_resnet8_cifar10_int8.tflite", "mlperftiny_vww_mobilenetv1_96_int8.tflite",
    "tflm_person_detect_mobilenetv1_int8.tflite", "coral_mobilenet_v1_025_128_uint8.tflite",
    "armmlzoo_ds_cnn_small_int16x8.tflite", "tflm_mnist_lstm_int8.tflite",
]
LARGE_SHARED = [
    "mcunet_person_detection_int8_floatio.tflite", "armmlzoo_ssd_mobilenet_v3_int8.tflite",
    "coral_tf2_mobilenet_v2_100_224_ptq_int8_uint8io.tflite",
    "tflm_xtensa_pytorch_mobilenet_v2_224_int8.tflite",
    "coral_deeplabv3_mnv2_dm05_pascal_uint8.tflite",
]


@pytest.mark.parametrize("name", FIXTURE_MODELS)
def test_fixture_model(tmp_path: Path, name: str) -> None:
    check_c(FIXTURES / name, tmp_path)


@pytest.mark.parametrize("name", SMALL_SHARED)
def test_shared_model(tmp_path: Path, name: str) -> None:
    check_c(shared_model(name), tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", LARGE_SHARED)
def test_shared_model_large(tmp_path: Path, name: str) -> None:
    check_c(shared_model(name), tmp_path, n=4)


# -- compilers, files, CLI --------------------------------------------------------------------

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c"]
STRICT_MODELS = [FIXTURES / "cnn_unfolded_bn_int8.tflite", FIXTURES / "cnn_digits_floatio.tflite"]


@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_strict_compile(tmp_path: Path, cc: str) -> None:
    """Every generated file compiles cleanly as C99 with all warnings as errors, at -O0 and -O3
    (some warnings only appear with optimisation), also in the separate-buffers variant."""
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} is not installed")
    jobs = []
    for k, model in enumerate(STRICT_MODELS + list(_misc_models(tmp_path).values())):
        files, _, _ = generate(lower(model), "model")
        work = tmp_path / f"m{k}"
        work.mkdir()
        for fname, text in files.items():
            (work / fname).write_text(text)
        jobs += [(work, model.name, src, extra) for src in ("model.c", "model_example.c")
                 for extra in (["-O0"], ["-O3", "-DTQC_SEPARATE_BUFFERS"])]
        jobs.append((work, model.name, "model_weights.c", ["-O0"]))

    def compile_one(job: tuple[Path, str, str, list[str]]) -> str:
        work, name, src, extra = job
        proc = subprocess.run([cc, *STRICT, *extra, src, "-o", "/dev/null"], cwd=work,
                              capture_output=True, text=True)
        return "" if proc.returncode == 0 else f"{name} {src} {extra}: {proc.stderr}"

    with ThreadPoolExecutor(2) as pool:
        errors = [e for e in pool.map(compile_one, jobs) if e]
    assert not errors, "\n".join(errors)


def test_makefile_builds_library_and_example(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    files, _, _ = generate(lower(FIXTURES / "mlp_digits_int8.tflite"), "mlp")
    for fname, text in files.items():
        (tmp_path / fname).write_text(text)
    proc = subprocess.run(["make"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "libmlp.a").exists()
    out = subprocess.run(["./mlp_example"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert len(out.stdout.split()) == 10


def test_model_code_has_no_malloc_stdio_or_float(tmp_path: Path) -> None:
    """NAME.c includes only its header and the runtime header; weights are const; the integer
    model's code (comments aside) has no float type."""
    files, _, _ = generate(lower(FIXTURES / "cnn_unfolded_bn_int8.tflite"), "cnn")
    code = files["cnn.c"]
    includes = [line for line in code.splitlines() if line.startswith("#include")]
    assert includes == ['#include "cnn.h"', '#include "tqc_runtime.h"']
    no_comments = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    for word in ("malloc", "printf", "stdio", "float", "double"):
        assert word not in no_comments, word
    weights = [line for line in files["cnn_weights.c"].splitlines() if "[" in line and "=" in line]
    assert weights and all(line.startswith("const ") for line in weights)
    assert "static void layer0_" in code and "S_in=" in code


@pytest.mark.parametrize("name, types", [
    ("mlperftiny_kws_dscnn_int8.tflite", {"char", "int32_t"}),
    ("armmlzoo_ds_cnn_small_int16x8.tflite", {"int16_t", "int32_t", "int64_t"})])
def test_arena_reuses_memory_without_overlap(name: str, types: set[str]) -> None:
    """Buffers whose layer lifetimes overlap never share bytes, nor do buffers accessed through
    different non-character types; the arena is smaller than the sum of the buffers (reuse
    happens)."""
    module = lower(shared_model(name))
    fn = next(iter(module.ops))
    schedule = build_schedule(fn, EXPRESSIONS.keys())  # type: ignore[arg-type]
    plan = plan_arena(schedule)
    buffers = list(plan.buffers.values())
    classes = {alias_class(b.value) for b in buffers}
    assert types <= classes
    for i, a in enumerate(buffers):
        for b in buffers[i + 1:]:
            live = a.first <= b.last and b.first <= a.last
            typed = "char" not in (alias_class(a.value), alias_class(b.value)) and \
                alias_class(a.value) != alias_class(b.value)
            if live or typed:
                assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset
    assert plan.size < sum(b.size for b in buffers)
    assert plan.size >= max(b.size for b in buffers)


def test_cli_compile_and_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = FIXTURES / "mlp_digits_uint8io.tflite"
    out = tmp_path / "out"
    assert tqc_main(["compile", str(model), "--target", "c", "-o", str(out), "--name", "mlp"]) == 0
    printed = capsys.readouterr().out
    assert "RAM (activation arena):" in printed and "ROM (weights" in printed
    for fname in ("mlp.h", "mlp.c", "mlp_weights.c", "tqc_runtime.h", "mlp_example.c", "Makefile"):
        assert (out / fname).exists(), fname
    header = (out / "mlp.h").read_text()
    assert "int mlp_invoke(const uint8_t *input0, uint8_t *output0);" in header
    for macro in ("MLP_INPUT0_SIZE 784", "MLP_OUTPUT0_SIZE 10", "MLP_ARENA_BYTES",
                  "MLP_WEIGHTS_BYTES"):
        assert f"#define {macro}" in header, macro
    x = np.random.default_rng(1).integers(0, 256, (5, 784)).astype(np.uint8)
    np.save(tmp_path / "x.npy", x)
    for target in ("c", "numpy"):
        assert tqc_main(["run", str(model), "--target", target, "--input", str(tmp_path / "x.npy"),
                         "--output", str(tmp_path / f"{target}.npy")]) == 0
    c, ref = np.load(tmp_path / "c.npy"), np.load(tmp_path / "numpy.npy")
    assert c.dtype == ref.dtype == np.uint8 and c.shape == (5, 10)
    assert np.array_equal(c, ref)


def test_unknown_op_raises_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from tqc.backends.c import printer
    from tqc.dialects import tqi

    module = lower(FIXTURES / "mlp_digits_int8.tflite")
    monkeypatch.delitem(printer.KERNELS, tqi.SoftmaxOp)
    with pytest.raises(TqcError, match="no printer for tqi.softmax"):
        generate(module, "mlp")
