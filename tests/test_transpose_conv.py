"""TRANSPOSE_CONV, int8 (per-channel) and int16x8, NumPy and C bit-exact against TFLM: random
shapes, strides 1-3, SAME and VALID, zero points at the ends of the range, scales over decades,
with and without bias, fused activations, int32 wrap-around of the int8 accumulator; and the
refusals (see passes/lowering/transpose_conv.py for the arithmetic)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.passes.lowering.transpose_conv import transpose_conv_padding
from tqc.pipeline import load_numpy_model
from tqc.tflite_writer import Op, Tensor, write_model

ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
CASES = range(12)


def _zero_points(rng: np.random.Generator, case: int, dtype: str) -> tuple[int, int]:
    """int8: at the ends of the range in cases 0-3, random otherwise; int16: 0 (the kernel
    ignores them; non-zero in case 5 to show it)."""
    if dtype == "int16":
        return (-3000, 200) if case == 5 else (0, 0)
    ends = [(-128, 127), (127, -128), (-128, -128), (127, 127)]
    return ends[case] if case < 4 else (int(rng.integers(-128, 128)), int(rng.integers(-128, 128)))


def transpose_conv_model(path: Path, case: int, dtype: str, bias: str | None = "default",
                         extra: int = 0) -> Path:
    """A random TRANSPOSE_CONV; `bias` None for none, "default" for the kernel's type (int32 /
    int64) or a dtype; `extra` rows and columns of output beyond the last input's reach."""
    rng = np.random.default_rng(900 + case + 100 * (dtype == "int16"))
    h, w = (int(v) for v in rng.integers(1, 7, 2))
    c, o = (int(v) for v in rng.integers(1, 6, 2))
    fh, fw = (int(v) for v in rng.integers(1, 6, 2))
    sh, sw = (int(v) for v in rng.integers(1, 4, 2))
    padding = "SAME" if case % 2 else "VALID"
    oh, ow = (h * sh, w * sw) if padding == "SAME" else ((h - 1) * sh + fh, (w - 1) * sw + fw)
    oh, ow = oh + extra, ow + extra
    sx = float(10.0 ** rng.uniform(-5, -1))
    sws = [float(10.0 ** rng.uniform(-4, -1)) for _ in range(o)]
    if case == 6:  # per-tensor weights
        sws = sws[:1]
    typical = sx * max(sws) * c * 30 * (3000 if dtype == "int16" else 1)
    so = {7: typical * 1e-3, 8: typical * 1e3, 9: sx * min(sws) * 2.0**20}.get(case, typical)
    weights = rng.integers(-127, 128, (o, fh, fw, c)).astype(np.int8)
    if case == 10:  # all-extreme weights
        weights = np.where(rng.random(weights.shape) < 0.5, -128, 127).astype(np.int8)
    zx, zy = _zero_points(rng, case, dtype)
    per = len(sws) > 1
    tensors = [Tensor("shape", (4,), "int32", data=np.array([1, oh, ow, o], np.int32)),
               Tensor("w", weights.shape, "int8", sws if per else sws[0],
                      [0] * o if per else 0, 0, weights),
               Tensor("x", (1, h, w, c), dtype, sx, zx),
               Tensor("y", (1, oh, ow, o), dtype, so, zy)]
    inputs = ["shape", "w", "x"]
    if bias is not None:
        kind = bias if bias != "default" else "int64" if dtype == "int16" else "int32"
        big = {"int16": 2**15, "int32": 2**24, "int64": 2**40}[kind]
        values = rng.integers(-big, big, o).astype(kind)
        tensors.append(Tensor("b", (o,), kind, [sx * s for s in sws] * (1 if per else o),
                              [0] * o, 0, values))
        inputs.append("b")
    options = {"padding": padding, "stride_h": sh, "stride_w": sw,
               "fused_activation_function": ACTS[case % 4]}
    write_model(path, tensors, [Op("TRANSPOSE_CONV", inputs, ["y"], options)], ["x"], ["y"])
    return path


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", ["int8", "int16"])
def test_transpose_conv(tmp_path: Path, case: int, dtype: str) -> None:
    path = transpose_conv_model(tmp_path / "m.tflite", case, dtype,
                                bias=None if case % 3 == 2 else "default")
    assert check_model(path, 6, case, ("numpy", "c")) == []


