"""XNNPACK's quantized arithmetic (`--reference xnnpack`: LiteRT's default CPU path).

Read from google/XNNPACK (`src/operators/convolution-nhwc.c`, `fully-connected-nc.c`,
`src/microparams-init.c`, the `qs8-vadd`/`qs8-vmul` and "fp32" gemm/dwconv microkernels):

- CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED (int8 per-tensor or per-channel, uint8), MUL:
  the int32 accumulator is the reference's; the requantize is XNNPACK's "fp32" one,

      scale = float32(float32(S1 · S2[c]) / S3)          every operation in float32
      out   = clamp(rint(float32(float32(acc) · scale)) + Z3, lo, hi)   rint: ties to even

  (`tqi.mul_round_f32`, exact integer emulation). XNNPACK refuses scale ≥ 256 (tqc too);
  MUL's parameters assume scale in [2^-16, 2^8).
- ADD: integer only (`xnn_init_qs8_add_minmax_scalar_params` and `qs8-vadd`):

      r_i   = float32(S_i / S3)                          i = 1, 2; each in [2^-10, 2^8)
      shift = 20 − floor(log2(max(r1, r2)))              from the float32 exponent bits, 12..30
      m_i   = lrintf(r_i · 2^shift)                      exact scaling, ties to even; < 2^21
      out   = clamp(asr(m1·(x1 − Z1) + m2·(x2 − Z2) + 2^(shift−1), shift) + Z3, lo, hi)

  SUB is this ADD with S2 negated (`binary-elementwise-nd.c`: sign_b = −1): m2 → −m2.
  asr is an arithmetic (floor) shift, so the step rounds half up; it is spelled
  `tqi.mul_shift_round` with multiplier 2^30 and shift 1 − shift: (v·2^30 + 2^(29+shift)) >>
  (30 + shift) = floor((v + 2^(shift−1)) / 2^shift), exactly.

- QUANTIZE int8 → int8, uint8 → uint8 (`xnn_init_qs8_cvt_scalar_params` and `qs8-vcvt`):

      m   = lrintf(256 · float32(S_in / S_out))          S_in/S_out in [2^-8, 2^7]
      out = clamp(asr(m·(x − Z_in) + 128, 8) + Z_out, type range)

- MEAN, 8-bit (`reduce-nd.c`: an int32 sum of the stored values, then the reference int32 →
  qint8/quint8 convert, `round_float_to_int(x·inv_y_scale + y_zero_point)`, all float32):

      inv = float32(S_in / S_out) · float32(1.0f / N)            (float32 product)
      z   = float32(Z_out) − float32(float32(N) · float32(Z_in)) · inv
      out = clamp(rint(float32(float32(float32(Σ x) · inv) + z)), type range)

  (`tqi.mul_add_round_f32`; the product and the sum are rounded separately, as the source
  writes them, i.e. without FMA contraction: not told apart from a fused one on the tests'
  samples).

The clamp bounds are the reference's (`CalculateActivationRangeQuantized`, round half away);
XNNPACK quantizes a fused activation's bounds with ties to even, which differs only when a
bound falls exactly halfway between two integers. Ops XNNPACK does not run quantized (SOFTMAX,
AVERAGE_POOL_2D, LOGISTIC, ...) run in LiteRT's builtin kernels and keep the reference rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from xdsl.ir import SSAValue

from tqc.dialects import tqi
from tqc.dialects.accessors import int_array, int_attr
from tqc.passes.lowering import Builder
from tqc.semantics.quant_math import f32, float32_parts, xnnpack_scale
from tqc.semantics.round_f32 import ADDEND_BITS

# The float32 requantization scales XNNPACK accepts, and the ones `tqi.mul_round_f32` emulates.
MIN_SCALE, MAX_SCALE = 2.0**-100, 256.0


def uses_xnnpack(b: Builder, element: str) -> bool:
    """True when the op runs in XNNPACK under this reference: 8-bit activations (XNNPACK has no
    int16 kernels, LiteRT runs those in its builtin ones)."""
    return b.reference == "xnnpack" and element in ("i8", "ui8")


def requantize_f32(b: Builder, acc: SSAValue, scales: Sequence[float], zero_point: int,
                   clamp: tuple[int, int], out_element: str) -> SSAValue:
    """clamp(rint(float32(float32(acc) · scale[c])) + zero_point) → out_element, for float32
    `scales` (one, or one per channel)."""
    bad = [s for s in scales if not MIN_SCALE <= s < MAX_SCALE]
    if bad:
        raise b.error(f"requantization scale {bad[0]!r} is outside XNNPACK's range "
                      f"[2^-100, 256) (tensor '{b.op.results[0].name_hint}')")
    parts = [float32_parts(s) for s in scales]
    if len(set(parts)) == 1:
        parts = parts[:1]
    b.note(f"XNNPACK fp32 requantize: scale=float32(S_in*S_w/S_out)={scales[0]!r}"
           f"{f' (channel 0 of {len(scales)})' if len(parts) > 1 else ''}; "
           "out = rint(float32(acc)*scale) ties to even, + zp, clamp")
    x = b.value(tqi.MulRoundF32Op, [acc], acc.type,
                mantissa=int_array([m for m, _ in parts]),
                exponent=int_array([e for _, e in parts]))
    x = b.add_const(x, [zero_point])
    x = b.value(tqi.ClampOp, [x], x.type, min=int_attr(clamp[0]), max=int_attr(clamp[1]))
    return b.cast(x, out_element)


def conv_scales(s_in: float, s_w: Sequence[float] | np.ndarray, s_out: float) -> list[float]:
    """`input_scale * kernel_scale[c] / output_scale` in float32, left to right."""
    return [xnnpack_scale(s_in, float(s), s_out) for s in s_w]


def add_parameters(s1: float, s2: float, s_out: float) -> tuple[int, int, int] | None:
    """(m1, m2, shift) of XNNPACK's quantized ADD, or None when a ratio S_i/S_out is outside
    [2^-10, 2^8) (XNNPACK's asserted range)."""
    with np.errstate(over="ignore"):  # a ratio beyond float32 (inf) is out of range below
        r1, r2 = f32(f32(s1) / f32(s_out)), f32(f32(s2) / f32(s_out))
    if not all(2.0**-10 <= r < 2.0**8 for r in (r1, r2)):
        return None
    exponent = math.frexp(max(r1, r2))[1] - 1  # floor(log2), the float32 exponent field − 127
    shift = 20 - exponent
    m1, m2 = (int(np.rint(np.float32(math.ldexp(r, shift)))) for r in (r1, r2))
    return m1, m2, shift


def lower_add(b: Builder, x1: SSAValue, x2: SSAValue, zps: tuple[int, int],
              params: tuple[int, int, int], out_shape: Sequence[int], zero_point: int,
              clamp: tuple[int, int], out_element: str) -> SSAValue:
    """XNNPACK's ADD on the lowered operands (see the module docstring)."""
    m1, m2, shift = params
    b.note(f"XNNPACK add: m1={m1} m2={m2} shift={shift}; "
           f"out = asr(m1*(x1-Z1) + m2*(x2-Z2) + 2^{shift - 1}, {shift}) + zp, clamp")
    terms = [_times(b, x, zp, m) for x, zp, m in ((x1, zps[0], m1), (x2, zps[1], m2))]
    total = b.value(tqi.AddOp, terms, b.tensor("i32", out_shape))
    return _shift_half_up(b, total, shift, zero_point, clamp, out_element)


def _times(b: Builder, x: SSAValue, zero_point: int, m: int) -> SSAValue:
    """int32 (x − zero_point) · m."""
    v = b.add_const(b.widen(x), [-zero_point])
    factor = b.const(np.array([m], dtype=np.int32), "i32")
    return b.value(tqi.MulOp, [v, factor], v.type)


def _shift_half_up(b: Builder, v: SSAValue, shift: int, zero_point: int,
                   clamp: tuple[int, int], out_element: str) -> SSAValue:
    """clamp(asr(v + 2^(shift−1), shift) + zero_point) → out_element; the rounded shift is
    `tqi.mul_shift_round` by 2^30 with shift 1 − shift (module docstring)."""
    x = b.value(tqi.MulShiftRoundOp, [v], v.type, multiplier=int_array([1 << 30]),
                shift=int_array([1 - shift]))
    x = b.add_const(x, [zero_point])
    x = b.value(tqi.ClampOp, [x], x.type, min=int_attr(clamp[0]), max=int_attr(clamp[1]))
    return b.cast(x, out_element)


def mean_parameters(b: Builder, s_in: float, s_out: float, z_in: int, z_out: int,
                    count: int) -> tuple[int, int, int]:
    """(mantissa, exponent, addend) of XNNPACK's MEAN convert (see the module docstring): the
    float32 scale and the float32 zero point on the 2^-36 grid; refuses what the op cannot
    hold."""
    f = np.float32
    inv = f(f(f(s_in) / f(s_out)) * f(f(1.0) / f(count)))
    z = f(f(z_out) - f(f(f(count) * f(z_in)) * inv))
    addend = float(z) * 2.0**ADDEND_BITS
    if not (MIN_SCALE <= float(inv) < MAX_SCALE and abs(float(z)) < 2.0**16
            and addend == int(addend)):
        raise b.error(f"MEAN scale {float(inv)!r} / zero point {float(z)!r} outside what "
                      f"--reference xnnpack emulates (tensor '{b.op.results[0].name_hint}')")
    mantissa, exponent = float32_parts(float(inv))
    b.note(f"XNNPACK mean: inv=float32(S_in/S_out)*float32(1/{count})={float(inv)!r}, "
           f"z={float(z)!r}; out = rint(float32(sum)*inv + z) ties to even, clamp")
    return mantissa, exponent, int(addend)


def requantize_multiplier(s_in: float, s_out: float) -> int | None:
    """XNNPACK's QUANTIZE multiplier lrintf(256 · float32(S_in/S_out)), or None when the ratio
    is outside [2^-8, 2^7]."""
    ratio = f32(f32(s_in) / f32(s_out))
    if not 2.0**-8 <= ratio <= 2.0**7:
        return None
    return int(np.rint(np.float32(256.0 * ratio)))


def lower_requantize(b: Builder, x: SSAValue, zps: tuple[int, int], m: int,
                     clamp: tuple[int, int], element: str) -> SSAValue:
    """XNNPACK's 8-bit QUANTIZE (see the module docstring)."""
    b.note(f"XNNPACK convert: m={m}; out = asr(m*(x-Z_in) + 128, 8) + Z_out, clamp")
    return _shift_half_up(b, _times(b, x, zps[0], m), 8, zps[1], clamp, element)

