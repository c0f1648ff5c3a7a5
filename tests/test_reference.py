"""tqc.reference: the oracles run real models in a child process; failures become ReferenceError."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tqc.reference import (ReferenceError, choose_reference, model_info, run_reference,
                           run_reference_intermediates, run_reference_with_runtime)
from tqc.tflite_writer import Op, Tensor, write_model

MODELS = Path(__file__).parents[2] / "shared" / "models"
needs_models = pytest.mark.skipif(not MODELS.is_dir(), reason=f"shared models not found at {MODELS}")
RNG = np.random.default_rng(7)


def rand(shape: tuple[int, ...], dtype: str = "int8") -> np.ndarray:
    info = np.iinfo(dtype)
    return RNG.integers(info.min, info.max, shape, endpoint=True).astype(dtype)


@needs_models
def test_shared_model_batches_match_single_samples() -> None:
    m = MODELS / "mlperftiny_kws_dscnn_int8.tflite"
    x = rand((3, 49, 10, 1))
    (y,), rt = run_reference_with_runtime(m, [x])
    assert rt == "tflm" and y.shape == (3, 12) and y.dtype == np.int8
    for i in range(3):
        np.testing.assert_array_equal(run_reference(m, [x[i:i + 1]], "tflm")[0][0], y[i])
    np.testing.assert_array_equal(run_reference(m, [x], "litert-ref")[0], y)  # README: TFLM == REF here


@needs_models
def test_auto_policy_on_shared_models() -> None:
    assert choose_reference(MODELS / "coral_mobilenet_v1_025_128_uint8.tflite") == "litert-ref"
    assert model_info(MODELS / "coral_split_concat_uint8.tflite").legacy_uint8
    uint8io = model_info(MODELS / "coral_tf2_mobilenet_v2_100_224_ptq_int8_uint8io.tflite")
    assert not uint8io.legacy_uint8 and uint8io.inputs[0].dtype == np.uint8  # uint8 only at I/O QUANTIZE
    assert choose_reference(MODELS / "tflm_hello_world_sine_int8.tflite") == "tflm"


@needs_models
def test_legacy_uint8_multi_io_model() -> None:
    m = MODELS / "coral_split_concat_uint8.tflite"
    xs = [rand((2, 8, 8, c), "uint8") for c in (3, 1, 2)]
    ys, rt = run_reference_with_runtime(m, xs)
    assert rt == "litert-ref" and len(ys) == 5 and all(y.shape[0] == 2 and y.dtype == np.uint8 for y in ys)
    with pytest.raises(ReferenceError):
        run_reference(m, xs, "tflm")  # TFLM refuses legacy uint8 kernels


@needs_models
def test_litert_refuses_person_detect_tflm_runs_it() -> None:
    m = MODELS / "tflm_person_detect_mobilenetv1_int8.tflite"
    x = rand((2, 96, 96, 1))
    assert run_reference(m, [x])[0].shape == (2, 2)
    with pytest.raises(ReferenceError, match="quantized_dimension"):
        run_reference(m, [x], "litert-ref")


@needs_models
def test_intermediates() -> None:
    m = MODELS / "tflm_micro_speech_int8.tflite"
    x = rand((1, 1960))
    ts = run_reference_intermediates(m, [x])
    info = model_info(m)
    assert len(ts) > 5
    out = run_reference(m, [x], "litert-ref")[0]
    matches = [k for k, v in ts.items() if v.shape == (1,) + info.outputs[0].shape[1:] and np.array_equal(v, out)]
    assert matches  # the output tensor is among the intermediates


def _relu_model(tmp_path: Path, shape: tuple[int, ...] = (1, 4), dtype: str = "int8") -> Path:
    p = tmp_path / "relu.tflite"
    write_model(p, [Tensor("x", shape, dtype, 0.1, 0), Tensor("y", shape, dtype, 0.1, 0)],
                [Op("RELU", ["x"], ["y"])], ["x"], ["y"])
    return p


def test_crash_in_child_becomes_reference_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = _relu_model(tmp_path)
    monkeypatch.setenv("TQC_REFERENCE_WORKER_SELFTEST", "abort")
    with pytest.raises(ReferenceError, match="signal"):
        run_reference(p, [np.zeros((1, 4), np.int8)], "tflm")


def test_runtime_refusal_and_garbage_model(tmp_path: Path) -> None:
    p = tmp_path / "dw_uint8.tflite"  # TFLM has no uint8 DEPTHWISE_CONV_2D (it segfaults or refuses)
    write_model(p, [Tensor("x", (1, 4, 4, 2), "uint8", 0.1, 128),
                    Tensor("w", (1, 3, 3, 2), "uint8", 0.1, 128, data=np.full((1, 3, 3, 2), 130)),
                    Tensor("b", (2,), "int32", 0.01, 0, data=np.array([5, -5])),
                    Tensor("y", (1, 2, 2, 2), "uint8", 0.1, 128)],
                [Op("DEPTHWISE_CONV_2D", ["x", "w", "b"], ["y"], {"padding": "VALID"})], ["x"], ["y"])
    x = rand((1, 4, 4, 2), "uint8")
    with pytest.raises(ReferenceError):
        run_reference(p, [x], "tflm")
    assert run_reference(p, [x])[0].shape == (1, 2, 2, 2)  # auto -> litert-ref
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(_relu_model(tmp_path).read_bytes()[:40])
    with pytest.raises(ReferenceError, match="not a .tflite"):
        run_reference(bad, [np.zeros((1, 4), np.int8)], "litert-ref")


def test_input_validation_and_non_unit_batch(tmp_path: Path) -> None:
    p = _relu_model(tmp_path)
    with pytest.raises(ValueError):
        run_reference(p, [np.zeros((2, 5), np.int8)])
    with pytest.raises(ValueError):
        run_reference(p, [np.full((1, 4), 300)])  # does not fit int8
    ys = run_reference(p, [np.array([[-3, 4, 0, 127]])])  # int64 values that fit are cast
    np.testing.assert_array_equal(ys[0], [[0, 4, 0, 127]])
    p3 = _relu_model(tmp_path, (3, 4))  # first dim != 1: a sample axis is prepended
    x = rand((2, 3, 4))
    for rt in ("tflm", "litert-ref"):
        (y,) = run_reference(p3, [x], rt)
        np.testing.assert_array_equal(y, np.maximum(x, 0))


def test_comparison_runtimes_and_timeout(tmp_path: Path) -> None:
    p = _relu_model(tmp_path, (1, 16), "int16")
    x = rand((4, 16), "int16")
    for rt in ("tflm", "litert-ref", "litert-builtin", "litert-xnnpack"):
        np.testing.assert_array_equal(run_reference(p, [x], rt)[0], np.maximum(x, 0))
    with pytest.raises(ReferenceError, match="timed out"):
        run_reference(p, [x], "tflm", timeout=0.001)
    with pytest.raises(ValueError):
        run_reference(p, [x], "nope")  # type: ignore[arg-type]
