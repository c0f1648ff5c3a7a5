"""Dynamic-batch exports: a Keras `Flatten` converted with a dynamic batch becomes
SHAPE -> STRIDED_SLICE -> PACK([batch, -1]) -> RESHAPE whose stored output shape is a placeholder
([1, 1]) and whose shape_signature is [1, -1]. TFLM refuses such a model; LiteRT resolves the
shape at run time (the reference here). tqc folds the shape computation at import."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from backends_check import check_model

from tqc.pipeline import lower
from tqc.reference import ReferenceError, run_reference_with_runtime
from tqc.tflite_writer import Op, Tensor, write_model


def _flatten_model(path: Path, h: int = 9, w: int = 15, c: int = 6, units: int = 10) -> Path:
    rng = np.random.default_rng(0)
    k = h * w * c
    tensors = [
        Tensor("x", (1, h, w, c), "int8", 0.05, -3, shape_signature=(-1, h, w, c)),
        Tensor("shape", (4,), "int32"),
        Tensor("begin", (1,), "int32", data=np.array([0], np.int32)),
        Tensor("end", (1,), "int32", data=np.array([1], np.int32)),
        Tensor("strides", (1,), "int32", data=np.array([1], np.int32)),
        Tensor("batch", (), "int32"),
        Tensor("minus_one", (), "int32", data=np.array(-1, np.int32)),
        Tensor("new_shape", (2,), "int32"),
        Tensor("flat", (1, 1), "int8", 0.05, -3, shape_signature=(1, -1)),
        Tensor("w", (units, k), "int8", 0.004, 0, data=rng.integers(-127, 128, (units, k)).astype(np.int8)),
        Tensor("b", (units,), "int32", 0.05 * 0.004, 0, data=rng.integers(-500, 500, units).astype(np.int32)),
        Tensor("y", (1, units), "int8", 0.3, 5, shape_signature=(-1, units)),
    ]
    ops = [
        Op("SHAPE", ["x"], ["shape"], {"out_type": "INT32"}),
        Op("STRIDED_SLICE", ["shape", "begin", "end", "strides"], ["batch"], {"shrink_axis_mask": 1}),
        Op("PACK", ["batch", "minus_one"], ["new_shape"], {"values_count": 2, "axis": 0}),
        Op("RESHAPE", ["x", "new_shape"], ["flat"]),
        Op("FULLY_CONNECTED", ["flat", "w", "b"], ["y"]),
    ]
    write_model(path, tensors, ops, ["x"], ["y"])
    return path


def test_flatten_with_dynamic_batch_is_exact(tmp_path: Path) -> None:
    p = _flatten_model(tmp_path / "flatten.tflite")
    assert check_model(p, 6, 0, ("numpy", "c")) == []
    _, runtime = run_reference_with_runtime(p, [np.zeros((1, 9, 15, 6), np.int8)])
    assert runtime == "litert-ref"  # TFLM refuses the placeholder shape


def test_resolved_shape_is_in_the_ir(tmp_path: Path) -> None:
    text = str(lower(_flatten_model(tmp_path / "flatten.tflite", 2, 3, 4, 5)))
    assert "tensor<1x24xi8>" in text and "tensor<1x1xi8>" not in text


def test_reference_refusal_is_what_the_test_relies_on(tmp_path: Path) -> None:
    """TFLM itself cannot run the model (so the fallback above is needed)."""
    p = _flatten_model(tmp_path / "flatten.tflite")
    try:
        run_reference_with_runtime(p, [np.zeros((1, 9, 15, 6), np.int8)], "tflm")
    except ReferenceError:
        return
    raise AssertionError("TFLM ran the dynamic-batch model; the test's premise changed")
