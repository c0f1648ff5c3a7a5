"""LOG_SOFTMAX and L2_NORMALIZATION (int8 against TFLM, uint8 against LiteRT REF), NumPy and C:
random shapes at extreme quantizations (tiny and huge input scales, zero points at the ends of
the range), rows of equal values and rows at the zero point (L2: sum of squares 0), the
refusals, and the one-line Verilog refusal (no engine yet)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model, run_backends
from test_c_backend import check_c

from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model, lower
from tqc.reference import run_reference
from tqc.tflite_writer import Op, Tensor, write_model

OUTPUT = {("LOG_SOFTMAX", "int8"): (16 / 256, 127), ("LOG_SOFTMAX", "uint8"): (16 / 256, 255),
          ("L2_NORMALIZATION", "int8"): (1 / 128, 0), ("L2_NORMALIZATION", "uint8"): (1 / 128, 128)}
RUNTIME = {"int8": "tflm", "uint8": "litert-ref"}


def _model(path: Path, opcode: str, dtype: str, shape: tuple[int, ...], scale: float, zp: int,
           output: tuple[float, int] | None = None) -> Path:
    tensors = [Tensor("x", shape, dtype, scale, zp),
               Tensor("y", shape, dtype, *(output or OUTPUT[opcode, dtype]))]
    write_model(path, tensors, [Op(opcode, ["x"], ["y"])], ["x"], ["y"])
    return path


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
@pytest.mark.parametrize("opcode", ["LOG_SOFTMAX", "L2_NORMALIZATION"])
@pytest.mark.parametrize("seed", range(3))
def test_random_shapes_and_extreme_quantization(tmp_path: Path, opcode: str, dtype: str,
                                                seed: int) -> None:
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    shape = tuple(int(v) for v in rng.integers(2, 5, int(rng.integers(1, 4))))
    shape = shape[:-1] + (int(rng.integers(1, 70)),)
    lo_exp = -7.5 if opcode == "LOG_SOFTMAX" else -6  # LOG_SOFTMAX needs S_in · 2^26 > 1
    scale = float(10 ** rng.choice([lo_exp, rng.uniform(lo_exp, 2), 2.0]))
    zp = int(rng.choice([info.min, info.max, rng.integers(info.min, info.max + 1)]))
    path = _model(tmp_path / "m.tflite", opcode, dtype, shape, scale, zp)
    assert check_model(path, 6, seed, ("numpy", "c")) == []


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
@pytest.mark.parametrize("opcode", ["LOG_SOFTMAX", "L2_NORMALIZATION"])
def test_special_rows(tmp_path: Path, opcode: str, dtype: str) -> None:
    """Rows all at the zero point, all equal, one maximum among minima, and a long row."""
    info = np.iinfo(dtype)
    zp = int(info.min) + 77
    depth = 300
    path = _model(tmp_path / "m.tflite", opcode, dtype, (4, depth), 0.3, zp)
    x = np.full((1, 4, depth), zp, dtype=dtype)
    x[0, 1] = info.max
    x[0, 2] = info.min
    x[0, 2, 5] = info.max
    x[0, 3] = np.random.default_rng(0).integers(info.min, info.max + 1, depth)
    xs = [x[0][None]]
    ref = run_reference(path, xs, runtime=RUNTIME[dtype])[0]
    outputs, refused = run_backends(path, xs, ("numpy", "c"),
                                    [np.asarray(load_numpy_model(path).run(*xs))])
    assert refused == []
    for backend, (ours,) in outputs.items():
        assert np.array_equal(ours, ref), f"{backend} differs from {RUNTIME[dtype]}"


@pytest.mark.parametrize("opcode", ["LOG_SOFTMAX", "L2_NORMALIZATION"])
def test_other_output_quantization_is_refused(tmp_path: Path, opcode: str) -> None:
    path = _model(tmp_path / "m.tflite", opcode, "int8", (2, 8), 0.1, 0, (0.05, 3))
    with pytest.raises(TqcError, match=rf"op #0 {opcode}.*output must have scale"):
        lower(path)


def test_log_softmax_tiny_input_scale_is_refused(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "LOG_SOFTMAX", "int8", (2, 8), 1e-9, 0)
    with pytest.raises(TqcError, match=r"op #0 LOG_SOFTMAX.*input scale .* too small"):
        lower(path)


def test_l2_norm_with_activation_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.tflite"
    tensors = [Tensor("x", (2, 8), "int8", 0.1, 0), Tensor("y", (2, 8), "int8", 1 / 128, 0)]
    write_model(path, tensors, [Op("L2_NORMALIZATION", ["x"], ["y"],
                                   {"fused_activation_function": "RELU"})], ["x"], ["y"])
    with pytest.raises(TqcError, match=r"L2_NORMALIZATION with a fused activation"):
        lower(path)


@pytest.mark.parametrize("opcode", ["LOG_SOFTMAX", "L2_NORMALIZATION"])
def test_int16_is_refused(tmp_path: Path, opcode: str) -> None:
    path = _model(tmp_path / "m.tflite", opcode, "int16", (2, 8), 0.001, 0, (1 / 32768, 0))
    with pytest.raises(TqcError, match=rf"op #0 {opcode}"):
        lower(path)


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
@pytest.mark.parametrize("opcode", ["LOG_SOFTMAX", "L2_NORMALIZATION"])
def test_c_sanitized(tmp_path: Path, opcode: str, dtype: str) -> None:
    """The C kernels built -O2 and with -fsanitize=address,undefined equal NumPy and the
    reference (all-minimum, all-maximum and random rows; huge input scale, zero point at the
    type's end)."""
    info = np.iinfo(dtype)
    path = _model(tmp_path / "m.tflite", opcode, dtype, (3, 2, 45), 50.0, int(info.max))
    check_c(path, tmp_path, n=6, seed=3)
