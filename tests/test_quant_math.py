"""Compile-time quantization arithmetic (`tqc/semantics/quant_math.py`): QuantizeMultiplier edge cases, and
activation ranges whose bounds do not fit int32 (TFLite's Quantize() in kernel_util.cc
TF_LITE_ENSUREs -2^31 <= round(f / scale) <= float(INT32_MAX) = 2^31), checked against the
reference on single-op models at the boundary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from differential import compare
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model
from tqc.semantics.quant_math import ActivationRangeOverflow, activation_range, quantize_multiplier
from tqc.reference import run_reference
from tqc.tflite_writer import Op, Tensor, write_model

# ---- quantize_multiplier ----------------------------------------------------------------------


@pytest.mark.parametrize("real, expected", [
    (0.0, (0, 0)),
    # exact powers of two: mantissa 0.5 → 2^30
    (1.0, (1 << 30, 1)), (0.5, (1 << 30, 0)), (0.25, (1 << 30, -1)), (2.0**-31, (1 << 30, -30)),
    (2.0**-32, (1 << 30, -31)),  # shift −31 is the last one kept
    # tiny: shift < −31 is flushed to (0, 0)
    (2.0**-33, (0, 0)), (1e-12, (0, 0)), (5e-324, (0, 0)),
    # the mantissa rounds (half away from zero) up to 2^31: carried into the shift
    (1.0 - 2.0**-33, (1 << 30, 1)), (0.5 - 2.0**-34, (1 << 30, 0)),
    (1.0 - 2.0**-31, (2**31 - 1, 0)),  # q·2^31 = 2^31 − 1 exactly: no carry
    # > 1
    (3.0, (3 << 29, 2)), (1.5, (3 << 29, 1)), (1000.0, (round(1000 / 1024 * 2**31), 10)),
    # ties round away from zero: q·2^31 = 2^30 + 0.5
    (0.5 + 2.0**-32, (2**30 + 1, 0)),
    (-0.5, (-(1 << 30), 0)), (-(0.5 + 2.0**-32), (-(2**30 + 1), 0)),
])
def test_quantize_multiplier(real: float, expected: tuple[int, int]) -> None:
    assert quantize_multiplier(real) == expected
    m, shift = expected
    if m:
        assert abs(m * 2.0 ** (shift - 31) - real) <= 2.0 ** (shift - 32)


@pytest.mark.parametrize("real, double, single", [
    (2.0**30, (1 << 30, 31), (2**31 - 1, 30)),  # shift 31 saturates with single rounding
    (2.0**32 * 0.75, (3 << 29, 32), (2**31 - 1, 30)),
    (2.0**29, (1 << 30, 30), (1 << 30, 30)),  # shift 30 is kept
])
def test_quantize_multiplier_single_rounding(real: float, double: tuple[int, int],
                                             single: tuple[int, int]) -> None:
    assert quantize_multiplier(real) == double
    assert quantize_multiplier(real, single_rounding=True) == single


# ---- activation_range ----------------------------------------------------------------------

# RELU6 output scales (float32 values) next to the int32 limit: f32(6 / S) is
S_OK = 2.7939679458910405e-09       # 2^31 − 128: fits
S_EDGE = 2.7939677238464355e-09     # 2^31: passes the reference's check, then UB in C
S_REFUSED = 2.7939672797572257e-09  # 2^31 + 256: the reference refuses the model


def test_boundary_scales() -> None:
    def tmp(s: float) -> float:
        return float(np.float32(6.0) / np.float32(s))

    assert (tmp(S_OK), tmp(S_EDGE), tmp(S_REFUSED)) == (2.0**31 - 128, 2.0**31, 2.0**31 + 256)
    assert all(float(np.float32(s)) == s for s in (S_OK, S_EDGE, S_REFUSED))


def test_activation_range_ordinary() -> None:
    assert activation_range("RELU6", 6 / 255, -128, "i8") == (-128, 127)
    assert activation_range("RELU6", 0.05, -10, "i8") == (-10, 110)
    assert activation_range("RELU_N1_TO_1", 0.01, 3, "ui8") == (0, 103)
    assert activation_range("RELU", 1e-30, 5, "i8") == (5, 127)  # 0 / S is 0 at any scale
    assert activation_range("NONE", 0.0, 0, "i16") == (-32768, 32767)


def test_activation_range_at_the_int32_limit() -> None:
    assert activation_range("RELU6", S_OK, 0, "i8") == (0, 127)
    assert activation_range("RELU6", S_OK, 127, "i8") == (127, 127)  # 2^31 − 1: still fits
    with pytest.raises(ActivationRangeOverflow, match="refuses the model"):
        activation_range("RELU6", S_REFUSED, 0, "i8")
    with pytest.raises(ActivationRangeOverflow, match="refuses the model"):
        activation_range("RELU6", 1e-12, -128, "i8")
    with pytest.raises(ActivationRangeOverflow, match="undefined behaviour"):
        activation_range("RELU6", S_EDGE, 0, "i8")  # int32(2^31)
    with pytest.raises(ActivationRangeOverflow, match="undefined behaviour"):
        activation_range("RELU6", S_OK, 255, "ui8")  # 255 + 2^31 − 128 overflows int32
    # RELU_N1_TO_1: −1 / S < −2^31 below S ≈ 4.66e-10
    assert activation_range("RELU_N1_TO_1", 5e-10, 0, "i8") == (-128, 127)
    with pytest.raises(ActivationRangeOverflow, match="refuses the model"):
        activation_range("RELU_N1_TO_1", 4e-10, 0, "i8")
    with pytest.raises(ActivationRangeOverflow, match="undefined behaviour"):
        activation_range("RELU_N1_TO_1", 2.0**-31, -1, "i8")  # −1 + int32(−2^31) overflows


def test_activation_range_zero_scale() -> None:
    """0 / 0 is NaN, which fails the reference's check; the standalone kernels convert it (UB)."""
    with pytest.raises(ActivationRangeOverflow, match="refuses the model"):
        activation_range("RELU", 0.0, 0, "i8")
    with pytest.raises(ActivationRangeOverflow, match="undefined behaviour"):
        activation_range("RELU", 0.0, 0, "i8", checked=False)
    assert activation_range("NONE", 0.0, 0, "i8") == (-128, 127)


