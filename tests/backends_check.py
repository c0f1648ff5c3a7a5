"""Run one .tflite through tqc's backends and the reference runtime and compare bit for bit.

Shared by the property tests (tests/test_properties.py) and the regression runner
(tests/test_regressions.py). The NumPy backend always runs; "c" and "verilog" run when asked.
A backend that refuses the model (a TqcError that is not "internal") is skipped and named in the
returned list; any other error and any difference fails.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from differential import random_inputs
from tqc.errors import TqcError
from tqc.pipeline import identifier, load_numpy_model, lower
from tqc.reference import run_reference_with_runtime
from tqc.targets import TargetOptions, get_target


FAILURES = ("failed", "internal", "timed out", "unexpected")


def unsupported(e: TqcError) -> bool:
    """A backend's refusal of a model it cannot build (a limitation, not a wrong result), as
    opposed to a build or run that failed."""
    return not any(word in str(e) for word in FAILURES)


def run_backends(path: Path, xs: list[np.ndarray], backends: Sequence[str],
                 numpy_outputs: list[np.ndarray]) -> tuple[dict[str, list[np.ndarray]],
                                                           list[tuple[str, TqcError]]]:
    """The outputs of every backend in `backends` on `xs` (NumPy's already computed), and the
    backends that refused the model as unsupported; any other error fails."""
    outputs = {"numpy": numpy_outputs}
    refused: list[tuple[str, TqcError]] = []
    for name in backends:
        if name == "numpy":
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                result = get_target(name).run(lower(path), identifier(path.stem), xs, TargetOptions())
        except TqcError as e:
            if unsupported(e):
                refused.append((name, e))
                continue
            raise AssertionError(f"{name} backend failed: {e}") from None
        outputs[name] = [np.asarray(o) for o in result.outputs]
    return outputs, refused


def check_model(path: Path, n: int, seed: int, backends: Sequence[str] = ("numpy",)) -> list[str]:
    """Assert every backend in `backends` equals the reference on `n` inputs drawn with `seed`
    (differential.random_inputs: the first two samples all-minimum and all-maximum). Returns the
    backends skipped as not supporting the model."""
    module = load_numpy_model(path)
    xs = random_inputs(module.INPUTS, n, seed)
    ref, runtime = run_reference_with_runtime(path, xs)
    outputs, refused = run_backends(path, xs, backends, _as_list(module.run(*xs)))
    skipped = [f"{name}: {e}" for name, e in refused]
    for name, ours in outputs.items():
        assert len(ours) == len(ref), f"{name}: {len(ours)} outputs, reference {len(ref)}"
        for i, (a, b) in enumerate(zip(ours, ref)):
            a = np.asarray(a)
            assert a.dtype == b.dtype, f"{name} output {i}: dtype {a.dtype} vs {runtime} {b.dtype}"
            assert a.shape == b.shape, f"{name} output {i}: shape {a.shape} vs {runtime} {b.shape}"
            diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
            if diff.any():
                where = np.argwhere(diff)[0]
                raise AssertionError(
                    f"{name} output {i} differs from {runtime}: max {diff.max()} on "
                    f"{np.count_nonzero(diff)}/{diff.size} values; first at {tuple(where)}: "
                    f"{a[tuple(where)]} vs {b[tuple(where)]}")
    return skipped


def _as_list(out: object) -> list[np.ndarray]:
    return list(out) if isinstance(out, (tuple, list)) else [out]  # type: ignore[list-item]
