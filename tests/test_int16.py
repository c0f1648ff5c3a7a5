"""int16 activations (16x8 quantization): single-op models with random shapes and extreme
parameters, and the shared ds_cnn int16x8 model, bit-exact against TFLM.

What is measured here (see passes/lowering/conv.py for the arithmetic): CONV_2D,
DEPTHWISE_CONV_2D and FULLY_CONNECTED with int64 accumulators and the int64
MultiplyByQuantizedMultiplier (16-bit multiplier, one rounding), their int32-bias variants, ADD /
SUB (left shift 15), MUL, AVERAGE_POOL_2D / MAX_POOL_2D, QUANTIZE to and from int16, RELU family,
MAXIMUM / MINIMUM, LOGISTIC / TANH / LEAKY_RELU (65536-entry tables) and the data movement ops;
and the refusals of everything else.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backends_check import check_model
from differential import compare, conv_geometry, random_inputs, shared_model
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model
from tqc.reference import ReferenceError, run_reference
from tqc.tflite_writer import Op, Tensor, write_model

CASES = range(10)
ACTS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]


def _inputs(path: Path, n: int, seed: int) -> list[np.ndarray]:
    """Uniform over the whole int16 range (the first two samples all-min and all-max), then
    narrower normal samples, so that outputs are not all saturated."""
    module = load_numpy_model(path)
    xs = random_inputs(module.INPUTS, n, seed)
    rng = np.random.default_rng(seed + 1)
    for x in xs:
        if x.dtype != np.int16:
            continue
        for i in range(2, n):
            sigma = [30000, 3000, 300, 30][i % 4]
            x[i] = rng.normal(0, sigma, x.shape[1:]).clip(-32768, 32767).astype(np.int16)
    return xs


def _check(path: Path, n: int = 8, seed: int = 0) -> None:
    assert compare(path, inputs=_inputs(path, n, seed), runtime="tflm") == "tflm"


# ---- CONV_2D / DEPTHWISE_CONV_2D ------------------------------------------------------------

def _output_scale(rng: np.random.Generator, case: int, sx: float, sw: list[float],
                  typical: float) -> float:
    """S_out for multipliers M[c] = S_in·S_w[c]/S_out: typical (any case not listed); the largest
    allowed, just below 128 (shift 7); small; the smallest kept (shift −31) up to ~100× that;
    all flushed to zero (M < 2^−32); M[0] an exact power of two."""
    return {3: sx * max(sw) / 127.0, 4: typical * 2e4, 5: sx * min(sw) / 2.0**-31.9,
            6: sx * max(sw) / 2.0**-33, 7: sx * sw[0] / 2.0**-10,
            }.get(case, typical * float(rng.uniform(0.3, 3)))


def conv_model(path: Path, case: int, depthwise: bool, bias: str = "int64",
               zero_points: tuple[int, int, int] = (0, 0, 0)) -> Path:
    """A random 16x8 CONV_2D / DEPTHWISE_CONV_2D; `bias` is int64, int32 or none."""
    rng = np.random.default_rng(500 + case + 50 * depthwise)
    h, w = (int(v) for v in rng.integers(1, 10, 2))
    c = int(rng.integers(1, 6))
    mult = int(rng.integers(1, 3)) if depthwise else 1
    o = c * mult if depthwise else int(rng.integers(1, 7))
    kh, kw = (int(v) for v in rng.integers(1, 4, 2))
    stride = [int(v) for v in rng.integers(1, 3, 2)]
    dil = [int(v) for v in rng.integers(1, 3, 2)] if case % 2 else [1, 1]
    padding = "SAME" if case % 3 else "VALID"
    h, w, oh, ow = conv_geometry(h, w, (kh, kw), stride, dil, padding)
    sx = float(rng.uniform(1e-4, 0.01))
    sw = [float(s) for s in rng.uniform(0.0005, 0.05, o)]
    weights = rng.integers(-127, 128, (1 if depthwise else o, kh, kw, o if depthwise else c))
    if case == 8:  # all-extreme weights and a huge bias (accumulator near 2^45)
        weights = np.where(rng.random(weights.shape) < 0.5, -127, 127)
    big = 2**45 if case == 8 else 2**24
    bias_values = rng.integers(-big, big, o)
    acc_scale = sx * sw[0] * kh * kw * c * 3000
    sy = _output_scale(rng, case, sx, sw, acc_scale)
    act = ACTS[case % 4]
    opts = {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
            "dilation_h_factor": dil[0], "dilation_w_factor": dil[1],
            "fused_activation_function": act}
    if depthwise:
        opts["depth_multiplier"] = mult
    zx, zw, zy = zero_points
    tensors = [
        Tensor("x", (1, h, w, c), "int16", sx, zx),
        Tensor("w", weights.shape, "int8", sw, [zw] * o, 3 if depthwise else 0,
               weights.astype(np.int8)),
        Tensor("y", (1, oh, ow, o), "int16", sy, zy),
    ]
    inputs = ["x", "w"]
    if bias != "none":
        values = bias_values if bias == "int64" else (bias_values >> 10).astype(np.int32)
        tensors.append(Tensor("b", (o,), bias, [sx * s for s in sw], [0] * o, 0, values))
        inputs.append("b")
    opcode = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
    write_model(path, tensors, [Op(opcode, inputs, ["y"], opts)], ["x"], ["y"])
    return path


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("depthwise", [False, True], ids=["conv", "depthwise"])
def test_conv_16x8(tmp_path: Path, case: int, depthwise: bool) -> None:
    _check(conv_model(tmp_path / "m.tflite", case, depthwise), seed=case)


@pytest.mark.parametrize("case", [0, 1, 2, 5])
@pytest.mark.parametrize("depthwise", [False, True], ids=["conv", "depthwise"])
def test_conv_16x8_without_bias(tmp_path: Path, case: int, depthwise: bool) -> None:
    _check(conv_model(tmp_path / "m.tflite", case, depthwise, bias="none"), seed=case)


@pytest.mark.parametrize("case", [0, 1, 3, 5, 8])
def test_conv_16x8_int32_bias(tmp_path: Path, case: int) -> None:
    """An int32 bias makes TFLM accumulate in int32 and round twice, as for int8."""
    _check(conv_model(tmp_path / "m.tflite", case, False, bias="int32"), seed=case)


@pytest.mark.parametrize("depthwise", [False, True], ids=["conv", "depthwise"])
def test_conv_16x8_ignores_zero_points(tmp_path: Path, depthwise: bool) -> None:
    """The int16 conv kernels never read the zero points (only the clamp bounds do)."""
    _check(conv_model(tmp_path / "m.tflite", 1, depthwise, zero_points=(-3000, 3, 100)))


@pytest.mark.parametrize("opcode", ["CONV_2D", "FULLY_CONNECTED"])
def test_int32_accumulation_without_bias_is_refused(tmp_path: Path, opcode: str) -> None:
    """No bias and quantized_bias_type INT32: TFLM accumulates in int32 (not lowered)."""
    path = tmp_path / "m.tflite"
    shape_x, shape_w, shape_y = (((1, 2, 2, 3), (4, 1, 1, 3), (1, 2, 2, 4)) if opcode == "CONV_2D"
                                 else ((1, 3), (4, 3), (1, 4)))
    opts = {"quantized_bias_type": "INT32"}
    if opcode == "CONV_2D":
        opts["padding"] = "VALID"
    write_model(path, [Tensor("x", shape_x, "int16", 0.01, 0),
                       Tensor("w", shape_w, "int8", 0.02, 0, 0, np.ones(shape_w, np.int8)),
                       Tensor("y", shape_y, "int16", 0.001, 0)],
                [Op(opcode, ["x", "w"], ["y"], opts)], ["x"], ["y"])
    with pytest.raises(TqcError, match=f"{opcode}, tensor 'y': .*quantized_bias_type INT32"):
        load_numpy_model(path)


def test_depthwise_16x8_int32_bias_is_refused(tmp_path: Path) -> None:
    path = conv_model(tmp_path / "m.tflite", 0, True, bias="int32")
    with pytest.raises(TqcError, match="DEPTHWISE_CONV_2D.*int64 bias"):
        load_numpy_model(path)


def _unit_conv(path: Path, out_scale: float) -> Path:
    """x → y = x · (1 / out_scale): a 1×1 conv with weight 1, all scales 1 but the output's."""
    one = np.ones((1, 1, 1, 1), np.int8)
    write_model(path, [Tensor("x", (1, 3, 3, 1), "int16", 1.0, 0),
                       Tensor("w", (1, 1, 1, 1), "int8", [1.0], [0], 0, one),
                       Tensor("b", (1,), "int64", [1.0], [0], 0, np.array([3], np.int64)),
                       Tensor("y", (1, 3, 3, 1), "int16", out_scale, 0)],
                [Op("CONV_2D", ["x", "w", "b"], ["y"], {"padding": "VALID"})], ["x"], ["y"])
    return path


