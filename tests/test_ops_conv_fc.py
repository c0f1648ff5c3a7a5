"""CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB, MUL and pooling: single-op models
with random shapes and extreme quantization, bit-exact against the reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from differential import compare, conv_geometry
from tqc.tflite_writer import Op, Tensor, write_model

CASES = range(8)


def _storage(dtype: str) -> tuple[int, int]:
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def _zero_point(rng: np.random.Generator, dtype: str, case: int) -> int:
    lo, hi = _storage(dtype)
    return [lo, hi, 0][case % 3] if case < 3 else int(rng.integers(lo, hi + 1))


def _out_scale(rng: np.random.Generator, case: int, typical: float) -> float:
    """Output scales that give multipliers > 1 (case 3), tiny (case 4) or typical."""
    return {3: typical * 1e-3, 4: typical * 1e4}.get(case, typical * float(rng.uniform(0.3, 3)))


def _conv_model(tmp_path: Path, case: int, depthwise: bool, dtype: str) -> Path:
    rng = np.random.default_rng(100 + case)
    h, w = (int(v) for v in rng.integers(1, 9, 2))
    c = int(rng.integers(1, 5))
    mult = int(rng.integers(1, 3)) if depthwise else 1
    o = c * mult if depthwise else int(rng.integers(1, 6))
    kh, kw = (int(v) for v in rng.integers(1, 4, 2))
    stride = [int(v) for v in rng.integers(1, 3, 2)]
    dil = [int(v) for v in rng.integers(1, 3, 2)] if case % 2 else [1, 1]
    padding = "SAME" if case % 3 else "VALID"
    h, w, oh, ow = conv_geometry(h, w, (kh, kw), stride, dil, padding)
    sx = float(rng.uniform(0.005, 0.1))
    zx = _zero_point(rng, dtype, case)
    legacy = dtype == "uint8"
    if legacy:
        sw: list[float] = [float(rng.uniform(0.001, 0.05))]
        zw: list[int] = [151 if case % 2 else int(rng.integers(0, 256))]
        weights = rng.integers(0, 256, (1 if depthwise else o, kh, kw, o if depthwise else c))
    else:
        sw = [float(s) for s in rng.uniform(0.0005, 0.05, o)]
        zw = [0] * o
        weights = rng.integers(-127, 128, (1 if depthwise else o, kh, kw, o if depthwise else c))
    bias = rng.integers(-5000, 5000, o).astype(np.int32)
    acc_scale = sx * sw[0] * kh * kw * max(c, 1) * 40
    sy = _out_scale(rng, case, acc_scale)
    zy = _zero_point(rng, dtype, case + 1)
    act = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"][case % 4]
    opts = {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
            "dilation_h_factor": dil[0], "dilation_w_factor": dil[1],
            "fused_activation_function": act}
    if depthwise:
        opts["depth_multiplier"] = mult
    tensors = [
        Tensor("x", (1, h, w, c), dtype, sx, zx),
        Tensor("w", weights.shape, dtype, sw, zw, 3 if depthwise else 0,
               weights.astype(dtype)),
        Tensor("b", (o,), "int32", [sx * s for s in sw], [0] * len(sw), 0, bias),
        Tensor("y", (1, oh, ow, o), dtype, sy, zy),
    ]
    path = tmp_path / "conv.tflite"
    opcode = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
    write_model(path, tensors, [Op(opcode, ["x", "w", "b"], ["y"], opts)], ["x"], ["y"])
    return path


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("depthwise", [False, True], ids=["conv", "depthwise"])
def test_conv_int8(tmp_path: Path, case: int, depthwise: bool) -> None:
    assert compare(_conv_model(tmp_path, case, depthwise, "int8"), n=6) == "tflm"


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("depthwise", [False, True], ids=["conv", "depthwise"])
def test_conv_uint8(tmp_path: Path, case: int, depthwise: bool) -> None:
    assert compare(_conv_model(tmp_path, case, depthwise, "uint8"), n=6) == "litert-ref"


def _fc_model(tmp_path: Path, case: int, dtype: str) -> Path:
    rng = np.random.default_rng(200 + case)
    rows = 1
    k, units = int(rng.integers(1, 40)), int(rng.integers(1, 20))
    sx = float(rng.uniform(0.005, 0.1))
    zx = _zero_point(rng, dtype, case)
    lo, hi = (0, 255) if dtype == "uint8" else (-127, 127)
    w = rng.integers(lo, hi + 1, (units, k)).astype(dtype)
    sw = float(rng.uniform(0.001, 0.05))
    zw = 151 if dtype == "uint8" else 0
    bias = rng.integers(-5000, 5000, units).astype(np.int32)
    sy = _out_scale(rng, case, sx * sw * k * 40)
    zy = _zero_point(rng, dtype, case + 2)
    act = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"][case % 4]
    tensors = [
        Tensor("x", (rows, k), dtype, sx, zx),
        Tensor("w", (units, k), dtype, sw, zw, 0, w),
        Tensor("b", (units,), "int32", sx * sw, 0, 0, bias),
        Tensor("y", (rows, units), dtype, sy, zy),
    ]
    path = tmp_path / "fc.tflite"
    op = Op("FULLY_CONNECTED", ["x", "w", "b"], ["y"], {"fused_activation_function": act})
    write_model(path, tensors, [op], ["x"], ["y"])
    return path


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_fully_connected(tmp_path: Path, case: int, dtype: str) -> None:
    compare(_fc_model(tmp_path, case, dtype), n=6)


def _binary_model(tmp_path: Path, case: int, opcode: str, dtype: str) -> Path:
    rng = np.random.default_rng(300 + case)
    shape = tuple(int(v) for v in rng.integers(1, 5, 3))
    other = tuple(1 if rng.random() < 0.4 else d for d in shape)  # broadcasting
    s1, s2 = (float(v) for v in rng.uniform(0.002, 0.2, 2))
    if case == 5:
        s2 = s1 * 300  # very different input scales
    z1, z2 = _zero_point(rng, dtype, case), _zero_point(rng, dtype, case + 1)
    typical = s1 * s2 * 100 if opcode == "MUL" else max(s1, s2) * 2
    sy = _out_scale(rng, case, typical)
    zy = _zero_point(rng, dtype, case + 2)
    act = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"][case % 4]
    tensors = [Tensor("a", (1, *shape), dtype, s1, z1), Tensor("b", (1, *other), dtype, s2, z2),
               Tensor("y", (1, *shape), dtype, sy, zy)]
    path = tmp_path / "bin.tflite"
    write_model(path, tensors, [Op(opcode, ["a", "b"], ["y"], {"fused_activation_function": act})],
                ["a", "b"], ["y"])
    return path


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("opcode", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_binary(tmp_path: Path, case: int, opcode: str, dtype: str) -> None:
    compare(_binary_model(tmp_path, case, opcode, dtype), n=6)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("opcode", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_pool(tmp_path: Path, case: int, opcode: str, dtype: str) -> None:
    rng = np.random.default_rng(400 + case)
    h, w, c = (int(v) for v in rng.integers(1, 10, 3))
    fh, fw = (int(v) for v in rng.integers(1, 4, 2))
    sh, sw = (int(v) for v in rng.integers(1, 3, 2))
    padding = "SAME" if case % 2 else "VALID"
    h, w = max(h, fh), max(w, fw)
    oh = -(-h // sh) if padding == "SAME" else (h - fh) // sh + 1
    ow = -(-w // sw) if padding == "SAME" else (w - fw) // sw + 1
    s, z = float(rng.uniform(0.01, 0.1)), _zero_point(rng, dtype, case)
    act = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"][case % 4]
    tensors = [Tensor("x", (1, h, w, c), dtype, s, z), Tensor("y", (1, oh, ow, c), dtype, s, z)]
    opts = {"padding": padding, "stride_h": sh, "stride_w": sw, "filter_height": fh,
            "filter_width": fw, "fused_activation_function": act}
    path = tmp_path / "pool.tflite"
    write_model(path, tensors, [Op(opcode, ["x"], ["y"], opts)], ["x"], ["y"])
    compare(path, n=6)
