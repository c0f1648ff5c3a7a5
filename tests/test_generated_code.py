"""Generated code on hostile inputs: the NumPy modules raise no NumPy warning under
`np.seterr(all="raise")` (with warnings as errors), and the C code, built with ASan and UBSan,
equals them, on random and extreme inputs: integer inputs at both ends of their type, float
inputs of +-1e30, +-infinity, NaN, subnormals and -0.0 (TFLite leaves QUANTIZE of a value
outside int32 undefined; tqc saturates, NaN gives the minimum: tqc/semantics/quantize.py).

C under the sanitizers on random and all-min/all-max inputs for every shared model is
tests/test_c_backend.py (`check_c`); here the float edges get the extreme values it does not
try.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from differential import random_inputs, shared_model
from graphgen import generate as generate_graph
from test_c_backend import SMALL_SHARED as C_SMALL_SHARED

from tqc.backends.c.target import build, generate, run_program
from tqc.backends.numpy.printer import print_numpy
from tqc.backends.numpy.target import import_source
from tqc.pipeline import io_specs, lower
from tqc.tflite_writer import write_model

FIXTURES = Path(__file__).parent / "fixtures"
SANITIZE = ["-O1", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all", "-DTQC_SEPARATE_BUFFERS"]
SAN_ENV = {"ASAN_OPTIONS": "detect_leaks=0:abort_on_error=0", "UBSAN_OPTIONS": "print_stacktrace=1"}
FLOAT_EXTREMES = [1e30, -1e30, np.inf, -np.inf, np.nan, 1e-45, -0.0, 3.4e38]
SMALL_SHARED = [*C_SMALL_SHARED, "mcunet_person_detection_int8_floatio.tflite"]
FLOAT_MODELS = ["cnn_digits_floatio.tflite", "mlp_digits_floatio.tflite"]


def extreme_inputs(specs: list[tuple[tuple[int, ...], str]], n: int, seed: int) -> list[np.ndarray]:
    """n >= 4 samples: all-min, all-max, random (random_inputs), and for float inputs the
    extremes scattered over samples 2.. (one value per element, cycling)."""
    xs = random_inputs(specs, n, seed)
    rng = np.random.default_rng(seed)
    for x in xs:
        if x.dtype.kind != "f":
            continue
        x[0], x[1] = -np.inf, np.inf
        flat = x[2:].reshape(-1)
        picks = rng.integers(0, len(FLOAT_EXTREMES), flat.size // 2)
        where = rng.choice(flat.size, picks.size, replace=False)
        flat[where] = np.array(FLOAT_EXTREMES, x.dtype)[picks]
    return xs


def run_numpy_strictly(module_source: str, xs: list[np.ndarray]) -> list[np.ndarray]:
    """Run a generated NumPy module with every floating-point event an error."""
    numpy_module = import_source(module_source, "model")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            out = numpy_module.run(*xs)
    return list(out) if isinstance(out, tuple) else [out]


def _check(model: Path, tmp: Path, n: int = 6, c: bool = False) -> None:
    module = lower(model)
    xs = extreme_inputs(io_specs(module)[0], n, 0)
    np_out = run_numpy_strictly(print_numpy(module, "model"), xs)
    if not c:
        return
    files, _, program = generate(module, "model")
    exe = build(files, "model", tmp / "san", SANITIZE)
    c_out = run_program(exe, program, xs, SAN_ENV)
    for i, (a, b) in enumerate(zip(c_out, np_out)):
        assert a.dtype == b.dtype and a.shape == b.shape, i
        same = (a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a == b
        assert same.all(), f"output {i}: {np.count_nonzero(~same)} values differ"


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.tflite")))
def test_fixture_numpy_warning_free(name: str, tmp_path: Path) -> None:
    _check(FIXTURES / name, tmp_path)


@pytest.mark.parametrize("name", SMALL_SHARED)
def test_shared_numpy_warning_free(name: str, tmp_path: Path) -> None:
    _check(shared_model(name), tmp_path, n=4)


@pytest.mark.parametrize("case", range(40))
def test_random_graph_numpy_warning_free(case: int, tmp_path: Path) -> None:
    g = generate_graph(case, seed=11)
    path = tmp_path / "g.tflite"
    write_model(path, g.tensors, g.ops, g.inputs, g.outputs)
    _check(path, tmp_path, n=8)


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc) on PATH")
@pytest.mark.parametrize("name", FLOAT_MODELS)
def test_float_edges_c_sanitized_equals_numpy(name: str, tmp_path: Path) -> None:
    _check(FIXTURES / name, tmp_path, n=8, c=True)


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc) on PATH")
def test_float_edges_c_sanitized_equals_numpy_shared(tmp_path: Path) -> None:
    _check(shared_model("mlperftiny_ad_toycar_fc_autoencoder_int8_floatio.tflite"), tmp_path,
           n=8, c=True)


def test_quantize_defines_what_tflite_leaves_undefined() -> None:
    from tqc.semantics.quantize import quantize

    x = np.array([np.nan, np.inf, -np.inf, 1e30, -1e30, 2.5, -2.5, 0.0], np.float32)
    with np.errstate(all="raise"):
        q = quantize(x, 1.0, 0, np.int8)
    assert q.tolist() == [-128, 127, -128, 127, -128, 3, -3, 0]
