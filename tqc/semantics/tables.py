"""Lookup tables of the element-wise activations (256 entries; 65536 for int16 LEAKY_RELU),
computed at compile time by re-running the reference kernel's arithmetic on every input value.

Each builder returns the table as an int64 array indexed by `x - min(storage type)`. Sources:
TFLM `micro/kernels/{logistic_common,tanh,hard_swish_common,leaky_relu_common}.cc`,
`lite/kernels/internal/reference/{integer_ops/logistic,integer_ops/tanh,hard_swish,
leaky_relu}.h`, gemmlowp `fixedpoint/fixedpoint.h`; LiteRT `tflite/kernels/activations.cc`
(kReference) and `LUTPopulateInt8` in `tflite/kernels/internal/common.h`.

Notation: S = float32 scale, zp = zero point, QM = QuantizeMultiplier (round half away),
MBQM = MultiplyByQuantizedMultiplier with double rounding (SRDHM, then RoundingDivideByPOT),
RDivPOT = RoundingDivideByPOT. "f32(a op b)" is float32 arithmetic, "(a op b)" double.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from collections.abc import Callable
from functools import cache

import numpy as np

from tqc.dialects.element import kind
from tqc.errors import TqcError
from tqc.semantics import gemmlowp_activations
from tqc.semantics.fixedpoint import (
    multiply_by_quantized_multiplier,
    shift_right_round,
    wrap_int32,
)
from tqc.semantics.quant_math import f32, quantize_multiplier, round_half_away
from tqc.semantics.l2_norm import inv_sqrt_quantized_multiplier_exp
from tqc.semantics.softmax import lut_lookup_int16


class ReferenceRefuses(ValueError):
    """The reference kernel's Prepare fails for these quantization parameters."""


def domain(element: str) -> np.ndarray:
    """Every value of an 8- or 16-bit storage type, in table order."""
    lo, hi = kind(element).range
    return np.arange(lo, hi + 1, dtype=np.int64)


# ---- TFLM int8 LOGISTIC / TANH: gemmlowp fixed point ---------------------------------------

def _tflm_input_rescale(scale: float) -> tuple[int, int, int]:
    """(input_multiplier, input_left_shift, input_range_radius) of TFLM's int8 LOGISTIC/TANH
    Prepare, kInputIntegerBits = 4:
        q, shift = frexp(double(S_in) · 2^27);  multiplier = round_half_away(q · 2^31)
        radius = floor(15.0 · 2^27 / double(int64(1LL << shift)))   (CalculateInputRadius)
    A shift < 0 (S_in < 2^-28) is undefined behaviour in C; the x86-64 build masks the count
    to 6 bits (1LL << 63 is negative), which we reproduce: the radius is then 0 or −1 and
    every input saturates. Shifts below −31 or above 63 are refused."""
    q, shift = math.frexp(scale * float(1 << 27))
    if not -31 <= shift <= 63:
        raise ReferenceRefuses(f"input scale {scale!r} is out of the supported range")
    multiplier = round_half_away(q * float(1 << 31))
    divisor = 1 << (shift & 63)
    divisor = divisor - (1 << 64) if divisor >= 1 << 63 else divisor
    radius = math.floor(15.0 * float(1 << 27) / float(divisor))
    return multiplier, shift, radius


def _tflm_q4_input(x: np.ndarray, zp: int, scale: float) -> tuple[np.ndarray, np.ndarray,
                                                                    np.ndarray]:
    """(input_in_q4, saturate_low, saturate_high) for every input value."""
    multiplier, shift, radius = _tflm_input_rescale(scale)
    centered = x - zp
    low = centered <= -radius
    high = (centered >= radius) & ~low
    inside = ~(low | high)
    q4 = np.zeros_like(centered)
    q4[inside] = multiply_by_quantized_multiplier(centered[inside], multiplier, shift)
    return q4, low, high