@pytest.mark.parametrize("exponent", [8, 9, 13])
def test_conv_16x8_multiplier_beyond_the_contract(tmp_path: Path, exponent: int) -> None:
    """Shifts 8…14 break MultiplyByQuantizedMultiplier(int64)'s documented contract (shift < 8)
    but the TFLM wheel computes them as written: reproduced. M = 2^exponent / 1.3."""
    path = _unit_conv(tmp_path / "m.tflite", 1.3 * 2.0**-exponent)
    limit = int(1.3 * 32767 / 2**exponent * 1.2) + 1  # a few outputs saturate
    x = np.random.default_rng(exponent).integers(-limit, limit + 1, (8, 3, 3, 1)).astype(np.int16)
    assert compare(path, inputs=[x], runtime="tflm") == "tflm"


def test_conv_16x8_multiplier_too_large_is_refused(tmp_path: Path) -> None:
    """M ≥ 2^14 (shift ≥ 15) shifts by ≤ 0 bits in C (undefined; the wheel returns 0)."""
    path = _unit_conv(tmp_path / "m.tflite", 2.0**-14)
    with pytest.raises(TqcError, match="CONV_2D.*multiplier exponent 15"):
        load_numpy_model(path)


# ---- FULLY_CONNECTED ------------------------------------------------------------------------

