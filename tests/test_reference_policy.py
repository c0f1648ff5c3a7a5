"""The `auto` reference policy's table of known TFLM kernel bugs (tqc.reference.TFLM_KERNEL_BUGS):
each entry's model runs in TFLM with wrong results, `auto` picks LiteRT REF for it, and tqc
matches LiteRT REF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from backends_check import check_model

from tqc.pipeline import load_numpy_model
from tqc.reference import (
    TFLM_KERNEL_BUGS,
    choose_reference,
    model_info,
    run_reference,
    run_reference_with_runtime,
)
from tqc.tflite_writer import Op, Tensor, write_model


def _greater(path: Path, kind: str) -> Path:
    tensors = [Tensor("a", (1, 64), kind, 0.001, 3), Tensor("b", (1, 64), kind, 0.002, -5),
               Tensor("k", (1, 64), "bool")]
    write_model(path, tensors, [Op("GREATER", ["a", "b"], ["k"])], ["a", "b"], ["k"])
    return path


def _inputs(kind: str) -> list[np.ndarray]:
    info = np.iinfo(kind)
    rng = np.random.default_rng(0)
    return [rng.integers(info.min, info.max + 1, (4, 64)).astype(kind) for _ in range(2)]


def test_tflm_greater_int16_is_wrong_and_litert_ref_is_the_reference(tmp_path: Path) -> None:
    path = _greater(tmp_path / "greater.tflite", "int16")
    xs = _inputs("int16")
    tflm = run_reference(path, xs, runtime="tflm")[0]
    litert = run_reference(path, xs, runtime="litert-ref")[0]
    # TFLM runs, and every output is false (multipliers its Prepare never set: all inputs map
    # to 0); LiteRT REF compares the stored values.
    assert not tflm.any()
    assert np.array_equal(litert, xs[0] > xs[1]) and litert.sum() > 100
    assert model_info(path).tflm_bug == TFLM_KERNEL_BUGS[(61, "int16")]
    assert choose_reference(path) == "litert-ref"
    ref, runtime = run_reference_with_runtime(path, xs)
    assert runtime == "litert-ref" and np.array_equal(ref[0], litert)
    assert np.array_equal(np.asarray(load_numpy_model(path).run(*xs)), litert)
    assert check_model(path, 8, 1, ("numpy", "c")) == []


def test_greater_int8_keeps_tflm(tmp_path: Path) -> None:
    """The table is keyed by type: int8 GREATER is TFLM's and correct."""
    path = _greater(tmp_path / "greater.tflite", "int8")
    assert model_info(path).tflm_bug is None
    assert choose_reference(path) == "tflm"
    _, runtime = run_reference_with_runtime(path, _inputs("int8"))
    assert runtime == "tflm"