def test_activation_range_unchecked() -> None:
    """The standalone RELU kernels never refuse: out-of-range bounds are UB there."""
    with pytest.raises(ActivationRangeOverflow, match="undefined behaviour"):
        activation_range("RELU6", S_REFUSED, 0, "i8", checked=False)
    assert activation_range("RELU6", S_OK, 0, "i8", checked=False) == (0, 127)


# ---- against the reference -------------------------------------------------------------------

def _add_model(path: Path, dtype: str, s_out: float, zp_out: int, act: str) -> Path:
    zp = 0 if dtype == "int8" else 128
    tensors = [Tensor("a", (1, 16), dtype, 1e-9, zp), Tensor("b", (1, 16), dtype, 1e-9, zp),
               Tensor("y", (1, 16), dtype, s_out, zp_out)]
    write_model(path, tensors, [Op("ADD", ["a", "b"], ["y"], {"fused_activation_function": act})],
                ["a", "b"], ["y"])
    return path


@pytest.mark.parametrize("dtype, zp_out", [("int8", -128), ("int8", 127), ("uint8", 0)])
def test_fused_relu6_largest_bound_is_bit_exact(tmp_path: Path, dtype: str, zp_out: int) -> None:
    compare(_add_model(tmp_path / "m.tflite", dtype, S_OK, zp_out, "RELU6"))


@pytest.mark.parametrize("dtype, runtime", [("int8", "tflm"), ("uint8", "litert-ref")])
@pytest.mark.parametrize("act, scale", [("RELU6", S_REFUSED), ("RELU6", 1e-12),
                                        ("RELU_N1_TO_1", 4e-10)])
def test_fused_activation_refused_like_the_reference(tmp_path: Path, dtype: str, runtime: str,
                                                     act: str, scale: float) -> None:
    model = _add_model(tmp_path / "m.tflite", dtype, scale, 0, act)
    x = np.zeros((1, 16), dtype)
    with pytest.raises(Exception, match="no_integer_overflow_from_quantization"):
        run_reference(model, [x, x], runtime)
    with pytest.raises(TqcError, match=rf"op #0 ADD: {act}: .* refuses the model"):
        load_numpy_model(model)


def test_fused_relu6_undefined_behaviour_refused(tmp_path: Path) -> None:
    """f32(6 / S) = 2^31 passes the reference's check (it runs) but converts with UB: refused."""
    model = _add_model(tmp_path / "m.tflite", "int8", S_EDGE, 0, "RELU6")
    x = np.zeros((1, 16), np.int8)
    run_reference(model, [x, x], "tflm")
    with pytest.raises(TqcError, match="op #0 ADD: RELU6: .* undefined behaviour"):
        load_numpy_model(model)


def _relu6_model(path: Path, dtype: str, s_in: float, s_out: float) -> Path:
    write_model(path, [Tensor("x", (1, 256), dtype, s_in, 0),
                       Tensor("y", (1, 256), dtype, s_out, 0)], [Op("RELU6", ["x"], ["y"])],
                ["x"], ["y"])
    return path


def test_standalone_relu6_tiny_output_scale(tmp_path: Path) -> None:
    """TFLM's int8 RELU6 clamps on the input scale and never reads the output's: compiled and
    bit-exact. LiteRT's uint8 RELU6 converts 6 / S_out to int32 unchecked (UB): refused."""
    x = np.arange(-128, 128).astype(np.int8).reshape(1, 256)
    compare(_relu6_model(tmp_path / "i8.tflite", "int8", 0.05, 1e-12), inputs=[x], runtime="tflm")
    with pytest.raises(TqcError, match="op #0 RELU6: RELU6: .* undefined behaviour"):
        load_numpy_model(_relu6_model(tmp_path / "u8.tflite", "uint8", 0.05, 1e-12))