def fc_model(path: Path, case: int, bias: str = "int64", per_channel: bool = False) -> Path:
    rng = np.random.default_rng(600 + case)
    k, units = int(rng.integers(1, 80)), int(rng.integers(1, 20))
    sx = float(rng.uniform(1e-4, 0.01))
    w = rng.integers(-127, 128, (units, k)).astype(np.int8)
    sw: float | list[float] = ([float(s) for s in rng.uniform(0.001, 0.05, units)] if per_channel
                               else float(rng.uniform(0.001, 0.05)))
    sws = sw if isinstance(sw, list) else [sw]
    sy = _output_scale(rng, case, sx, sws, sx * sws[0] * k * 3000)
    zx, zy = (0, 0) if case % 3 else (int(rng.integers(-300, 300)), int(rng.integers(-300, 300)))
    act = ACTS[case % 4]
    bias_scale = [sx * s for s in sw] if isinstance(sw, list) else sx * sw
    tensors = [Tensor("x", (1, k), "int16", sx, zx),
               Tensor("w", (units, k), "int8", sw, [0] * units if per_channel else 0, 0, w),
               Tensor("y", (1, units), "int16", sy, zy)]
    inputs = ["x", "w"]
    if bias != "none":
        big = 2**40 if case == 8 else 2**24
        values = rng.integers(-big, big, units)
        values = values if bias == "int64" else (values >> 10).astype(np.int32)
        tensors.append(Tensor("b", (units,), bias, bias_scale,
                              [0] * units if per_channel else 0, 0, values))
        inputs.append("b")
    write_model(path, tensors, [Op("FULLY_CONNECTED", inputs, ["y"],
                                   {"fused_activation_function": act})], ["x"], ["y"])
    return path


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("per_channel", [False, True], ids=["per_tensor", "per_channel"])
def test_fully_connected_16x8(tmp_path: Path, case: int, per_channel: bool) -> None:
    _check(fc_model(tmp_path / "m.tflite", case, per_channel=per_channel), seed=case)


