"""SOFTMAX and MEAN: single-op models over shapes, betas and extreme quantization, and the shared
models that use them, bit-exact against the reference (TFLM for int8/int16, LiteRT BUILTIN_REF
for uint8)."""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from pathlib import Path

import numpy as np
import pytest

from differential import compare, shared_model
from tqc.errors import TqcError
from tqc.passes.lowering.mean import mean_multiplier
from tqc.passes.lowering.softmax import (lut_populate_int16, one_over_one_plus_x,
                                         softmax_int16_luts, softmax_params)
from tqc.pipeline import load_numpy_model
from tqc.reference import ReferenceError, run_reference
from tqc.tflite_writer import Op, Tensor, write_model



# output element → (zero point, scale) the reference kernels require
SOFTMAX_OUT = {"int8": (-128, 1 / 256), "uint8": (0, 1 / 256), "int16": (-32768, 1 / 65536)}


def _softmax_model(path: Path, shape: tuple[int, ...], dtype_in: str, dtype_out: str,
                   scale: float, beta: float, zero_point_in: int = 0,
                   out: tuple[int, float] | None = None) -> Path:
    zo, so = out if out is not None else SOFTMAX_OUT[dtype_out]
    write_model(path, [Tensor("x", shape, dtype_in, scale, zero_point_in),
                       Tensor("y", shape, dtype_out, so, zo)],
                [Op("SOFTMAX", ["x"], ["y"], {"beta": beta})], ["x"], ["y"])
    return path


def _softmax_inputs(shape: tuple[int, ...], dtype: str, n: int, seed: int) -> np.ndarray:
    """Uniform rows; rows whose values sit within 20 steps of their maximum (many non-zero
    outputs); and, for rows short enough for the reference (< 512), constant rows."""
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, (n, *shape[1:]), endpoint=True)
    k = n // 3
    top = rng.integers(info.min + 20, info.max, (k, *shape[1:-1], 1), endpoint=True)
    x[:k] = top - rng.integers(0, 20, (k, *shape[1:]), endpoint=True)
    if shape[-1] < 512:
        x[k], x[k + 1] = info.min, info.max
    return x.astype(dtype)


SCALES = [1e-7, 3e-6, 1e-4, 0.003, 0.06, 0.14, 0.5, 1.0, 4.0, 30.0, 1000.0]
SHAPES = [(1, 10), (1, 300), (1, 3, 7), (1, 2, 3, 5), (1, 1), (1, 2)]
SOFTMAX_CASES = [(din, dout, scale, [1.0, 0.37, 2.5][i % 3], SHAPES[(i + k) % len(SHAPES)])
                 for k, (din, dout) in enumerate([("int8", "int8"), ("uint8", "uint8"),
                                                  ("int8", "int16")])
                 for i, scale in enumerate(SCALES)]


@pytest.mark.parametrize("dtype_in,dtype_out,scale,beta,shape", SOFTMAX_CASES)
def test_softmax_8bit(tmp_path: Path, dtype_in: str, dtype_out: str, scale: float, beta: float,
                      shape: tuple[int, ...]) -> None:
    zero_point = 7 if dtype_in == "uint8" else -3
    p = _softmax_model(tmp_path / "m.tflite", shape, dtype_in, dtype_out, scale, beta, zero_point)
    used = compare(p, inputs=[_softmax_inputs(shape, dtype_in, 48, seed=len(SCALES))])
    assert used == ("litert-ref" if dtype_in == "uint8" else "tflm")


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_softmax_1001_classes(tmp_path: Path, dtype: str) -> None:
    """Realistic classifier head (coral/mobilenet scales): random logits."""
    p = _softmax_model(tmp_path / "m.tflite", (1, 1001), dtype, dtype, 0.13083284, 1.0, 96)
    rng = np.random.default_rng(5)
    info = np.iinfo(dtype)
    compare(p, inputs=[rng.integers(info.min, info.max, (16, 1001), endpoint=True).astype(dtype)])


@pytest.mark.parametrize("runtime,dtype_in,dtype_out", [
    ("litert-ref", "int8", "int8"), ("litert-ref", "uint8", "int16"),
    ("litert-ref", "int8", "int16")])