def logistic_table_tflm(scale_in: float, zp_in: int, zp_out: int) -> np.ndarray:
    """TFLM int8 LOGISTIC (`reference_integer_ops::Logistic`):
        d = x − zp_in
        d <= −radius → −128;  d >= radius → 127;  else
        q4 = MBQM(d, multiplier, shift)                       FixedPoint<int32, 4>
        out = clamp(RDivPOT(gemmlowp::logistic(q4), 23) − 128, −128, 127)
    Prepare requires zp_out = −128; the output scale is never read (1/256 is assumed)."""
    if zp_out != -128:
        raise ReferenceRefuses(f"int8 LOGISTIC needs output zero point -128, not {zp_out}")
    x = domain("i8")
    q4, low, high = _tflm_q4_input(x, zp_in, scale_in)
    q0 = gemmlowp_activations.logistic(q4, 4)
    out = np.clip(shift_right_round(q0, 23) - 128, -128, 127)
    return np.where(low, -128, np.where(high, 127, out))


def tanh_table_tflm(scale_in: float, zp_in: int) -> np.ndarray:
    """TFLM int8 TANH (`reference_integer_ops::Tanh`):
        d = x − zp_in
        d <= −radius → −128;  d >= radius → 127;  else
        q4 = MBQM(d, multiplier, shift)
        out = clamp(RDivPOT(gemmlowp::tanh(q4), 24), −128, 127)
    The output zero point and scale are never read (0 and 1/128 are assumed)."""
    x = domain("i8")
    q4, low, high = _tflm_q4_input(x, zp_in, scale_in)
    q0 = gemmlowp_activations.tanh(q4, 4)
    out = np.clip(shift_right_round(q0, 24), -128, 127)
    return np.where(low, -128, np.where(high, 127, out))


# ---- LiteRT kReference uint8 LOGISTIC / TANH: float LUT ------------------------------------

@cache
def _libm() -> ctypes.CDLL:
    name = ctypes.util.find_library("m")
    if name is None:
        raise TqcError("the C math library (libm) is needed to reproduce LiteRT's float "
                           "lookup tables (expf, tanhf, logf) and was not found")
    lib = ctypes.CDLL(name)
    for fn in ("expf", "tanhf", "logf"):
        getattr(lib, fn).restype = ctypes.c_float
        getattr(lib, fn).argtypes = [ctypes.c_float]
    return lib


def _c_float_to_int32(v: np.float32) -> int:
    """static_cast<int32_t>(float) as x86-64 computes it (cvttss2si): truncation, and
    INT32_MIN for NaN and out-of-range values."""
    if not math.isfinite(float(v)) or not -(2.0**31) <= float(v) < 2.0**31:
        return -(2**31)
    return math.trunc(float(v))


def _sigmoid_f32(x: np.float32) -> np.float32:
    """[](float v) { return 1.0f / (1.0f + std::exp(-v)); }"""
    e = np.float32(_libm().expf(float(-x)))
    return np.float32(np.float32(1.0) / np.float32(np.float32(1.0) + e))


def _tanh_f32(x: np.float32) -> np.float32:
    return np.float32(_libm().tanhf(float(x)))


def lut_populate_float(element: str, scale_in: float, zp_in: int, scale_out: float, zp_out: int,
                       transform: Callable[[np.float32], np.float32],
                       saturate: bool = False) -> np.ndarray:
    """LUTPopulateInt8 (LiteRT), all float32:
        inverse_scale = f32(1 / S_out)
        y = transform(f32(S_in · float(x − zp_in)))
        q = int32(f32(roundf(f32(y · inverse_scale)) + float(zp_out)))   (C cast, truncation)
        out = clamp(q, type range)
    The transforms call the host C library (expf, tanhf), as LiteRT does: the table is the one
    LiteRT computes on this host. `saturate`: a value beyond int32 gives the type's bound (what
    ai-edge-litert 2.3.0's LUTPopulate does, measured on EXP int8), not the x86 cast's INT32_MIN
    (TFLM's ELU table)."""
    lo, hi = kind(element).range
    with np.errstate(over="ignore", invalid="ignore"):
        inverse_scale = np.float32(1.0) / np.float32(scale_out)
        table = []
        for x in domain(element):
            dequantized = np.float32(np.float32(scale_in) * np.float32(int(x) - zp_in))
            y = transform(dequantized)
            scaled = np.float32(y * inverse_scale)
            rounded = scaled if not math.isfinite(float(scaled)) else np.float32(
                round_half_away(float(scaled)))
            total = np.float32(rounded + np.float32(zp_out))
            if saturate and not math.isnan(float(total)):
                total = np.float32(min(max(float(total), lo), hi))
            q = _c_float_to_int32(total)
            table.append(min(max(q, lo), hi))
    return np.array(table, dtype=np.int64)