@pytest.mark.parametrize("bias", ["int32", "none"])
@pytest.mark.parametrize("case", [0, 1, 3, 4])
def test_fully_connected_16x8_other_bias(tmp_path: Path, case: int, bias: str) -> None:
    _check(fc_model(tmp_path / "m.tflite", case, bias=bias), n=32, seed=case)


# ---- the shared ds_cnn int16x8 model ---------------------------------------------------------

def test_ds_cnn_small_int16x8() -> None:
    """CONV_2D×5, DEPTHWISE_CONV_2D×4, RESHAPE×2, AVERAGE_POOL_2D, FULLY_CONNECTED, SOFTMAX with
    int16 activations, int8 weights and int64 biases: all-min, all-max, then inputs of several
    magnitudes (uniform inputs saturate the softmax)."""
    path = shared_model("armmlzoo_ds_cnn_small_int16x8.tflite")
    _check(path, n=8, seed=3)


# ---- ADD / SUB / MUL / MAXIMUM / MINIMUM --------------------------------------------------------

def binary_model(path: Path, case: int, opcode: str) -> Path:
    """Random shapes with broadcasting; scales from equal to 300× apart; zero points 0 (TFLM's
    int16 MUL requires them; ADD/SUB get non-zero ones in case 9)."""
    rng = np.random.default_rng(700 + case)
    shape = tuple(int(v) for v in rng.integers(1, 6, 3))
    other = tuple(1 if rng.random() < 0.4 else d for d in shape)
    s1, s2 = (float(v) for v in rng.uniform(1e-4, 0.01, 2))
    if case == 5:
        s2 = s1 * 300
    if case == 6:
        s2 = s1
    typical = s1 * s2 * 3e4 if opcode == "MUL" else max(s1, s2) * 2
    so = {3: typical * 0.05, 4: typical * 1e3}.get(case, typical * float(rng.uniform(0.3, 3)))
    z1, z2, zo = (0, 0, 0)
    if case == 9 and opcode in ("ADD", "SUB"):
        z1, z2, zo = (int(v) for v in rng.integers(-2000, 2000, 3))
    act = ACTS[case % 4]
    opts = {} if opcode in ("MAXIMUM", "MINIMUM") else {"fused_activation_function": act}
    if opcode in ("MAXIMUM", "MINIMUM"):
        s2, so, z2, zo = s1, s1, z1, z1
    write_model(path, [Tensor("a", (1, *shape), "int16", s1, z1),
                       Tensor("b", (1, *other), "int16", s2, z2),
                       Tensor("y", (1, *shape), "int16", so, zo)],
                [Op(opcode, ["a", "b"], ["y"], opts)], ["a", "b"], ["y"])
    return path


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("opcode", ["ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM"])
def test_binary_int16(tmp_path: Path, case: int, opcode: str) -> None:
    _check(binary_model(tmp_path / "m.tflite", case, opcode), n=32, seed=case)


def test_sub_multipliers_are_double(tmp_path: Path) -> None:
    """tflite-micro's sub_common.cc (source at 90b983c2) divides the scales in float32; the pip
    wheel measures as double (like ADD): these scales and inputs tell the two apart."""
    path = tmp_path / "m.tflite"
    s1, s2, so = 0.5123097896575928, 0.9505132436752319, 0.14501544833183289
    write_model(path, [Tensor("a", (1, 200000), "int16", s1, 0),
                       Tensor("b", (1, 200000), "int16", s2, 0),
                       Tensor("y", (1, 200000), "int16", so, 0)],
                [Op("SUB", ["a", "b"], ["y"])], ["a", "b"], ["y"])
    rng = np.random.default_rng(1)
    rng.uniform(1e-3, 1, 3)  # the draw that produced the scales above
    a, b = (rng.integers(-32768, 32768, 200000).astype(np.int16)[None] for _ in range(2))
    assert compare(path, inputs=[a, b], runtime="tflm") == "tflm"


