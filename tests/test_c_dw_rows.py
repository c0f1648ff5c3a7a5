"""Depthwise conv with channel multiplier 1 and 8-bit input runs as `tqc_dw_row_*` (one call per
output row): its paths give the reference's bits. Channel counts pick the AVX-512 path's
variants: 2, 4, 8 (several pixels per vector with stride 1; one channel runs as a conv),
12 and 16 (a vector of up to 16 channels per pixel, the weights of up to 9 taps held in
registers, else reloaded), 24 and 40 (int8: tqc_v512_dw_wide_i8's four taps per vpdpbusd,
blocks of 64 channels with a masked tail; uint8: vectors of 16 channels, a masked tail); strides 1 and 2, dilation, SAME padding (edge pixels with taps outside the image)
and VALID, 3x3 and 5x5 windows, extreme zero points. Each model: portable, AVX-512 VNNI, AVX2
and SSE2 builds (and the sanitized SIMD builds) == NumPy backend == reference runtime (TFLM
for int8, LiteRT REF for uint8)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_c_simd import SIMD, _check_simd

from tqc.backends.c.target import generate
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model

CASES = [  # channels, kernel, stride, dilation, padding, input height x width
    (2, 3, 1, 1, "VALID", (7, 19)),
    (2, 3, 1, 1, "SAME", (5, 11)),
    (4, 5, 1, 1, "SAME", (6, 13)),
    (8, 3, 1, 1, "SAME", (9, 21)),
    (8, 3, 2, 1, "SAME", (9, 10)),
    (8, 3, 1, 2, "SAME", (8, 12)),
    (16, 3, 2, 1, "VALID", (7, 9)),
    (16, 3, 1, 1, "SAME", (6, 11)),  # up to 9 taps, up to 16 channels: weights kept in registers
    (12, 3, 1, 2, "SAME", (8, 12)),
    (16, 5, 1, 1, "SAME", (7, 8)),  # 25 taps: reloaded per pixel
    (24, 3, 1, 1, "SAME", (5, 6)),
    (40, 3, 1, 1, "SAME", (5, 7)),
    (40, 5, 2, 1, "SAME", (9, 8)),
]


def _model(tmp_path: Path, dtype: str, c: int, k: int, stride: int, dil: int, padding: str,
           hw: tuple[int, int], seed: int) -> Path:
    rng = np.random.default_rng(seed)
    lo, hi = (0, 255) if dtype == "uint8" else (-128, 127)
    h, w = hw
    span = (k - 1) * dil + 1
    if padding == "SAME":
        oh, ow = -(-h // stride), -(-w // stride)
    else:
        oh, ow = (h - span) // stride + 1, (w - span) // stride + 1
    weights = rng.integers(lo if dtype == "uint8" else -127, hi + 1, (1, k, k, c))
    sx = 0.05
    zx = [lo, hi, int(rng.integers(lo, hi + 1))][seed % 3]
    if dtype == "uint8":
        sw, zw = [0.004], [int(rng.integers(0, 256))]
    else:
        sw, zw = [float(s) for s in rng.uniform(0.0005, 0.02, c)], [0] * c
    bias = rng.integers(-20000, 20000, c).astype(np.int32)
    sy = sx * sw[0] * k * k * 30
    tensors = [
        Tensor("x", (1, h, w, c), dtype, sx, zx),
        Tensor("w", weights.shape, dtype, sw, zw, 3, weights.astype(dtype)),
        Tensor("b", (c,), "int32", [sx * s for s in sw], [0] * len(sw), 0, bias),
        Tensor("y", (1, oh, ow, c), dtype, sy, int(rng.integers(lo, hi + 1))),
    ]
    opts = {"padding": padding, "stride_h": stride, "stride_w": stride,
            "dilation_h_factor": dil, "dilation_w_factor": dil, "depth_multiplier": 1,
            "fused_activation_function": ["NONE", "RELU6"][seed % 2]}
    path = tmp_path / "dw.tflite"
    write_model(path, tensors, [Op("DEPTHWISE_CONV_2D", ["x", "w", "b"], ["y"], opts)],
                ["x"], ["y"])
    return path


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_dw_rows(tmp_path: Path, dtype: str, case: int) -> None:
    c, k, stride, dil, padding, hw = CASES[case]
    model = _model(tmp_path, dtype, c, k, stride, dil, padding, hw, seed=case)
    code = generate(lower(model), "model")[0]["model.c"]
    assert "tqc_dw_row_" in code and "tqc_dw_pixel_" not in code
    _check_simd(model, tmp_path, SIMD, reference=True)
