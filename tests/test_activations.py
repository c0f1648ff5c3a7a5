"""LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, PRELU, the RELU family and int→int QUANTIZE:
single-op models whose input covers all 256 values, under ordinary and extreme quantization,
bit-exact against the reference (TFLM for int8, LiteRT BUILTIN_REF for uint8); plus the
SSD MobileNet v3 model that uses HARD_SWISH, LOGISTIC and QUANTIZE.

Several cases below were found by searching for quantization parameters on which the two
candidate arithmetics (TFLM's vs LiteRT's: double vs float32 scale ratios, gemmlowp vs float
lookup table, double vs single rounding) give different outputs; the `*_distinguishes` tests
check that they really do, so that the bit-exact tests can tell the arithmetics apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from differential import compare, random_inputs, shared_model

from tqc.errors import TqcError
from tqc.passes.lowering.activations import prelu_multipliers
from tqc.pipeline import load_numpy_model
from tqc.reference import run_reference
from tqc.semantics import tables
from tqc.tflite_writer import Op, Tensor, write_model

REFERENCE = {"int8": "tflm", "uint8": "litert-ref"}
ELEMENT = {"int8": "i8", "uint8": "ui8"}

# (input scale, input zp, output scale, output zp[, options])
Case = tuple[Any, ...]


def all_values(dtype: str) -> np.ndarray:
    info = np.iinfo(dtype)
    return np.arange(info.min, info.max + 1).astype(dtype).reshape(1, 256)


def parallel_model(path: Path, opcode: str, dtype: str, cases: Sequence[Case],
                   dtype_out: str | None = None) -> Path:
    """One op per case, each with its own (1, 256) input and output."""
    tensors, ops = [], []
    for i, (s_in, zp_in, s_out, zp_out, *options) in enumerate(cases):
        tensors += [Tensor(f"x{i}", (1, 256), dtype, s_in, zp_in),
                    Tensor(f"y{i}", (1, 256), dtype_out or dtype, s_out, zp_out)]
        ops.append(Op(opcode, [f"x{i}"], [f"y{i}"], options[0] if options else {}))
    n = len(cases)
    write_model(path, tensors, ops, [f"x{i}" for i in range(n)], [f"y{i}" for i in range(n)])
    return path


def check_parallel(tmp_path: Path, opcode: str, dtype: str, cases: Sequence[Case],
                   runtime: str | None = None, dtype_out: str | None = None) -> None:
    model = parallel_model(tmp_path / f"{opcode.lower()}.tflite", opcode, dtype, cases, dtype_out)
    compare(model, inputs=[all_values(dtype)] * len(cases), runtime=runtime or REFERENCE[dtype])


# ---- LOGISTIC -------------------------------------------------------------------------------

# TFLM int8: the output must be zp −128; its scale is never read (0.5 below: TFLM writes
# 1/256-scaled values anyway). 2^-29 and 4.0 give input radii −1 and 1, 16.0 radius 0;
# 2.0105042457580566 is a TFLM ≠ LiteRT case.
LOGISTIC_INT8 = [(s, zp, 1 / 256, -128) for s in (0.1, 0.02, 1.0, 0.003, 1e-4, 3.0)
                 for zp in (-128, 0, 127)] + [
    (2.0105042457580566, 73, 1 / 256, -128), (2.0085015296936035, -35, 1 / 256, -128),
    (2.0**-29, 5, 1 / 256, -128), (2.0**-31, -128, 1 / 256, -128), (4.0, 5, 1 / 256, -128),
    (16.0, 127, 1 / 256, -128), (0.05, 3, 0.5, -128)]
# LiteRT uint8: the output scale must be 1/256, its zero point is free.
LOGISTIC_UINT8 = [(s, zp, 1 / 256, zo) for s in (0.1, 0.02, 1.0, 0.003, 5.0, 1e-4)
                  for zp, zo in ((0, 0), (128, 0), (255, 255), (0, 255), (255, 128))]


@pytest.mark.parametrize("dtype, cases", [("int8", LOGISTIC_INT8), ("uint8", LOGISTIC_UINT8)])
def test_logistic(tmp_path: Path, dtype: str, cases: list[Case]) -> None:
    check_parallel(tmp_path, "LOGISTIC", dtype, cases)


def test_logistic_int8_tflm_and_litert_differ(tmp_path: Path) -> None:
    """gemmlowp fixed point (TFLM) vs float lookup table (LiteRT) on int8: one value apart."""
    case = (2.0105042457580566, 73, 1 / 256, -128)
    model = parallel_model(tmp_path / "m.tflite", "LOGISTIC", "int8", [case])
    x = all_values("int8")
    tflm, litert = run_reference(model, [x], "tflm")[0], run_reference(model, [x], "litert-ref")[0]
    assert np.count_nonzero(tflm != litert) == 1
    np.testing.assert_array_equal(load_numpy_model(model).run(x), tflm)
    np.testing.assert_array_equal(
        tables.logistic_table_litert("i8", *case).astype(np.int8), litert[0])


# ---- TANH -----------------------------------------------------------------------------------

# TFLM int8 never reads the output quantization (scale 1/128, zp 0 assumed).
TANH_INT8 = [(s, zp, 1 / 128, 0) for s in (0.1, 0.02, 1.0, 0.003, 1e-4, 3.0)
             for zp in (-128, 0, 127)] + [
    (2.0**-29, 5, 1 / 128, 0), (4.0, 5, 1 / 128, 0), (0.05, 3, 0.3, 10), (0.05, 3, 1e-3, -128)]
# LiteRT uint8 honours any output quantization; 1e-12 overflows the float → int32 conversion
# (INT32_MIN on x86-64, clamped to 0).
TANH_UINT8 = [(s, zp, so, zo) for s in (0.1, 0.02, 1.0, 1e-5, 5.0) for zp in (0, 128, 255)
              for so, zo in ((1 / 128, 128), (0.5, 0), (1e-12, 255), (0.003, 7), (100.0, 255))]


@pytest.mark.parametrize("dtype, cases", [("int8", TANH_INT8), ("uint8", TANH_UINT8)])
def test_tanh(tmp_path: Path, dtype: str, cases: list[Case]) -> None:
    check_parallel(tmp_path, "TANH", dtype, cases)


# ---- HARD_SWISH -----------------------------------------------------------------------------

HARD_SWISH_COMMON = [(0.1, "lo", 0.05, "lo"), (0.1, "hi", 0.05, "hi"), (0.02, "mid", 0.02, "mid"),
                     (1.0, "lo", 1.0, "hi"), (0.003, "mid", 0.003, "lo"), (1e-4, "hi", 0.01, "mid"),
                     (0.01, "lo", 10.0, "hi"), (0.01, "hi", 100.0, "lo"),  # exponents ≤ −16
                     (30.0, "mid", 30.0, "mid"), (0.02, "lo", 0.02 / 127, "mid"),
                     (200.0, "lo", 2.0, "hi"), (1e-5, "mid", 1.0, "lo")]
# TFLM divides the scales in double, LiteRT in float32: these differ between the two.
HARD_SWISH_INT8 = [(0.15142539143562317, -74, 0.13324491679668427, -29),
                   (0.4725896120071411, -123, 0.44241398572921753, -58)]
# uint8: 1.0 → 1.0001/128 with zp_out 255 wraps the int16 output (x = 255 gives 0).
HARD_SWISH_UINT8 = [(0.500276505947113, 5, 0.7733852863311768, 74),
                    (0.014163464307785034, 146, 0.004380116704851389, 176),
                    (1.0, 0, float(np.float32(1.0001 / 128)), 255)]
ZERO_POINTS = {"int8": {"lo": -128, "mid": 0, "hi": 127}, "uint8": {"lo": 0, "mid": 128, "hi": 255}}


def _concrete(dtype: str, cases: list[Case]) -> list[Case]:
    zps = ZERO_POINTS[dtype]
    return [(s, zps[z], so, zps[zo]) for s, z, so, zo in cases]


@pytest.mark.parametrize("dtype, extra", [("int8", HARD_SWISH_INT8), ("uint8", HARD_SWISH_UINT8)])
def test_hard_swish(tmp_path: Path, dtype: str, extra: list[Case]) -> None:
    check_parallel(tmp_path, "HARD_SWISH", dtype, _concrete(dtype, HARD_SWISH_COMMON) + extra)


@pytest.mark.parametrize("dtype, case", [("int8", HARD_SWISH_INT8[0]),
                                         ("uint8", HARD_SWISH_UINT8[0])])
def test_hard_swish_scale_arithmetic_distinguishes(dtype: str, case: Case) -> None:
    tflm = tables.hard_swish_table(ELEMENT[dtype], *case, litert=False)
    litert = tables.hard_swish_table(ELEMENT[dtype], *case, litert=True)
    assert (tflm != litert).any()


def test_hard_swish_uint8_int16_wrap() -> None:
    table = tables.hard_swish_table("ui8", *HARD_SWISH_UINT8[2], litert=True)
    assert table[254] == 255 and table[255] == 0


# ---- LEAKY_RELU -----------------------------------------------------------------------------

def _leaky_cases(dtype: str) -> list[Case]:
    zps = ZERO_POINTS[dtype]
    cases: list[Case] = []
    scales = [(0.1, 0.1), (0.1, 0.05), (0.05, 0.4), (1.0, 1e-4), (1e-4, 10.0)]
    zero_points = [("lo", "hi"), ("hi", "lo"), ("mid", "mid"), ("lo", "lo"), ("hi", "mid")]
    for k, alpha in enumerate((0.2, 0.01, -0.5, 1.5, 0.0, -3.0, 1e-12, 7.0)):
        for j, (s, so) in enumerate(scales):
            z, zo = zero_points[(j + k) % len(zero_points)]
            cases.append((s, zps[z], so, zps[zo], {"alpha": alpha}))
    return cases


# double (TFLM) vs float32 (LiteRT) scale arithmetic differ on these
LEAKY_INT8 = [(0.07709798961877823, -111, 0.05511187016963959, -88, {"alpha": 0.2958953380584717}),
              (0.004095861222594976, -28, 0.00968458317220211, 93, {"alpha": 0.16394346952438354})]
LEAKY_UINT8 = [(0.009005413390696049, 199, 0.0064630708657205105, 107,
                {"alpha": 0.4098157584667206}),
               (0.808076024055481, 80, 0.08183048665523529, 41, {"alpha": 0.031028667464852333})]


@pytest.mark.parametrize("dtype, extra", [("int8", LEAKY_INT8), ("uint8", LEAKY_UINT8)])
def test_leaky_relu(tmp_path: Path, dtype: str, extra: list[Case]) -> None:
    check_parallel(tmp_path, "LEAKY_RELU", dtype, _leaky_cases(dtype) + extra)


@pytest.mark.parametrize("dtype, case", [("int8", LEAKY_INT8[0]), ("uint8", LEAKY_UINT8[0])])
def test_leaky_relu_scale_arithmetic_distinguishes(dtype: str, case: Case) -> None:
    s, zp, so, zo, options = case
    tflm = tables.leaky_relu_table(ELEMENT[dtype], s, zp, so, zo, options["alpha"], litert=False)
    litert = tables.leaky_relu_table(ELEMENT[dtype], s, zp, so, zo, options["alpha"], litert=True)
    assert (tflm != litert).any()


# ---- PRELU ----------------------------------------------------------------------------------

def prelu_model(path: Path, dtype: str, s_in: float, zp_in: int, s_alpha: float, zp_alpha: int,
                s_out: float, zp_out: int, alpha_shape: tuple[int, ...] = (256,)) -> Path:
    """x: (1, 256, 256); alpha: every value of the type, reversed, broadcast over x."""
    info = np.iinfo(dtype)
    alpha = np.resize(np.arange(info.max, info.min - 1, -1), int(np.prod(alpha_shape)))
    write_model(path, [Tensor("x", (1, 256, 256), dtype, s_in, zp_in),
                       Tensor("a", alpha_shape, dtype, s_alpha, zp_alpha,
                              data=alpha.reshape(alpha_shape)),
                       Tensor("y", (1, 256, 256), dtype, s_out, zp_out)],
                [Op("PRELU", ["x", "a"], ["y"])], ["x"], ["y"])
    return path


def prelu_input(dtype: str) -> np.ndarray:
    """Row i holds every value rotated by i, so every (x, alpha) pair occurs."""
    values = all_values(dtype)[0]
    i, j = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    return values[(i + j) % 256][None]


# (s_in, zp_in, s_alpha, zp_alpha, s_out, zp_out); the last of each list tells TFLM's double
# scale arithmetic from LiteRT's float32 one.
PRELU_INT8 = [(0.1, -128, 0.01, 127, 0.1, -128), (0.05, 127, 0.5, -128, 0.02, 127),
              (1.0, 0, 1.0, 0, 1e-3, 0), (1e-3, 5, 1e-3, -7, 10.0, -100),
              (0.7622746229171753, 63, 0.002272561425343156, 39, 0.4068959057331085, -52)]
PRELU_UINT8 = [(0.1, 0, 0.01, 255, 0.1, 0), (0.05, 255, 0.5, 0, 0.02, 255),
               (1.0, 128, 1.0, 128, 1e-3, 128), (1e-3, 5, 1e-3, 200, 10.0, 100),
               (0.01035853661596775, 240, 0.03972532972693443, 195, 0.023943014442920685, 219)]


@pytest.mark.parametrize("alpha_shape", [(256,), (1, 1, 256), (1, 256, 256)])
@pytest.mark.parametrize("dtype, cases", [("int8", PRELU_INT8), ("uint8", PRELU_UINT8)])
def test_prelu(tmp_path: Path, dtype: str, cases: list[Case],
               alpha_shape: tuple[int, ...]) -> None:
    for k, case in enumerate(cases):
        model = prelu_model(tmp_path / f"prelu{k}.tflite", dtype, *case, alpha_shape=alpha_shape)
        compare(model, inputs=[prelu_input(dtype)], runtime=REFERENCE[dtype])


def test_prelu_int8_tflm_and_litert_differ(tmp_path: Path) -> None:
    model = prelu_model(tmp_path / "m.tflite", "int8", *PRELU_INT8[-1])
    x = prelu_input("int8")
    tflm, litert = run_reference(model, [x], "tflm")[0], run_reference(model, [x], "litert-ref")[0]
    assert (tflm != litert).any()
    np.testing.assert_array_equal(load_numpy_model(model).run(x), tflm)


def test_prelu_uint8_scale_arithmetic_distinguishes() -> None:
    s_in, _, s_alpha, _, s_out, _ = PRELU_UINT8[-1]
    assert (prelu_multipliers(s_in, s_alpha, s_out, "ui8", False)
            != prelu_multipliers(s_in, s_alpha, s_out, "i8", False))


# ---- RELU, RELU6, RELU_N1_TO_1 ----------------------------------------------------------------

RELU_SCALES = [(0.1, 0.1), (0.1, 0.05), (0.05, 0.1), (1.0, 1e-3), (1e-3, 1.0), (0.03, 0.07)]


def _relu_cases(dtype: str, extra: list[Case]) -> list[Case]:
    zps = list(ZERO_POINTS[dtype].values())
    return [(s, zps[k % 3], so, zps[(k + j) % 3]) for k, (s, so) in enumerate(RELU_SCALES)
            for j in range(3)] + extra


# TFLM RELU divides the scales in double (int8), LiteRT in float32 (uint8): these differ.
# TFLM RELU6 clamps on the input's scale and ignores the output quantization.
RELU_EXTRA = {
    ("RELU", "int8"): [(0.010036608204245567, 93, 0.01932976394891739, 55)],
    ("RELU6", "uint8"): [(0.010510417632758617, 90, 0.010905546136200428, 133)],
    ("RELU6", "int8"): [(0.03526696190237999, -109, 0.02059384621679783, -24)],
}


@pytest.mark.parametrize("opcode", ["RELU", "RELU6", "RELU_N1_TO_1"])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_relu_family(tmp_path: Path, opcode: str, dtype: str) -> None:
    # TFLM has no RELU_N1_TO_1 kernel: LiteRT is the reference for it
    runtime = "litert-ref" if opcode == "RELU_N1_TO_1" else REFERENCE[dtype]
    cases = _relu_cases(dtype, RELU_EXTRA.get((opcode, dtype), []))
    check_parallel(tmp_path, opcode, dtype, cases, runtime)


@pytest.mark.parametrize("opcode, case", [("RELU", RELU_EXTRA[("RELU", "int8")][0]),
                                          ("RELU6", RELU_EXTRA[("RELU6", "int8")][0])])
def test_relu_int8_tflm_and_litert_differ(tmp_path: Path, opcode: str, case: Case) -> None:
    model = parallel_model(tmp_path / "m.tflite", opcode, "int8", [case])
    x = all_values("int8")
    tflm, litert = run_reference(model, [x], "tflm")[0], run_reference(model, [x], "litert-ref")[0]
    assert (tflm != litert).any()
    np.testing.assert_array_equal(load_numpy_model(model).run(x), tflm)


# ---- QUANTIZE int → int ------------------------------------------------------------------------

# Per pair: a case where float32 and double S_in / S_out give different outputs, and one where
# single and double rounding do. Both references compute double / double rounding.
QUANTIZE_CASES = {
    ("int8", "int8"): [(0.3675724267959595, -36, 0.003848925931379199, 24),
                       (0.0017669482622295618, -40, 0.020646201446652412, 81),
                       (0.02, -128, 0.01, 127), (1.0, 127, 1e-3, -128), (1e-3, 0, 1.0, 0)],
    ("uint8", "uint8"): [(0.03450539708137512, 161, 0.0057900212705135345, 251),
                         (0.0010056601604446769, 84, 0.005947749130427837, 108),
                         (0.02, 0, 0.01, 255), (1.0, 255, 1e-3, 0)],
    ("int8", "uint8"): [(0.016378682106733322, -52, 0.007736056577414274, 43),
                        (0.02348988689482212, -116, 0.6360132098197937, 201),
                        (0.05, -128, 0.05, 0)],
    ("uint8", "int8"): [(0.005996330175548792, 65, 0.08648227900266647, -75),
                        (0.011688691563904285, 219, 0.10190720856189728, -50),
                        (0.05, 128, 0.05, 0)],
}


@pytest.mark.parametrize("dtypes", list(QUANTIZE_CASES))
def test_quantize_requantize(tmp_path: Path, dtypes: tuple[str, str]) -> None:
    dtype_in, dtype_out = dtypes
    # TFLM has int8 ↔ uint8 and int8 → int8 but no uint8 → uint8 requantization
    runtime = "litert-ref" if dtypes == ("uint8", "uint8") else "tflm"
    check_parallel(tmp_path, "QUANTIZE", dtype_in, QUANTIZE_CASES[dtypes], runtime, dtype_out)


# ---- refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize("opcode, dtype, case, message", [
    ("LOGISTIC", "int8", (0.1, 0, 1 / 256, 0), "zero point -128"),
    ("LOGISTIC", "uint8", (0.1, 0, 1 / 128, 0), "scale 1/256"),
    ("HARD_SWISH", "int8", (1.0, 0, 1e-3, 0), "output multiplier exponent"),
])
def test_refused_like_the_reference(tmp_path: Path, opcode: str, dtype: str, case: Case,
                                    message: str) -> None:
    model = parallel_model(tmp_path / "m.tflite", opcode, dtype, [case])
    with pytest.raises(Exception):
        run_reference(model, [all_values(dtype)], REFERENCE[dtype])
    with pytest.raises(TqcError, match=message):
        load_numpy_model(model)


def test_int16_logistic_is_rejected(tmp_path: Path) -> None:
    """int16 LOGISTIC is lowered (tests/test_int16.py), but not with an output scale other than
    2^-15, which TFLM refuses too."""
    path = tmp_path / "m.tflite"
    write_model(path, [Tensor("x", (1, 8), "int16", 2.0**-12, 0),
                       Tensor("y", (1, 8), "int16", 2.0**-14, 0)],
                [Op("LOGISTIC", ["x"], ["y"])], ["x"], ["y"])
    with pytest.raises(TqcError, match="int16"):  # the importer or the rule refuses it
        load_numpy_model(path)


# ---- whole model ------------------------------------------------------------------------------

@pytest.mark.slow
def test_ssd_mobilenet_v3_int8() -> None:
    """HARD_SWISH ×18, LOGISTIC, int8 → int8 QUANTIZE ×10, with MUL/ADD/CONCATENATION."""
    model = shared_model("armmlzoo_ssd_mobilenet_v3_int8.tflite")
    module = load_numpy_model(model)
    used = compare(model, inputs=random_inputs(module.INPUTS, 4, seed=1))
    assert used == "tflm"
