"""A DEPTHWISE_CONV_2D of one input channel runs in C as a conv (`schedule.depthwise_as_conv`:
patch and packed matrix product, filter transposed and packed at compile time): bit-exact against the reference
and the NumPy backend over kernel sizes, strides, dilations, paddings, channel multipliers, zero
points at the ends of the type and multipliers > 1 or tiny; the generated C really takes that
path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from differential import conv_geometry
from test_c_backend import check_c
from test_ops_conv_fc import _out_scale, _zero_point

from tqc.backends.c.target import generate
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model

CASES = [("int8", case) for case in range(8)] + [("uint8", case) for case in range(4)]


def depthwise_one_channel(path: Path, case: int, dtype: str) -> Path:
    """A depthwise conv of one input channel; the case picks shape, stride, dilation, padding,
    zero points and activation (as tests/test_ops_conv_fc.py's builder does)."""
    rng = np.random.default_rng(700 + case)
    mult = [1, 8, 3, 17, 4, 64, 5, 9][case]
    kh, kw = [(10, 8), (3, 3), (1, 1), (4, 2), (2, 5), (3, 1), (1, 4), (5, 5)][case]
    stride = [int(v) for v in rng.integers(1, 3, 2)]
    dil = [int(v) for v in rng.integers(1, 3, 2)] if case % 2 else [1, 1]
    padding = "SAME" if case % 3 else "VALID"
    h, w = int(rng.integers(kh * dil[0], 20)), int(rng.integers(kw * dil[1], 20))
    h, w, oh, ow = conv_geometry(h, w, (kh, kw), stride, dil, padding)
    sx = float(rng.uniform(0.005, 0.1))
    zx = _zero_point(rng, dtype, case)
    if dtype == "uint8":
        sw = [float(rng.uniform(0.001, 0.05))]
        zw = [151 if case % 2 else int(rng.integers(0, 256))]
        weights = rng.integers(0, 256, (1, kh, kw, mult))
    else:
        sw = [float(s) for s in rng.uniform(0.0005, 0.05, mult)]
        zw = [0] * mult
        weights = rng.integers(-127, 128, (1, kh, kw, mult))
    if case == 2:
        weights[...] = 127 if dtype == "int8" else 255
    bias = rng.integers(-5000, 5000, mult).astype(np.int32)
    sy = _out_scale(rng, case, sx * sw[0] * kh * kw * 40)
    zy = _zero_point(rng, dtype, case + 1)
    opts = {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
            "dilation_h_factor": dil[0], "dilation_w_factor": dil[1], "depth_multiplier": mult,
            "fused_activation_function": ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"][case % 4]}
    tensors = [
        Tensor("x", (1, h, w, 1), dtype, sx, zx),
        Tensor("w", weights.shape, dtype, sw, zw, 3, weights.astype(dtype)),
        Tensor("b", (mult,), "int32", [sx * s for s in sw], [0] * len(sw), 0, bias),
        Tensor("y", (1, oh, ow, mult), dtype, sy, zy),
    ]
    write_model(path, tensors, [Op("DEPTHWISE_CONV_2D", ["x", "w", "b"], ["y"], opts)], ["x"],
                ["y"])
    return path


@pytest.mark.parametrize("dtype, case", CASES)
def test_depthwise_one_channel_as_conv(tmp_path: Path, dtype: str, case: int) -> None:
    model = depthwise_one_channel(tmp_path / "dw1.tflite", case, dtype)
    files, _, _ = generate(lower(model), "model")
    code = files["model.c"]
    assert ("tqc_pconv_" in code or "tqc_pgemm_" in code) and "tqc_dw_pixel" not in code
    check_c(model, tmp_path)