@pytest.mark.parametrize("dtype", ["int8", "int16"])
def test_transpose_conv_output_beyond_the_input(tmp_path: Path, dtype: str) -> None:
    """TFLM sizes the padding from the output tensor alone: output rows that no input reaches
    hold the bias only."""
    for case in (0, 1):
        path = transpose_conv_model(tmp_path / f"m{case}.tflite", case, dtype, extra=3)
        assert check_model(path, 4, case, ("numpy", "c")) == []


def test_transpose_conv_int16_bias(tmp_path: Path) -> None:
    """An int16 bias with int16 activations: TFLM widens it to int64."""
    path = transpose_conv_model(tmp_path / "m.tflite", 3, "int16", bias="int16")
    assert check_model(path, 4, 0, ("numpy", "c")) == []


def test_transpose_conv_int8_accumulator_wraps(tmp_path: Path) -> None:
    """A bias near INT32_MAX and positive products: the int32 accumulator wraps around in TFLM's
    scratch buffer (every value then saturates low): reproduced."""
    path = tmp_path / "m.tflite"
    weights = np.full((2, 3, 3, 4), 127, np.int8)
    bias = np.array([2**31 - 1000, -(2**31) + 5], np.int32)
    write_model(path, [Tensor("shape", (4,), "int32", data=np.array([1, 6, 6, 2], np.int32)),
                       Tensor("w", weights.shape, "int8", [0.01, 0.01], [0, 0], 0, weights),
                       Tensor("x", (1, 3, 3, 4), "int8", 0.05, -128),
                       Tensor("b", (2,), "int32", [5e-4, 5e-4], [0, 0], 0, bias),
                       Tensor("y", (1, 6, 6, 2), "int8", 1e3, 0)],
                [Op("TRANSPOSE_CONV", ["shape", "w", "x", "b"], ["y"],
                    {"padding": "SAME", "stride_h": 2, "stride_w": 2})], ["x"], ["y"])
    assert check_model(path, 6, 1, ("numpy", "c")) == []


@pytest.mark.parametrize("out_size, f, s, padding, pad", [
    (8, 3, 2, "SAME", 0), (7, 3, 2, "SAME", 1), (9, 5, 1, "SAME", 2), (6, 4, 3, "SAME", 0),
    (9, 3, 2, "VALID", 0), (10, 3, 2, "VALID", 0)])
def test_padding_as_tflm_computes_it(out_size: int, f: int, s: int, padding: str,
                                     pad: int) -> None:
    assert transpose_conv_padding(out_size, f, s, padding) == pad


def test_int16_with_int32_bias_is_refused(tmp_path: Path) -> None:
    """TFLM's int16 kernel would read an int32 bias as int64."""
    path = transpose_conv_model(tmp_path / "m.tflite", 0, "int16", bias="int32")
    with pytest.raises(TqcError, match="TRANSPOSE_CONV.*bias of type i32 .*reads it as i64"):
        load_numpy_model(path)


def test_output_shape_must_match_the_output(tmp_path: Path) -> None:
    path = tmp_path / "m.tflite"
    write_model(path, [Tensor("shape", (4,), "int32", data=np.array([1, 5, 5, 1], np.int32)),
                       Tensor("w", (1, 2, 2, 1), "int8", 0.01, 0, 0, np.ones((1, 2, 2, 1), np.int8)),
                       Tensor("x", (1, 2, 2, 1), "int8", 0.05, 0),
                       Tensor("y", (1, 4, 4, 1), "int8", 0.1, 0)],
                [Op("TRANSPOSE_CONV", ["shape", "w", "x"], ["y"],
                    {"padding": "SAME", "stride_h": 2, "stride_w": 2})], ["x"], ["y"])
    with pytest.raises(TqcError, match=r"TRANSPOSE_CONV.*output_shape \[1, 5, 5, 1\] differs"):
        load_numpy_model(path)
