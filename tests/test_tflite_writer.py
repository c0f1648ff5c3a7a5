"""tqc.tflite_writer: single-op models load and run in TFLM / LiteRT REF with plausible outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tflite

from tqc.reference import choose_reference, run_reference
from tqc.tflite_writer import Op, Tensor, build_model, options_table, write_model

RNG = np.random.default_rng(1234)


def q(real: np.ndarray, scale: float | np.ndarray, zp: int, dtype: str = "int8") -> np.ndarray:
    info = np.iinfo(dtype)
    return np.clip(np.round(real / scale) + zp, info.min, info.max).astype(np.int64)


def rand(shape: tuple[int, ...], dtype: str = "int8") -> np.ndarray:
    info = np.iinfo(dtype)
    return RNG.integers(info.min, info.max, shape, endpoint=True).astype(dtype)


def i64(a: np.ndarray) -> np.ndarray:
    return a.astype(np.int64)


def model(tmp_path: Path, tensors: list[Tensor], ops: list[Op], inputs: list[str], outputs: list[str]) -> Path:
    p = tmp_path / "m.tflite"
    write_model(p, tensors, ops, inputs, outputs)
    return p


def both(p: Path, xs: list[np.ndarray]) -> list[np.ndarray]:
    """Run in TFLM and LiteRT REF; they must agree exactly (ops without FC double rounding)."""
    a, b = run_reference(p, xs, "tflm"), run_reference(p, xs, "litert-ref")
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    return a


def conv_nhwc(x: np.ndarray, w: np.ndarray, stride: int, pad: tuple[int, int], out_hw: tuple[int, int]) -> np.ndarray:
    """Float NHWC conv, weights OHWI, zero padding (top/left = pad)."""
    n, h, wd, c = x.shape
    o, kh, kw, _ = w.shape
    xp = np.zeros((n, h + kh + stride, wd + kw + stride, c))
    xp[:, pad[0]:pad[0] + h, pad[1]:pad[1] + wd] = x
    y = np.zeros((n, *out_hw, o))
    for i in range(out_hw[0]):
        for j in range(out_hw[1]):
            patch = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            y[:, i, j, :] = np.einsum("nhwc,ohwc->no", patch, w)
    return y


def test_conv2d_int8_per_channel(tmp_path: Path) -> None:
    sx, zx, sy, zy = 0.05, -7, 0.12, 3
    sw = np.array([0.002, 0.01, 0.03, 0.0007])
    w = rand((4, 3, 3, 3)).clip(-127, 127)
    b = RNG.integers(-2000, 2000, 4).astype(np.int32)
    p = model(tmp_path, [
        Tensor("x", (1, 7, 7, 3), "int8", sx, zx),
        Tensor("w", (4, 3, 3, 3), "int8", list(sw), [0] * 4, 0, w),
        Tensor("b", (4,), "int32", list(sx * sw), 0, 0, b),
        Tensor("y", (1, 4, 4, 4), "int8", sy, zy)],
        [Op("CONV_2D", ["x", "w", "b"], ["y"],
            {"padding": "SAME", "stride_w": 2, "stride_h": 2, "fused_activation_function": "RELU6"})],
        ["x"], ["y"])
    x = rand((3, 7, 7, 3))
    (y,) = both(p, [x])
    assert y.shape == (3, 4, 4, 4) and y.dtype == np.int8
    real = conv_nhwc(sx * (i64(x) - zx), i64(w) * sw[:, None, None, None], 2, (1, 1), (4, 4)) + sx * sw * b
    exp = q(np.clip(real, 0, 6), sy, zy)
    assert np.abs(y - exp).max() <= 1


def test_fully_connected_int8(tmp_path: Path) -> None:
    sx, zx, sw, sy, zy = 0.3, 12, 0.004, 0.5, -20
    w = rand((10, 32)).clip(-127, 127)
    b = RNG.integers(-5000, 5000, 10).astype(np.int32)
    p = model(tmp_path, [
        Tensor("x", (1, 32), "int8", sx, zx), Tensor("w", (10, 32), "int8", sw, 0, data=w),
        Tensor("b", (10,), "int32", sx * sw, 0, data=b), Tensor("y", (1, 10), "int8", sy, zy)],
        [Op("FULLY_CONNECTED", ["x", "w", "b"], ["y"])], ["x"], ["y"])
    x = rand((8, 32))
    exp = q(sx * sw * ((i64(x) - zx) @ i64(w).T + b), sy, zy)
    for rt in ("tflm", "litert-ref"):
        (y,) = run_reference(p, [x], rt)
        assert y.shape == (8, 10) and np.abs(y - exp).max() <= 1


def test_add_broadcast_int8(tmp_path: Path) -> None:
    s1, z1, s2, z2, sy, zy = 0.02, -5, 0.07, 30, 0.05, 10
    p = model(tmp_path, [Tensor("a", (1, 4, 5, 3), "int8", s1, z1), Tensor("b", (1, 1, 1, 3), "int8", s2, z2),
                         Tensor("y", (1, 4, 5, 3), "int8", sy, zy)],
              [Op("ADD", ["a", "b"], ["y"], {"fused_activation_function": "NONE"})], ["a", "b"], ["y"])
    a, b = rand((2, 4, 5, 3)), rand((2, 1, 1, 3))
    (y,) = both(p, [a, b])
    exp = q(s1 * (i64(a) - z1) + s2 * (i64(b) - z2), sy, zy)
    assert y.shape == (2, 4, 5, 3) and np.abs(y - exp).max() <= 1


def test_softmax_int8(tmp_path: Path) -> None:
    sx, zx = 0.1, 3
    p = model(tmp_path, [Tensor("x", (1, 10), "int8", sx, zx), Tensor("y", (1, 10), "int8", 1 / 256, -128)],
              [Op("SOFTMAX", ["x"], ["y"])], ["x"], ["y"])  # beta defaults to 1.0
    x = rand((5, 10))
    (y,) = both(p, [x])
    e = np.exp(sx * (i64(x) - zx) - (sx * (i64(x) - zx)).max(axis=1, keepdims=True))
    assert np.abs(y - q(e / e.sum(axis=1, keepdims=True), 1 / 256, -128)).max() <= 1


def test_logistic_int8(tmp_path: Path) -> None:
    sx, zx = 0.06, -10
    p = model(tmp_path, [Tensor("x", (1, 256), "int8", sx, zx), Tensor("y", (1, 256), "int8", 1 / 256, -128)],
              [Op("LOGISTIC", ["x"], ["y"])], ["x"], ["y"])
    x = np.arange(-128, 128, dtype=np.int8)[None]
    (y,) = both(p, [x])
    assert np.abs(y - q(1 / (1 + np.exp(-sx * (i64(x) - zx))), 1 / 256, -128)).max() <= 1


def test_average_pool_int8(tmp_path: Path) -> None:
    p = model(tmp_path, [Tensor("x", (1, 6, 6, 2), "int8", 0.1, -3), Tensor("y", (1, 3, 3, 2), "int8", 0.1, -3)],
              [Op("AVERAGE_POOL_2D", ["x"], ["y"],
                  {"filter_width": 2, "filter_height": 2, "stride_w": 2, "stride_h": 2, "padding": "VALID"})],
              ["x"], ["y"])
    x = rand((4, 6, 6, 2))
    (y,) = both(p, [x])
    exp = x.astype(np.float64).reshape(4, 3, 2, 3, 2, 2).mean(axis=(2, 4))
    assert np.abs(y - exp).max() <= 0.5 + 1e-9  # same scale/zp: rounded mean


def test_uint8_conv_nonzero_weight_zero_point(tmp_path: Path) -> None:
    sx, zx, sw, zw, sy, zy = 0.0078125, 128, 0.02, 119, 0.05, 100
    w = rand((2, 3, 3, 4), "uint8")
    b = RNG.integers(-500, 500, 2).astype(np.int32)
    p = model(tmp_path, [
        Tensor("x", (1, 5, 5, 4), "uint8", sx, zx), Tensor("w", (2, 3, 3, 4), "uint8", sw, zw, data=w),
        Tensor("b", (2,), "int32", sx * sw, 0, data=b), Tensor("y", (1, 3, 3, 2), "uint8", sy, zy)],
        [Op("CONV_2D", ["x", "w", "b"], ["y"], {"padding": "VALID"})], ["x"], ["y"])
    assert choose_reference(p) == "litert-ref"  # legacy uint8: TFLM refuses it
    x = rand((3, 5, 5, 4), "uint8")
    (y,) = run_reference(p, [x])
    real = conv_nhwc(sx * (i64(x) - zx), sw * (i64(w) - zw), 1, (0, 0), (3, 3)) + sx * sw * b
    assert y.dtype == np.uint8 and np.abs(y - q(real, sy, zy, "uint8")).max() <= 1


def test_float_io_quantize_fc_dequantize(tmp_path: Path) -> None:
    sx, zx, sw, sy, zy = 0.02, -1, 0.01, 0.04, 5
    w = rand((3, 6)).clip(-127, 127)
    p = model(tmp_path, [
        Tensor("in", (1, 6), "float32"), Tensor("xq", (1, 6), "int8", sx, zx),
        Tensor("w", (3, 6), "int8", sw, 0, data=w), Tensor("b", (3,), "int32", sx * sw, 0, data=np.array([10, -20, 300])),
        Tensor("yq", (1, 3), "int8", sy, zy), Tensor("out", (1, 3), "float32")],
        [Op("QUANTIZE", ["in"], ["xq"]), Op("FULLY_CONNECTED", ["xq", "w", "b"], ["yq"]),
         Op("DEQUANTIZE", ["yq"], ["out"])], ["in"], ["out"])
    assert choose_reference(p) == "tflm"
    x = RNG.uniform(-2, 2, (4, 6)).astype(np.float32)
    (y,) = run_reference(p, [x])
    xq = q(x, sx, zx)
    exp = sy * (q(sx * sw * ((xq - zx) @ i64(w).T + np.array([10, -20, 300])), sy, zy) - zy)
    assert y.dtype == np.float32 and np.abs(y - exp).max() <= sy + 1e-6


def test_extreme_quantization_runs(tmp_path: Path) -> None:
    """Tiny scales, zero points at the range ends, an FC whose output multiplier is 12.5 (> 1)."""
    p = model(tmp_path, [Tensor("a", (1, 8), "int8", 1.0, 127), Tensor("b", (1, 8), "int8", 1e-6, -128),
                         Tensor("y", (1, 8), "int8", 1e-3, -128)],
              [Op("ADD", ["a", "b"], ["y"])], ["a", "b"], ["y"])
    a = np.full((1, 8), 127, np.int8)
    b = np.arange(-128, 128, 32, dtype=np.int8)[None]
    (y,) = both(p, [a, b])
    assert np.abs(y - q(1e-6 * (i64(b) + 128.0), 1e-3, -128)).max() <= 1
    w = RNG.integers(-2, 3, (4, 8)).astype(np.int8)
    p = model(tmp_path, [Tensor("x", (1, 8), "int8", 0.5, 0), Tensor("w", (4, 8), "int8", 0.25, 0, data=w),
                         Tensor("y", (1, 4), "int8", 0.01, 0)],
              [Op("FULLY_CONNECTED", ["x", "w", ""], ["y"])], ["x"], ["y"])
    x = RNG.integers(-3, 4, (6, 8)).astype(np.int8)
    for rt in ("tflm", "litert-ref"):
        (y,) = run_reference(p, [x], rt)
        assert np.abs(y - q(12.5 * (i64(x) @ i64(w).T), 1.0, 0)).max() <= 1


def _read_op(data: bytes, k: int = 0) -> tuple[tflite.Model, tflite.Operator]:
    m = tflite.Model.GetRootAs(data, 0)
    return m, m.Subgraphs(0).Operators(k)


def test_options_and_quantization_roundtrip() -> None:
    data = build_model([
        Tensor("x", (1, 4, 4, 2), "int8", 0.5, -128), Tensor("w", (1, 3, 3, 4), "int8", [0.1, 0.2, 0.3, 0.4],
                                                              0, 3, np.ones((1, 3, 3, 4))),
        Tensor("y", (1, 2, 2, 4), "int8", 2.0**-20, 127), Tensor("z", (1, 16), "int8", 0.5, -128)],
        [Op("DEPTHWISE_CONV_2D", ["x", "w", ""], ["y"], {"padding": "VALID", "fused_activation_function": "RELU"}),
         Op("RESHAPE", ["y"], ["z"], {"new_shape": [1, 16]})], ["x"], ["z"])
    m, op = _read_op(data)
    sg = m.Subgraphs(0)
    assert m.Buffers(0).DataLength() == 0 and list(op.InputsAsNumpy()) == [0, 1, -1]
    assert op.BuiltinOptionsType() == tflite.BuiltinOptions.DepthwiseConv2DOptions
    o = tflite.DepthwiseConv2DOptions()
    o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
    assert (o.Padding(), o.StrideW(), o.DepthMultiplier(), o.FusedActivationFunction()) == (
        tflite.Padding.VALID, 1, 2, tflite.ActivationFunctionType.RELU)
    qp = sg.Tensors(1).Quantization()
    assert np.allclose(qp.ScaleAsNumpy(), [0.1, 0.2, 0.3, 0.4]) and qp.QuantizedDimension() == 3
    assert list(qp.ZeroPointAsNumpy()) == [0, 0, 0, 0]
    buf = m.Buffers(sg.Tensors(1).Buffer())
    assert buf.DataLength() == 36 and buf.Offset() == 0  # data inline, 16-byte aligned in the file
    _, op2 = _read_op(data, 1)
    r = tflite.ReshapeOptions()
    r.Init(op2.BuiltinOptions().Bytes, op2.BuiltinOptions().Pos)
    assert list(r.NewShapeAsNumpy()) == [1, 16]
    code = m.OperatorCodes(op.OpcodeIndex())
    assert (code.BuiltinCode(), code.DeprecatedBuiltinCode(), code.Version()) == (4, 4, 1)


def test_options_table_mapping() -> None:
    assert options_table("CONV_2D") == "Conv2DOptions"
    assert options_table("AVERAGE_POOL_2D") == "Pool2DOptions"
    assert options_table("MEAN") == "ReducerOptions"
    assert options_table("RESIZE_NEAREST_NEIGHBOR") == "ResizeNearestNeighborOptions"
    assert options_table("LOGISTIC") is None
    with pytest.raises(ValueError):
        build_model([Tensor("x", (1,), "int8", 1.0, 0)], [Op("CONV_2D", ["x"], ["x"], {"bogus": 1})], ["x"], ["x"])
    with pytest.raises(ValueError):
        build_model([Tensor("x", (1,), "int8", 1.0, 0)], [Op("CONV_2D", ["x"], ["x"], {"padding": "FULL"})],
                    ["x"], ["x"])


def _c(name: str, data: list[int] | int, shape: tuple[int, ...] | None = None) -> Tensor:
    a = np.array(data, np.int32)
    return Tensor(name, shape if shape is not None else a.shape, "int32", data=a)


def X(name: str, shape: tuple[int, ...], scale: float = 0.05, zp: int = -3) -> Tensor:
    return Tensor(name, shape, "int8", scale, zp)


# opcode -> (tensors, op inputs, options, model inputs, outputs); single int8 ops
SMOKE: dict[str, tuple[list[Tensor], list[str], dict, list[str], list[str]]] = {
    "SUB": ([X("x", (1, 4, 3)), X("x2", (1, 4, 3), 0.03, 4), X("y", (1, 4, 3), 0.1)], ["x", "x2"], {}, ["x", "x2"], ["y"]),
    "MUL": ([X("x", (1, 4, 3)), X("x2", (1, 1, 3), 0.03, 4), X("y", (1, 4, 3), 0.1)], ["x", "x2"], {}, ["x", "x2"], ["y"]),
    "MAXIMUM": ([X("x", (1, 6)), X("x2", (1, 6)), X("y", (1, 6))], ["x", "x2"], {}, ["x", "x2"], ["y"]),
    "MINIMUM": ([X("x", (1, 6)), X("x2", (1, 6)), X("y", (1, 6))], ["x", "x2"], {}, ["x", "x2"], ["y"]),
    "MAX_POOL_2D": ([X("x", (1, 4, 4, 2)), X("y", (1, 2, 2, 2))], ["x"],
                    {"filter_width": 2, "filter_height": 2, "stride_w": 2, "stride_h": 2, "padding": "SAME"}, ["x"], ["y"]),
    "MEAN": ([X("x", (1, 4, 4, 3)), _c("ax", [1, 2]), X("y", (1, 1, 1, 3), 0.02)], ["x", "ax"], {"keep_dims": True}, ["x"], ["y"]),
    "LEAKY_RELU": ([X("x", (1, 10)), X("y", (1, 10), 0.04)], ["x"], {"alpha": 0.2}, ["x"], ["y"]),
    "CONCATENATION": ([X("x", (1, 2, 3)), X("x2", (1, 2, 2)), X("y", (1, 2, 5))], ["x", "x2"], {"axis": 2}, ["x", "x2"], ["y"]),
    "SPLIT": ([_c("ax", 2, ()), X("x", (1, 2, 4)), X("y", (1, 2, 2)), X("y2", (1, 2, 2))], ["ax", "x"], {"num_splits": 2},
              ["x"], ["y", "y2"]),
    "PAD": ([X("x", (1, 2, 3)), _c("p", [[0, 0], [1, 1], [2, 0]]), X("y", (1, 4, 5))], ["x", "p"], {}, ["x"], ["y"]),
    "STRIDED_SLICE": ([X("x", (1, 6, 4)), _c("b", [0, 1, 0]), _c("e", [1, 5, 4]), _c("s", [1, 2, 1]), X("y", (1, 2, 4))],
                      ["x", "b", "e", "s"], {}, ["x"], ["y"]),
    "PACK": ([X("x", (4, 3)), X("x2", (4, 3)), X("y", (2, 4, 3))], ["x", "x2"], {"values_count": 2, "axis": 0},
             ["x", "x2"], ["y"]),
    "RESHAPE": ([X("x", (1, 4, 3)), _c("s", [1, 12]), X("y", (1, 12))], ["x", "s"], {"new_shape": [1, 12]}, ["x"], ["y"]),
    "SQUEEZE": ([X("x", (1, 1, 4, 3)), X("y", (1, 4, 3))], ["x"], {"squeeze_dims": [1]}, ["x"], ["y"]),
    "EXPAND_DIMS": ([X("x", (1, 4, 3)), _c("ax", [1]), X("y", (1, 1, 4, 3))], ["x", "ax"], {}, ["x"], ["y"]),
    "TRANSPOSE": ([X("x", (1, 4, 5, 3)), _c("p", [0, 3, 1, 2]), X("y", (1, 3, 4, 5))], ["x", "p"], {}, ["x"], ["y"]),
    "RESIZE_BILINEAR": ([X("x", (1, 3, 3, 2)), _c("s", [6, 6]), X("y", (1, 6, 6, 2))], ["x", "s"],
                        {"half_pixel_centers": True}, ["x"], ["y"]),
    "RESIZE_NEAREST_NEIGHBOR": ([X("x", (1, 3, 3, 2)), _c("s", [6, 6]), X("y", (1, 6, 6, 2))], ["x", "s"],
                                {"align_corners": True}, ["x"], ["y"]),
    "ARG_MAX": ([X("x", (1, 4, 3)), _c("ax", [2]), Tensor("y", (1, 4), "int32")], ["x", "ax"], {"output_type": "INT32"},
                ["x"], ["y"]),
    "TANH": ([X("x", (1, 10)), X("y", (1, 10), 1 / 128, 0)], ["x"], {}, ["x"], ["y"]),
    "RELU": ([X("x", (1, 10)), X("y", (1, 10), 0.03, -128)], ["x"], {}, ["x"], ["y"]),
    "RELU6": ([X("x", (1, 10)), X("y", (1, 10))], ["x"], {}, ["x"], ["y"]),  # TFLM ignores differing I/O scales
    "HARD_SWISH": ([X("x", (1, 10)), X("y", (1, 10), 0.03, -100)], ["x"], {}, ["x"], ["y"]),
    "PRELU": ([X("x", (1, 4, 3)), Tensor("a", (1, 3), "int8", 0.01, 0, data=np.array([[5, 50, 100]])), X("y", (1, 4, 3))],
              ["x", "a"], {}, ["x"], ["y"]),
    "QUANTIZE": ([X("x", (1, 10)), X("y", (1, 10), 0.07, 9)], ["x"], {}, ["x"], ["y"]),
    "DEQUANTIZE": ([X("x", (1, 10)), Tensor("y", (1, 10), "float32")], ["x"], {}, ["x"], ["y"]),
    "SHAPE": ([X("x", (1, 4, 3)), Tensor("y", (3,), "int32")], ["x"], {"out_type": "INT32"}, ["x"], ["y"]),
}


@pytest.mark.parametrize("opcode", sorted(SMOKE))
def test_single_op_smoke(tmp_path: Path, opcode: str) -> None:
    tensors, ins, opts, mins, outs = SMOKE[opcode]
    p = model(tmp_path, tensors, [Op(opcode, ins, outs, opts)], mins, outs)
    by = {t.name: t for t in tensors}
    xs = [rand((2,) + by[n].shape[1:] if by[n].shape[0] == 1 else (2,) + by[n].shape) for n in mins]
    ys = both(p, xs)
    assert [y.shape[1:] for y in ys] == [by[n].shape[1:] if by[n].shape[0] == 1 else by[n].shape for n in outs]
