"""The generated C is well-defined: every test model, built at -O0, -O2 and -O3 with gcc and with
clang, gives the NumPy backend's bits. Optimizers exploit undefined behaviour (and have bugs)
differently at each level; gcc 12 at -O2 once dropped whole layers of a detector (the calls of
layer functions it had merged and specialised on the arena's address: see "Well-defined C" in
docs/c_backend.md). `detector_like` rebuilds that graph's shape; it failed at gcc -O2 before.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from backends_check import unsupported
from detector_like import write_detector_like
from differential import shared_model
from test_c_backend import _assert_same, _inputs
from tqc.backends.c.target import build, generate, run_program
from tqc.backends.numpy.printer import print_numpy
from tqc.backends.numpy.target import import_source
from tqc.errors import TqcError
from tqc.pipeline import io_specs, lower
from tqc.tqm import model_path

TESTS = Path(__file__).parent
LEVELS = ["-O0", "-O2", "-O3"]
COMPILERS = ["gcc", "clang"]
LOCAL = (sorted((TESTS / "fixtures").glob("*.tflite"))
         + sorted((TESTS / "filecheck" / "backends" / "c" / "Inputs").glob("*.tqm"))
         + sorted((TESTS / "regressions").glob("*.tqm")))
SHARED = ["tflm_hello_world_sine_int8.tflite", "mlperftiny_kws_dscnn_int8.tflite",
          "mlperftiny_ad_toycar_fc_autoencoder_int8_floatio.tflite"]
SHARED_SLOW = ["mlperftiny_ic_resnet8_cifar10_int8.tflite", "tflm_micro_speech_int8.tflite",
               "mlperftiny_sww_streaming_wakeword_int8.tflite"]


def check_builds(model: Path, tmp: Path, cc: str, flag_sets: list[list[str]], n: int = 3) -> None:
    """The model's C built with `cc` and each of `flag_sets` == the NumPy backend on n samples."""
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} is not installed")
    module = lower(model)
    try:
        files, _, program = generate(module, "model")
    except TqcError as e:
        if unsupported(e):
            pytest.skip(f"the C backend does not support {model.name}: {e}")
        raise
    xs = _inputs(io_specs(module)[0], n, 0)
    for x in xs:  # int32 / int64 inputs are indices (GATHER's token ids): keep them in range
        if x.dtype in (np.int32, np.int64):
            x[...] = np.abs(x % 2)
    expected = import_source(print_numpy(module, "model"), "model").run(*xs)
    expected = list(expected) if isinstance(expected, tuple) else [expected]
    with ThreadPoolExecutor(2) as pool:
        exes = [(flags, pool.submit(build, files, "model", tmp / f"b{k}", flags, cc))
                for k, flags in enumerate(flag_sets)]
        for flags, exe in exes:
            _assert_same(f"{model.name}: {cc} {' '.join(flags)} vs NumPy",
                         run_program(exe.result(), program, xs), [np.asarray(a) for a in expected])


@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("model", LOCAL, ids=[f"{p.parent.name}/{p.name}" for p in LOCAL])
def test_local_model(tmp_path: Path, model: Path, cc: str) -> None:
    check_builds(model_path(model), tmp_path, cc, [[level] for level in LEVELS])


@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("name", SHARED)
def test_shared_model(tmp_path: Path, name: str, cc: str) -> None:
    check_builds(shared_model(name), tmp_path, cc, [[level] for level in LEVELS])


@pytest.mark.slow
@pytest.mark.parametrize("cc", COMPILERS)
@pytest.mark.parametrize("name", SHARED_SLOW)
def test_shared_model_slow(tmp_path: Path, name: str, cc: str) -> None:
    check_builds(shared_model(name), tmp_path, cc, [[level] for level in LEVELS])


@pytest.mark.parametrize("cc", COMPILERS)
def test_detector_like(tmp_path: Path, cc: str) -> None:
    """The detector-shaped graph (about 110 ops), also with link-time optimisation."""
    model = write_detector_like(tmp_path / "detector_like.tflite")
    flag_sets = [[level] for level in LEVELS] + [["-O2", "-flto", "-fstrict-aliasing"]]
    check_builds(model, tmp_path, cc, flag_sets)