def test_mul_int16_needs_zero_points_0(tmp_path: Path) -> None:
    path = tmp_path / "m.tflite"
    write_model(path, [Tensor("a", (1, 4), "int16", 0.01, 5), Tensor("b", (1, 4), "int16", 0.01, 0),
                       Tensor("y", (1, 4), "int16", 0.001, 0)],
                [Op("MUL", ["a", "b"], ["y"])], ["a", "b"], ["y"])
    with pytest.raises(ReferenceError):
        run_reference(path, [np.zeros((1, 4), np.int16)] * 2, "tflm")
    with pytest.raises(TqcError, match="MUL: int16 MUL needs zero points 0"):
        load_numpy_model(path)


# ---- pooling ----------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("opcode", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
def test_pool_int16(tmp_path: Path, case: int, opcode: str) -> None:
    rng = np.random.default_rng(800 + case)
    h, w, c = (int(v) for v in rng.integers(1, 12, 3))
    fh, fw = (int(v) for v in rng.integers(1, 5, 2))
    if case == 9:  # one window over a large input: a long sum
        h, w, fh, fw = 40, 37, 40, 37
    sh, sw = (int(v) for v in rng.integers(1, 3, 2))
    padding = "SAME" if case % 2 else "VALID"
    h, w = max(h, fh), max(w, fw)
    oh = -(-h // sh) if padding == "SAME" else (h - fh) // sh + 1
    ow = -(-w // sw) if padding == "SAME" else (w - fw) // sw + 1
    s, z = float(rng.uniform(1e-4, 0.01)), 0 if case % 3 else int(rng.integers(-999, 999))
    opts = {"padding": padding, "stride_h": sh, "stride_w": sw, "filter_height": fh,
            "filter_width": fw, "fused_activation_function": ACTS[case % 4]}
    path = tmp_path / "m.tflite"
    write_model(path, [Tensor("x", (1, h, w, c), "int16", s, z),
                       Tensor("y", (1, oh, ow, c), "int16", s, z)],
                [Op(opcode, ["x"], ["y"], opts)], ["x"], ["y"])
    _check(path, seed=case)


# ---- QUANTIZE / DEQUANTIZE / RELU family ------------------------------------------------------

def _unary(path: Path, opcode: str, x: Tensor, y: Tensor) -> Path:
    write_model(path, [x, y], [Op(opcode, [x.name], [y.name])], [x.name], [y.name])
    return path


# (dtype_in, s_in, zp_in, dtype_out, s_out, zp_out): ratios 1, < 1, > 1 (positive shift), tiny
QUANTIZE_CASES = [
    ("int16", 1e-3, 0, "int16", 1e-3, 0), ("int16", 3.1e-4, 0, "int16", 7.7e-3, 0),
    ("int16", 2.3e-3, 0, "int16", 1.1e-5, 0), ("int16", 1e-6, 0, "int16", 0.5, 0),
    ("int16", 5e-4, 17, "int16", 9e-4, -300),
    ("int16", 2.4e-3, 0, "int8", 0.37, -5), ("int16", 1e-4, 0, "int8", 1e-5, 127),
    ("int8", 0.05, -7, "int16", 1e-4, 0), ("int8", 0.05, 127, "int16", 3e-2, 0),
    ("int16", 1e-3, 0, "int32", 1e-5, 0),
]


@pytest.mark.parametrize("case", QUANTIZE_CASES, ids=str)
def test_requantize_int16(tmp_path: Path, case: tuple) -> None:
    din, si, zi, dout, so, zo = case
    path = _unary(tmp_path / "m.tflite", "QUANTIZE", Tensor("x", (1, 3, 50), din, si, zi),
                  Tensor("y", (1, 3, 50), dout, so, zo))
    _check(path, n=16)


@pytest.mark.parametrize("scale", [1e-5, 3.0517578125e-05, 0.0123, 2.5])
def test_quantize_dequantize_float_int16(tmp_path: Path, scale: float) -> None:
    """float32 → int16 (float32 division, round half away, saturate) and back."""
    q = _unary(tmp_path / "q.tflite", "QUANTIZE", Tensor("x", (1, 64), "float32"),
               Tensor("y", (1, 64), "int16", scale, 0))
    rng = np.random.default_rng(int(scale * 1e6))
    x = (rng.standard_normal((8, 64)) * scale * np.array([10, 1e3, 3e4, 1e5])[:, None].repeat(
        2, 0)).astype(np.float32)
    x[0, :4] = [scale * 0.5, -scale * 0.5, scale * 1.5, scale * 1e6]
    assert compare(q, inputs=[x], runtime="tflm") == "tflm"
    d = _unary(tmp_path / "d.tflite", "DEQUANTIZE", Tensor("x", (1, 64), "int16", scale, 0),
               Tensor("y", (1, 64), "float32"))
    _check(d)


@pytest.mark.parametrize("opcode", ["RELU", "RELU6"])
@pytest.mark.parametrize("scales", [(1e-3, 1e-3), (2e-4, 5e-4), (0.01, 2e-3), (3e-5, 3e-5)])
def test_relu_family_int16(tmp_path: Path, opcode: str, scales: tuple[float, float]) -> None:
    """(RELU_N1_TO_1 has no int16 kernel in TFLM nor LiteRT: refused below.)"""
    path = _unary(tmp_path / "m.tflite", opcode, Tensor("x", (1, 2, 100), "int16", scales[0], 0),
                  Tensor("y", (1, 2, 100), "int16", scales[1], 0))
    _check(path)


# (s_in, zp_in, s_alpha, zp_alpha, s_out, zp_out)
PRELU_CASES = [(1e-3, 0, 1e-3, 0, 1e-3, 0), (3e-4, 0, 2e-5, 0, 9e-4, 0),
               (0.7622746229171753, 0, 0.002272561425343156, 0, 0.4068959057331085, 0),
               (1e-4, 0, 0.5, 0, 1e-6, 0), (2e-3, 11, 1e-3, -5, 1e-3, 7),
               (2e-3, 0, 1e-3, -128, 1e-3, 0)]


@pytest.mark.parametrize("case", PRELU_CASES, ids=str)
@pytest.mark.parametrize("alpha_shape", [(7,), (1, 5, 7)])
def test_prelu_int16(tmp_path: Path, case: tuple, alpha_shape: tuple[int, ...]) -> None:
    """int16 input and output, int8 alpha (TFLM requires it)."""
    s_in, zp_in, s_a, zp_a, s_out, zp_out = case
    alpha = np.random.default_rng(3).integers(-128, 128, alpha_shape).astype(np.int8)
    alpha.flat[:2] = [-128, 127]
    path = tmp_path / "m.tflite"
    write_model(path, [Tensor("x", (1, 5, 7), "int16", s_in, zp_in),
                       Tensor("a", alpha_shape, "int8", s_a, zp_a, data=alpha),
                       Tensor("y", (1, 5, 7), "int16", s_out, zp_out)],
                [Op("PRELU", ["x", "a"], ["y"])], ["x"], ["y"])
    _check(path, n=16)


def test_prelu_int16_alpha_must_be_int8(tmp_path: Path) -> None:
    path = tmp_path / "m.tflite"
    write_model(path, [Tensor("x", (1, 4), "int16", 1e-3, 0),
                       Tensor("a", (4,), "int16", 1e-3, 0, data=np.arange(4, dtype=np.int16)),
                       Tensor("y", (1, 4), "int16", 1e-3, 0)],
                [Op("PRELU", ["x", "a"], ["y"])], ["x"], ["y"])
    with pytest.raises(ReferenceError, match="alpha->type == kTfLiteInt8"):
        run_reference(path, [np.zeros((1, 4), np.int16)], "tflm")
    with pytest.raises(TqcError, match="PRELU: int16 PRELU needs an int8 alpha, not i16 "
                                       r"\(tensor 'a'\)"):
        load_numpy_model(path)


# LOGISTIC / TANH: input scales that are powers of two (the kernels' fast path: 2^-12 for both,
# 2^-11 for TANH only), other powers of two, and general scales down to the one where the
# rescaling loop stops at a left shift of 31.
ACT16_SCALES = [2.0**-12, 2.0**-11, 2.0**-13, 2.0**-9, 2.0**-15, 1e-4, 3.3e-4, 0.001, 0.0123,
                0.5, 1.3, 1e-9, 1e-12, 2.0, 5.3]  # 2.0, 5.3: multipliers 24576, 65126 > 32767


@pytest.mark.parametrize("scale", ACT16_SCALES)
@pytest.mark.parametrize("opcode", ["LOGISTIC", "TANH"])
def test_logistic_tanh_int16(tmp_path: Path, opcode: str, scale: float) -> None:
    """Every int16 input value once."""
    path = _unary(tmp_path / "m.tflite", opcode, Tensor("x", (1, 65536), "int16", scale, 0),
                  Tensor("y", (1, 65536), "int16", 2.0**-15, 0))
    x = np.arange(-32768, 32768, dtype=np.int64).astype(np.int16)[None]
    assert compare(path, inputs=[x], runtime="tflm") == "tflm"


@pytest.mark.parametrize("opcode, x, y, message", [
    ("LOGISTIC", (1e-3, 0), (1e-3, 0), "output scale 2\\^-15"),
    ("TANH", (1e-3, 0), (2.0**-14, 0), "output scale 2\\^-15"),
    ("LOGISTIC", (1e-3, 3), (2.0**-15, 0), "zero points 0"),
    ("TANH", (1e-3, 0), (2.0**-15, -1), "zero points 0")])
def test_logistic_tanh_int16_refused_like_the_reference(tmp_path: Path, opcode: str, x: tuple,
                                                        y: tuple, message: str) -> None:
    path = _unary(tmp_path / "m.tflite", opcode, Tensor("x", (1, 8), "int16", *x),
                  Tensor("y", (1, 8), "int16", *y))
    with pytest.raises(ReferenceError):
        run_reference(path, [np.zeros((1, 8), np.int16)], "tflm")
    with pytest.raises(TqcError, match=f"{opcode}: int16 {opcode} needs {message}"):
        load_numpy_model(path)


def test_logistic_int16_input_scale_too_large_is_refused(tmp_path: Path) -> None:
    """S_in = 5.34: x·multiplier reaches −2^31 in the kernel's int32 arithmetic (undefined)."""
    path = _unary(tmp_path / "m.tflite", "LOGISTIC", Tensor("x", (1, 8), "int16", 5.34, 0),
                  Tensor("y", (1, 8), "int16", 2.0**-15, 0))
    with pytest.raises(TqcError, match="LOGISTIC: int16 LOGISTIC: input scale 5.3.* overflows"):
        load_numpy_model(path)


# LEAKY_RELU (s_in, zp_in, s_out, zp_out, alpha): zero points at the ends of the range, scale
# ratios from 1e-6 to 1e6 (1e6: MultiplyByQuantizedMultiplier's left shift wraps around in int32),
# negative, zero, tiny and > 1 alphas.
LEAKY16_CASES = [(1e-3, 0, 1e-3, 0, 0.2), (1e-3, -32768, 2e-3, 32767, 0.01),
                 (1e-4, 32767, 1e-2, -32768, -0.5), (1.0, 0, 1e-6, 0, 1.5),
                 (1e-6, 100, 1.0, -100, 7.0), (3e-2, -1000, 3e-4, 5, -3.0),
                 (2.0**-12, 0, 2.0**-15, 0, 0.0), (5e-5, 20000, 5e-5, -20000, 1e-12),
                 (0.07709798961877823, -111, 0.05511187016963959, -88, 0.2958953380584717)]


def _leaky16_model(path: Path, cases: list[tuple]) -> Path:
    """One LEAKY_RELU per case, each on its own (1, 65536) int16 input."""
    tensors, ops = [], []
    for i, (s_in, zp_in, s_out, zp_out, alpha) in enumerate(cases):
        tensors += [Tensor(f"x{i}", (1, 65536), "int16", s_in, zp_in),
                    Tensor(f"y{i}", (1, 65536), "int16", s_out, zp_out)]
        ops.append(Op("LEAKY_RELU", [f"x{i}"], [f"y{i}"], {"alpha": alpha}))
    n = len(cases)
    write_model(path, tensors, ops, [f"x{i}" for i in range(n)], [f"y{i}" for i in range(n)])
    return path


def test_leaky_relu_int16(tmp_path: Path) -> None:
    """Every int16 input value once per case (NumPy backend)."""
    path = _leaky16_model(tmp_path / "m.tflite", LEAKY16_CASES)
    x = np.arange(-32768, 32768, dtype=np.int64).astype(np.int16)[None]
    assert compare(path, inputs=[x] * len(LEAKY16_CASES), runtime="tflm") == "tflm"


def test_leaky_relu_int16_c(tmp_path: Path) -> None:
    """NumPy and C against TFLM on random inputs (all-min, all-max, then uniform)."""
    assert check_model(_leaky16_model(tmp_path / "m.tflite", LEAKY16_CASES), 4, 0,
                       ("numpy", "c")) == []


# ---- data movement ----------------------------------------------------------------------------

def test_data_movement_int16(tmp_path: Path) -> None:
    """RESHAPE, TRANSPOSE, PAD, STRIDED_SLICE, CONCATENATION, PACK, SPLIT chained on int16."""
    i32 = lambda *v: np.array(v, np.int32)  # noqa: E731
    s = 1e-3
    tensors = [
        Tensor("x", (1, 4, 6), "int16", s, 0),
        Tensor("shape", (4,), "int32", data=i32(1, 2, 2, 6)),
        Tensor("r", (1, 2, 2, 6), "int16", s, 0),
        Tensor("perm", (4,), "int32", data=i32(0, 3, 1, 2)),
        Tensor("t", (1, 6, 2, 2), "int16", s, 0),
        Tensor("pads", (4, 2), "int32", data=i32(0, 0, 1, 2, 0, 1, 1, 0).reshape(4, 2)),
        Tensor("p", (1, 9, 3, 3), "int16", s, 0),
        Tensor("begin", (4,), "int32", data=i32(0, 1, 0, 2)),
        Tensor("end", (4,), "int32", data=i32(1, 9, 3, 0)),
        Tensor("strides", (4,), "int32", data=i32(1, 2, 1, -1)),
        Tensor("sl", (1, 4, 3, 2), "int16", s, 0),
        Tensor("c", (1, 4, 3, 4), "int16", s, 0),
        Tensor("axis", (), "int32", data=np.array(3, np.int32)),
        Tensor("s0", (1, 4, 3, 2), "int16", s, 0),
        Tensor("s1", (1, 4, 3, 2), "int16", s, 0),
        Tensor("k", (1, 4, 3, 2, 2), "int16", s, 0),
    ]
    ops = [Op("RESHAPE", ["x", "shape"], ["r"], {"new_shape": [1, 2, 2, 6]}),
           Op("TRANSPOSE", ["r", "perm"], ["t"]),
           Op("PAD", ["t", "pads"], ["p"]),
           Op("STRIDED_SLICE", ["p", "begin", "end", "strides"], ["sl"]),
           Op("CONCATENATION", ["sl", "sl"], ["c"], {"axis": 3}),
           Op("SPLIT", ["axis", "c"], ["s0", "s1"], {"num_splits": 2}),
           Op("PACK", ["s1", "s0"], ["k"], {"axis": 4, "values_count": 2})]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, ops, ["x"], ["k"])
    _check(path)


# ---- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("opcode", ["HARD_SWISH", "RELU_N1_TO_1"])
def test_int16_not_yet_exact_is_refused_by_name(tmp_path: Path, opcode: str) -> None:
    """Neither has an int16 kernel in TFLM (HARD_SWISH: float32 and int8 only)."""
    path = _unary(tmp_path / "m.tflite", opcode, Tensor("x", (1, 8), "int16", 2.0**-12, 0),
                  Tensor("yy", (1, 8), "int16", 2.0**-15, 0))
    with pytest.raises(TqcError, match=f"{opcode}: int16 activations are not supported by this "
                                       "op yet \\(tensor '(x|yy)'\\)"):
        load_numpy_model(path)