def _elu_f32(x: np.float32) -> np.float32:
    """TFLM ELU: [](float v) { return v < 0.0f ? std::exp(v) - 1.0f : v; } (expf)."""
    if x >= 0:
        return x
    return np.float32(np.float32(_libm().expf(float(x))) - np.float32(1.0))


def elu_table(element: str, scale_in: float, zp_in: int, scale_out: float, zp_out: int) -> np.ndarray:
    """TFLM int8 ELU (micro/kernels/elu.cc `PopulateLookupTable`): the float32 LUT of
    `lut_populate_float` with expf(v) − 1 for v < 0, v otherwise."""
    return lut_populate_float(element, scale_in, zp_in, scale_out, zp_out, _elu_f32)


def abs_table(element: str, scale_in: float, zp_in: int, scale_out: float, zp_out: int) -> np.ndarray:
    """TFLM int8/int16 ABS (micro/kernels/elementwise.cc `AbsEvalQuantized`):
        v = |x − zp_in|                                   int32
        S_in == S_out (float32):  out = clamp(v + zp_out)
        otherwise:                out = clamp(MBQM(v, QM(double(S_in) / double(S_out))) + zp_out)
    (double rounding); int16 requires both zero points 0. The ratio is a double division in the
    tflite-micro wheel (0.dev20261023, measured on all 65536 int16 inputs: the float32 quotient
    of the August 2026 source, `SetAbsOutputMultiplier`, is off by one on a few)."""
    lo, hi = kind(element).range
    v = np.abs(domain(element) - zp_in)
    if np.float32(scale_in) == np.float32(scale_out):
        return np.clip(v + zp_out, lo, hi)
    m, shift = quantize_multiplier(scale_in / scale_out)
    return np.clip(multiply_by_quantized_multiplier(v, m, shift).astype(np.int64) + zp_out, lo, hi)


def logistic_table_litert(element: str, scale_in: float, zp_in: int, scale_out: float,
                          zp_out: int) -> np.ndarray:
    """LiteRT kReference LOGISTIC (uint8/int8): LUTPopulate with 1/(1 + expf(−v)); Prepare
    requires S_out == 1/256 exactly (the zero point is free)."""
    if scale_out != 1.0 / 256:
        raise ReferenceRefuses(f"LOGISTIC needs output scale 1/256, not {scale_out!r}")
    return lut_populate_float(element, scale_in, zp_in, scale_out, zp_out, _sigmoid_f32)


def tanh_table_litert(element: str, scale_in: float, zp_in: int, scale_out: float,
                      zp_out: int) -> np.ndarray:
    """LiteRT kReference TANH (uint8/int8): LUTPopulate with tanhf; any output quantization."""
    return lut_populate_float(element, scale_in, zp_in, scale_out, zp_out, _tanh_f32)


# ---- LUTPopulate<int16_t>: 513-entry interpolated tables (TFLM and LiteRT) -------------

def _roundf(x: np.float32) -> np.float32:
    """TfLiteRound on a float: round half away from zero (exact via float64)."""
    v = float(x)
    return np.float32(math.copysign(math.floor(abs(v) + 0.5), v))


def lut_populate_int16(fn: Callable[[np.float32], np.float32], input_scale: np.float32,
                       input_zero_point: int, output_scale: np.float32,
                       output_zero_point: int) -> np.ndarray:
    """detail::LUTPopulateInt16<float> (lite/kernels/internal/common.h), every step in float32:
    512 samples of fn over the int16 input range, each biased by half the error of linear
    interpolation at the segment midpoint, plus the end point."""
    f32 = np.float32
    input_min = input_scale * f32(-32768 - input_zero_point)
    input_max = input_scale * f32(32767 - input_zero_point)
    output_min = output_scale * f32(-32768 - output_zero_point)
    output_max = output_scale * f32(32767 - output_zero_point)
    step = (input_max - input_min) / f32(512)
    half_step = step / f32(2)
    inv = f32(65536) / (output_max - output_min)
    lut = np.zeros(513, dtype=np.int16)
    for i in range(512):
        val = fn(input_min + f32(i) * step)
        val_midpoint = fn(input_min + f32(i) * step + half_step)
        val_next = fn(input_min + f32(i + 1) * step)
        sample = _roundf(val * inv)
        interpolated = _roundf((val_next * inv + _roundf(val * inv)) / f32(2))
        bias = _roundf((interpolated - _roundf(val_midpoint * inv)) / f32(2))
        lut[i] = int(min(max(sample - bias, f32(-32768)), f32(32767)))
    lut[512] = int(min(max(_roundf(fn(input_max) * inv), f32(-32768)), f32(32767)))
    return lut