def test_softmax_litert_ref_same_arithmetic(tmp_path: Path, runtime: str, dtype_in: str,
                                            dtype_out: str) -> None:
    """LiteRT BUILTIN_REF's reference_ops::Softmax gives the same bits as TFLM's."""
    p = _softmax_model(tmp_path / "m.tflite", (1, 3, 10), dtype_in, dtype_out, 0.05, 0.8, 3)
    compare(p, inputs=[_softmax_inputs((1, 3, 10), dtype_in, 48, seed=2)], runtime=runtime)


def test_softmax_sum_limit_matches_reference_abort(tmp_path: Path) -> None:
    """8-bit output: 511 equal maxima still run; 512 make the reference abort (exponent CHECK)
    and our runtime raise."""
    for depth, aborts in ((511, False), (512, True)):
        p = _softmax_model(tmp_path / f"m{depth}.tflite", (1, depth), "int8", "int8", 0.1, 1.0)
        x = np.zeros((1, depth), np.int8)
        module = load_numpy_model(p)
        if not aborts:
            np.testing.assert_array_equal(module.run(x), run_reference(p, [x], "tflm")[0])
            continue
        with pytest.raises(ValueError, match="reference kernel aborts"):
            module.run(x)
        with pytest.raises(ReferenceError):
            run_reference(p, [x], "tflm")


