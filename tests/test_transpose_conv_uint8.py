"""TRANSPOSE_CONV uint8 x uint8 -> uint8 (legacy models; reference LiteRT BUILTIN_REF), NumPy and
C bit-exact: random shapes, strides 1-3, SAME and VALID, input / weight / output zero points at the
ends of the range and in between (weights 151), scales over decades, with and without bias, fused
activations; and the refusals (see passes/lowering/transpose_conv.py for the arithmetic)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model
from tqc.reference import choose_reference
from tqc.tflite_writer import Op, Tensor, write_model

ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
ZERO_POINTS = [(0, 0, 255), (255, 255, 0), (0, 151, 0), (255, 0, 255), (128, 151, 128)]


def uint8_transpose_conv_model(path: Path, case: int, bias: bool = True, slack: bool = False,
                               extra: int = 0, per_channel: bool = False) -> Path:
    """A random uint8 TRANSPOSE_CONV; zero points (input, weights, output) from ZERO_POINTS in
    cases 0-4, random otherwise. `slack`: the output size at the other end of the range LiteRT
    accepts (ComputeOutSize(output) must give the input size back: SAME s − 1 rows and columns
    fewer, VALID s − 1 more); `extra` rows and columns more (refused by LiteRT)."""
    rng = np.random.default_rng(4200 + case)
    h, w = (int(v) for v in rng.integers(1, 7, 2))
    c, o = (int(v) for v in rng.integers(1, 6, 2))
    fh, fw = (int(v) for v in rng.integers(1, 6, 2))
    sh, sw = (int(v) for v in rng.integers(1, 4, 2))
    padding = "SAME" if case % 2 else "VALID"
    oh, ow = (h * sh, w * sw) if padding == "SAME" else ((h - 1) * sh + fh, (w - 1) * sw + fw)
    if slack:
        sign = -1 if padding == "SAME" else 1
        oh, ow = oh + sign * (sh - 1), ow + sign * (sw - 1)
    oh, ow = oh + extra, ow + extra
    zx, zw, zy = ZERO_POINTS[case] if case < len(ZERO_POINTS) else \
        (int(v) for v in rng.integers(0, 256, 3))
    sx = float(10.0 ** rng.uniform(-5, -1))
    sw_ = float(10.0 ** rng.uniform(-4, -1))
    typical = sx * sw_ * c * 40 * 40
    so = {6: typical * 1e-3, 7: typical * 1e3, 8: sx * sw_ * 2.0**20}.get(case, typical)
    weights = rng.integers(0, 256, (o, fh, fw, c)).astype(np.uint8)
    if case == 9:  # all-extreme weights
        weights = np.where(rng.random(weights.shape) < 0.5, 0, 255).astype(np.uint8)
    w_scale: float | list[float] = [sw_] * o if per_channel else sw_
    w_zp: int | list[int] = [zw] * o if per_channel else zw
    tensors = [Tensor("shape", (4,), "int32", data=np.array([1, oh, ow, o], np.int32)),
               Tensor("w", weights.shape, "uint8", w_scale, w_zp, 0, weights),
               Tensor("x", (1, h, w, c), "uint8", sx, zx),
               Tensor("y", (1, oh, ow, o), "uint8", so, zy)]
    inputs = ["shape", "w", "x"]
    if bias:
        values = rng.integers(-(2**20), 2**20, o).astype(np.int32)
        tensors.append(Tensor("b", (o,), "int32", sx * sw_, 0, 0, values))
        inputs.append("b")
    options = {"padding": padding, "stride_h": sh, "stride_w": sw,
               "fused_activation_function": ACTS[case % 4]}
    write_model(path, tensors, [Op("TRANSPOSE_CONV", inputs, ["y"], options)], ["x"], ["y"])
    return path


@pytest.mark.parametrize("case", range(12))
def test_transpose_conv_uint8(tmp_path: Path, case: int) -> None:
    path = uint8_transpose_conv_model(tmp_path / "m.tflite", case, bias=case % 3 != 2)
    assert choose_reference(path) == "litert-ref"
    assert check_model(path, 6, case, ("numpy", "c")) == []


@pytest.mark.parametrize("case", [0, 1, 10, 11])
def test_transpose_conv_uint8_output_size_slack(tmp_path: Path, case: int) -> None:
    """Other output sizes LiteRT accepts for the same input (other padding)."""
    path = uint8_transpose_conv_model(tmp_path / "m.tflite", case, slack=True)
    assert check_model(path, 4, case, ("numpy", "c")) == []


def test_transpose_conv_uint8_output_beyond_the_input_is_refused(tmp_path: Path) -> None:
    """LiteRT's Prepare requires ComputeOutSize(padding, output, filter, stride) == input size
    (measured: 'computed_input_height != SizeOfDimension(input, 1) (7 != 6)'); TFLM does not.
    For uint8, whose reference is LiteRT, tqc refuses such a model."""
    path = uint8_transpose_conv_model(tmp_path / "m.tflite", 0, extra=3)
    with pytest.raises(TqcError, match="TRANSPOSE_CONV.*LiteRT requires"):
        load_numpy_model(path)


def test_transpose_conv_uint8_per_channel_is_refused(tmp_path: Path) -> None:
    """LiteRT refuses per-channel scales with uint8 input (PopulateConvolutionQuantization-
    Params; measured: 'input->type == kTfLiteInt8 || input->type == kTfLiteInt16 was not
    true'), even with equal scales: so does tqc (5 output channels here)."""
    path = uint8_transpose_conv_model(tmp_path / "m.tflite", 1, per_channel=True)
    with pytest.raises(TqcError, match="TRANSPOSE_CONV.*per-channel"):
        load_numpy_model(path)


@pytest.mark.slow
def test_transpose_conv_uint8_verilog(tmp_path: Path) -> None:
    """Verilator: the same lowering on the Verilog backend (zero points 255/0/255, RELU6)."""
    path = uint8_transpose_conv_model(tmp_path / "m.tflite", 3)
    assert check_model(path, 3, 3, ("verilog",)) == []