# ---- HARD_SWISH: int16 fixed point (TFLM int8, LiteRT uint8) -------------------------------

def _int16(x: np.ndarray | np.integer) -> np.ndarray:
    """Conversion to int16_t (wraps)."""
    return np.asarray(x, dtype=np.int64).astype(np.int16).astype(np.int64)


def _srdhm16(a: np.ndarray, b: int) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul<int16>: (a·b + nudge) / 2^15, C division."""
    ab = np.asarray(a, dtype=np.int64) * b
    total = ab + np.where(ab >= 0, 1 << 14, 1 - (1 << 14))
    high = np.where(total >= 0, total >> 15, -((-total) >> 15))
    return np.where((a == -32768) & (b == -32768), 32767, _int16(high))


def _sdhm16(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """SaturatingDoublingHighMul<int16> (hard_swish.h): a·b / 2^15 truncated towards zero."""
    ab = np.asarray(a, dtype=np.int64) * b
    high = np.where(ab >= 0, ab >> 15, -((-ab) >> 15))
    return np.where((a == -32768) & (b == -32768), 32767, _int16(high))


def _rdivpot16(x: np.ndarray, exponent: int) -> np.ndarray:
    """gemmlowp RoundingDivideByPOT<int16>; the mask is int16((1 << exponent) − 1), so
    exponents >= 16 give −1 for the mask, as the C code does."""
    x = np.asarray(x, dtype=np.int64)
    mask = int(np.int64((1 << exponent) - 1).astype(np.int16))
    remainder = _int16(x & mask)
    threshold = _int16((mask >> 1) + (x < 0))
    return _int16((x >> exponent) + (remainder > threshold))


def _sat_left_shift16(x: np.ndarray, amount: int) -> np.ndarray:
    return np.clip(np.asarray(x, dtype=np.int64) * (1 << amount), -32768, 32767)


def _downscale_to_int16(m: int) -> int:
    """DownScaleInt32ToInt16Multiplier: round to the top 16 bits, saturating."""
    if m >= (2**31 - 1) - (1 << 15):
        return 32767
    return (m + (1 << 15)) >> 16


def hard_swish_params(scale_in: float, scale_out: float,
                      litert: bool) -> tuple[int, int, int, int]:
    """(output_multiplier_int16, output_exponent, reluish_multiplier_int16, reluish_exponent):
        hires = f32(S_in / 128);  reluish_scale = 3/32768
        TFLM:   QM(hires / S_out),       QM(hires / reluish_scale)          double division
        LiteRT: QM(f32(hires / S_out)),  QM(f32(hires / reluish_scale))     float32 division
    each mantissa rounded to 16 bits; Prepare requires output_exponent <= 0. (The TFLM wheel
    divides in double although its source text reads as float32: measured, and visible in
    its machine code as cvtss2sd + divsd.)"""
    rnd = f32 if litert else float
    hires = f32(f32(1.0 / 128.0) * scale_in)
    m_out, e_out = quantize_multiplier(rnd(hires / scale_out))
    if e_out > 0:
        raise ReferenceRefuses("HARD_SWISH needs input scale <= 128 x output scale "
                               f"(output multiplier exponent {e_out} > 0)")
    m_relu, e_relu = quantize_multiplier(rnd(hires / (3.0 / 32768.0)))
    if not -31 <= e_relu <= 31:
        raise ReferenceRefuses(f"HARD_SWISH input scale {scale_in!r} is out of range")
    return _downscale_to_int16(m_out), e_out, _downscale_to_int16(m_relu), e_relu


def hard_swish_table(element: str, scale_in: float, zp_in: int, scale_out: float,
                     zp_out: int, litert: bool) -> np.ndarray:
    """`reference_ops::HardSwish<T>` (int16 fixed point, all values int16_t):
        hires = int16(x − zp_in) · 2^7
        pre_out = SRDHM16(hires, m_out)
        r = hires;  e_r > 0: r = SatShl16(r, e_r − 1)
        r = SRDHM16(r, m_relu);  e_r > 0: r = SatShl16(r, 1);  e_r < 0: r = RDivPOT16(r, −e_r)
        r = (r + 2^15) >> 1                               relu-ish value in [0, 1], Q15
        out = int16(RDivPOT16(SDHM16(r, pre_out), −e_out) + zp_out)   (int16 wrap-around)
        out = clamp(out, type range)
    SRDHM16 rounds to nearest, SDHM16 truncates towards zero."""
    m_out, e_out, m_relu, e_relu = hard_swish_params(scale_in, scale_out, litert)
    lo, hi = kind(element).range
    hires = _int16(_int16(domain(element) - zp_in) * 128)
    pre_out = _srdhm16(hires, m_out)
    reluish = hires
    if e_relu > 0:
        reluish = _sat_left_shift16(reluish, e_relu - 1)
    reluish = _srdhm16(reluish, m_relu)
    if e_relu > 0:
        reluish = _sat_left_shift16(reluish, 1)
    if e_relu < 0:
        reluish = _rdivpot16(reluish, -e_relu)
    reluish = _int16((reluish + (1 << 15)) >> 1)
    out = _rdivpot16(_sdhm16(reluish, pre_out), -e_out)
    out = _int16(out + _int16(np.int64(zp_out)))
    return np.clip(out, lo, hi)


# ---- LEAKY_RELU (TFLM int8 and int16, LiteRT uint8) -----------------------------------------

def leaky_relu_table(element: str, scale_in: float, zp_in: int, scale_out: float, zp_out: int,
                     alpha: float, litert: bool) -> np.ndarray:
    """`reference_ops::QuantizeLeakyRelu<T>`:
        TFLM:   m_id = QM(S_in / S_out),       m_a = QM(S_in · alpha / S_out)           double
        LiteRT: m_id = QM(f32(S_in / S_out)),  m_a = QM(f32(f32(S_in · alpha) / S_out)) float32
        d = x − zp_in
        d >= 0: out = zp_out + MBQM(d, m_id)
        d <  0: out = zp_out ± MBQM(d, |m_a|)      (sign of alpha; the kernel negates a
                                                   negative multiplier, then the result)
        out = clamp(out, type range)
    int16 (TFLM only, `QuantizeLeakyRelu<int16_t>`): the same arithmetic on all 65536 values,
    zero points included (unlike the int16 convolutions). The left shift of MBQM and the final
    int32 add wrap around as in C (reachable with a large S_in / S_out and an int16 input)."""
    if litert:
        real_id, real_alpha = f32(scale_in / scale_out), f32(f32(scale_in * alpha) / scale_out)
    else:
        real_id, real_alpha = scale_in / scale_out, scale_in * alpha / scale_out
    m_id, s_id = quantize_multiplier(real_id)
    m_a, s_a = quantize_multiplier(real_alpha)
    lo, hi = kind(element).range
    d = domain(element) - zp_in
    identity = multiply_by_quantized_multiplier(d, m_id, s_id).astype(np.int64)
    scaled_alpha = multiply_by_quantized_multiplier(d, abs(m_a), s_a).astype(np.int64)
    negative = -scaled_alpha if m_a < 0 else scaled_alpha
    total = wrap_int32(zp_out + np.where(d >= 0, identity, negative)).astype(np.int64)
    return np.clip(total, lo, hi)


# ---- EXP / LOG (LiteRT kReference int8 / int16): float LUTs -------------------------------

def _exp_f32(x: np.float32) -> np.float32:
    """[](float value) { return std::exp(value); } (the host's expf)."""
    return np.float32(_libm().expf(float(x)))


def _log_f32(output_min: np.float32) -> Callable[[np.float32], np.float32]:
    """LiteRT's LogLUTPrepare transform: value <= 0 gives output_min, else std::log(value)."""
    def log(x: np.float32) -> np.float32:
        return output_min if x <= 0 else np.float32(_libm().logf(float(x)))
    return log


def float_lut_table(element: str, scale_in: float, zp_in: int, scale_out: float, zp_out: int,
                    transform: Callable[[np.float32], np.float32]) -> np.ndarray:
    """LiteRT's `LUTPopulate<T>` + `LookupTable` of a float transform, as a table over every
    input value: int8 `lut_populate_float` (256 entries); int16 the 513-entry interpolated
    `lut_populate_int16` (scales as float32) read by `LUTLookup` at every int16 value."""
    if element != "i16":
        return lut_populate_float(element, scale_in, zp_in, scale_out, zp_out, transform,
                                  saturate=True)
    lut = lut_populate_int16(transform, np.float32(scale_in), zp_in, np.float32(scale_out), zp_out)
    return np.asarray(lut_lookup_int16(domain("i16"), lut), dtype=np.int64)


def exp_table(element: str, scale_in: float, zp_in: int, scale_out: float, zp_out: int) -> np.ndarray:
    """LiteRT EXP int8 / int16 (kernels/exp.cc Prepare): `float_lut_table` of expf."""
    return float_lut_table(element, scale_in, zp_in, scale_out, zp_out, _exp_f32)


def log_table(element: str, scale_in: float, zp_in: int, scale_out: float, zp_out: int) -> np.ndarray:
    """LiteRT LOG int8 / int16 (kernels/elementwise.cc `LogLUTPrepare`): `float_lut_table` of
    logf, where inputs <= 0 map to output_min = float32((type min − zp_out) · S_out)."""
    lo = kind(element).lo
    output_min = np.float32(np.float32(lo - zp_out) * np.float32(scale_out))
    return float_lut_table(element, scale_in, zp_in, scale_out, zp_out, _log_f32(output_min))


# ---- RSQRT: TFLM / LiteRT int8 fixed point, LiteRT int16 float LUT -----------------------

def rsqrt_table_int8(scale_in: float, zp_in: int, scale_out: float, zp_out: int,
                     litert: bool = False) -> np.ndarray:
    """RSQRT int8 (`RsqrtEvalQuantized`, TFLM micro/kernels/elementwise.cc; LiteRT
    `RsqrtEvalQuantizedInt8`):
        v = x − zp_in;  v == 0: 127 (the largest output)
        (m_v, s_v) = GetInvSqrtQuantizedMultiplierExp(v, −1)
        data = MultiplyByQuantizedMultiplier(1, m_v, s_v + 20)
        out = clamp(MultiplyByQuantizedMultiplier(data, M, S − 20) + zp_out)
    with (M, S) = QuantizeMultiplier(1 / (sqrt(S_in) · S_out)): TFLM in double; LiteRT
    (`litert`) takes sqrtf(S_in) · S_out in float32, then 1.0 / it in double.
    v < 0: both runtimes fail the invocation ("Rsqrt is only defined for positive values");
    tqc gives 127 there, as for v == 0."""
    if litert:
        real = 1.0 / float(np.float32(np.sqrt(np.float32(scale_in))) * np.float32(scale_out))
    else:
        real = 1.0 / (math.sqrt(scale_in) * scale_out)
    m, shift = quantize_multiplier(real)
    v = domain("i8") - zp_in
    safe = np.maximum(v, 1)
    m_v, s_v = inv_sqrt_quantized_multiplier_exp(safe)
    data = multiply_by_quantized_multiplier(np.ones_like(safe), m_v, s_v + 20)
    out = multiply_by_quantized_multiplier(data, m, shift - 20).astype(np.int64) + zp_out
    return np.where(v <= 0, 127, np.clip(out, -128, 127))


def rsqrt_table_int16(scale_in: float, scale_out: float) -> np.ndarray:
    """LiteRT RSQRT int16 (elementwise.cc, zero points 0): `float_lut_table` of
    1.0f / sqrtf(v), and float32(32767 · S_out) for v <= 0 (negative inputs fail LiteRT's
    invocation; tqc gives that entry's value)."""
    top = np.float32(np.float32(32767) * np.float32(scale_out))

    def rsqrt(x: np.float32) -> np.float32:
        if x <= 0:
            return top
        return np.float32(np.float32(1.0) / np.float32(np.sqrt(np.float32(x))))

    return float_lut_table("i16", scale_in, 0, scale_out, 0, rsqrt)