def test_softmax_params_prepare() -> None:
    """PreprocessSoftmaxScaling + CalculateInputRadius on hand-checked values."""
    assert softmax_params(1.0, 2.0**-26) is None  # real == 1: the reference CHECK fails
    m, shift, diff_min = softmax_params(1.0, 1 / 256)
    assert (m, shift, diff_min) == (1 << 30, 19, -31 * 2**26 // 2**19)
    assert softmax_params(1.0, 1e6) == ((1 << 31) - 1, 31, 0)  # capped at 2^31 − 1


def test_softmax_rejects_what_the_reference_rejects(tmp_path: Path) -> None:
    tiny = _softmax_model(tmp_path / "tiny.tflite", (1, 4), "int8", "int8", 1e-8, 1.0)
    with pytest.raises(TqcError, match="must be > 1"):
        load_numpy_model(tiny)
    with pytest.raises(ReferenceError):
        run_reference(tiny, [np.zeros((1, 4), np.int8)], "tflm")
    bad_zp = _softmax_model(tmp_path / "zp.tflite", (1, 4), "int8", "int8", 0.1, 1.0,
                            out=(0, 1 / 256))
    with pytest.raises(TqcError, match="zero point -128"):
        load_numpy_model(bad_zp)


@pytest.mark.parametrize("scale,beta,shape", [
    (0.00177876, 1.0, (1, 12)), (1e-4, 1.0, (1, 1001)), (0.01, 0.5, (1, 3, 40)),
    (0.3, 1.0, (1, 7)), (2e-6, 2.0, (1, 5)), (5.0, 1.0, (1, 2, 2, 9))])
def test_softmax_int16(tmp_path: Path, scale: float, beta: float, shape: tuple[int, ...]) -> None:
    p = _softmax_model(tmp_path / "m.tflite", shape, "int16", "int16", scale, beta,
                       out=(0, 1 / 32768))
    used = compare(p, inputs=[_softmax_inputs(shape, "int16", 32, seed=3)])
    assert used == "tflm"


def test_int16_luts_match_libm_expf() -> None:
    """The portable exp (float32(exp(double))) gives the same LUT as glibc's expf, which is
    what TFLM's std::exp(float) calls."""
    name = ctypes.util.find_library("m")
    if name is None:
        pytest.skip("no C math library to compare with")
    libm = ctypes.CDLL(name)
    libm.expf.restype, libm.expf.argtypes = ctypes.c_float, [ctypes.c_float]
    span = np.float32(65535)
    exp_lut, reciprocal_lut = softmax_int16_luts()
    expected = lut_populate_int16(lambda v: np.float32(libm.expf(float(v))),
                                  np.float32(10.0) / span, 32767, np.float32(2.0) / span, 0)
    np.testing.assert_array_equal(exp_lut, expected)
    assert exp_lut[512] == 32767 and reciprocal_lut[0] == 32767 and reciprocal_lut[512] == 16384
    np.testing.assert_array_equal(
        reciprocal_lut, lut_populate_int16(one_over_one_plus_x, np.float32(1.0) / span, -32768,
                                           np.float32(2.0) / span, 0))


MEAN_SHAPES = [((1, 7, 7, 16), [1, 2], True), ((1, 5, 6, 3), [2], False), ((1, 4, 8), [-1], True),
               ((1, 3, 4, 5), [1, 2, 3], False), ((1, 64, 64, 2), [1, 2], True),
               ((1, 3, 5, 2), [0, 1], True), ((1, 9, 9, 3), [2, 1], False),
               ((1, 1, 1, 7), [1, 2], True), ((1, 33, 31, 1), [1, 2], True),
               ((1, 6, 10), [1], False)]
# S_in / S_out: 1, typical, > 1 (positive shift), tiny (the 31 + shift clamp), flushed to zero
MEAN_RATIOS = [1.0, 0.3, 3.7, 1e-3, 1e4, 1e-9, 1e-10, 0.999, 1 / 49]
MEAN_CASES = [(10 * k + i, dtype, *MEAN_SHAPES[i], MEAN_RATIOS[(i + 3 * k) % len(MEAN_RATIOS)])
              for k, dtype in enumerate(["int8", "uint8", "int16"])
              for i in range(len(MEAN_SHAPES))]


@pytest.mark.parametrize("seed,dtype,shape,axes,keep_dims,ratio", MEAN_CASES)
def test_mean(tmp_path: Path, seed: int, dtype: str, shape: tuple[int, ...], axes: list[int],
              keep_dims: bool, ratio: float) -> None:
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    rank = len(shape)
    norm = sorted({a % rank for a in axes})
    out_shape = (tuple(1 if a in norm else d for a, d in enumerate(shape)) if keep_dims
                 else tuple(d for a, d in enumerate(shape) if a not in norm))
    zi, zo = (0, 0) if dtype == "int16" else (int(v) for v in rng.integers(info.min, info.max, 2))
    si = float(rng.uniform(0.001, 0.2))
    p = tmp_path / "mean.tflite"
    write_model(p, [Tensor("x", shape, dtype, si, zi),
                    Tensor("ax", (len(axes),), "int32", data=np.array(axes, np.int32)),
                    Tensor("y", out_shape, dtype, si / ratio, zo)],
                [Op("MEAN", ["x", "ax"], ["y"], {"keep_dims": keep_dims})], ["x"], ["y"])
    used = compare(p, n=16, seed=int(rng.integers(1000)))
    assert used == ("litert-ref" if dtype == "uint8" else "tflm")


def test_mean_multiplier() -> None:
    """1/N folded into the multiplier: (m << k) / N with k = min(floor(log2 N), 32, 31 + s)."""
    m, s = mean_multiplier(1.0, 1.0, 49)  # QM(1) = (2^30, 1); k = 5
    assert (m, s) == ((1 << 30 << 5) // 49, 1 - 5)
    m, s = mean_multiplier(1e-9, 1.0, 4096)  # s = −29 → k = 2
    assert s == -29 - 2
    assert mean_multiplier(1e-10, 1.0, 49)[0] == 0  # flushed: every output is the zero point
    assert math.isclose(m * 2.0 ** (s - 31), 1e-9 / 4096, rel_tol=2e-6)


SOFTMAX_MODELS = ["mlperftiny_kws_dscnn_int8", "mlperftiny_vww_mobilenetv1_96_int8",
                  "mlperftiny_ic_resnet8_cifar10_int8", "mlperftiny_sww_streaming_wakeword_int8",
                  "tflm_micro_speech_int8", "tflm_person_detect_mobilenetv1_int8",
                  "coral_mobilenet_v1_025_128_uint8"]


@pytest.mark.parametrize("name", SOFTMAX_MODELS)
def test_shared_models_with_softmax(name: str) -> None:
    used = compare(shared_model(f"{name}.tflite"), n=16)
    assert used == ("litert-ref" if name.endswith("uint8") else "tflm")


def test_shared_model_ds_cnn_int16() -> None:
    """int16 SOFTMAX behind int16x8 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED (more in
    tests/test_int16.py)."""
    assert compare(shared_model("armmlzoo_ds_cnn_small_int16x8.tflite"), n=16) == "tflm"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["coral_tf2_mobilenet_v2_100_224_ptq_int8_uint8io",
                                  "tflm_xtensa_pytorch_mobilenet_v2_224_int8"])
def test_shared_models_with_mean(name: str) -> None:
    assert compare(shared_model(f"{name}.tflite"), n=4) == "tflm"
