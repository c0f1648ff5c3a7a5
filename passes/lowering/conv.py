"""CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED → int32 accumulation + requantize.

Reference arithmetic (TFLM `reference_integer_ops::{ConvPerChannel, DepthwiseConvPerChannel,
FullyConnected}`; LiteRT `reference_ops::{Conv, DepthwiseConv, FullyConnected}` for uint8):

    acc[c] = bias[c] + Σ (x + input_offset) · (w + filter_offset)      int32
    out    = clamp(MultiplyByQuantizedMultiplier(acc, m[c], shift[c]) + zp_out, act_min, act_max)

input_offset = −zp_in, filter_offset = −zp_w (uint8 weights; int8 weights are symmetric).
Multipliers: int8 conv per channel in double, S_in·S_w[c]/S_out (PopulateConvolution-
QuantizationParams); uint8 conv and per-tensor int8 FULLY_CONNECTED use the float32 product
float(S_in·S_w) / S_out (GetQuantizedConvolutionMultipler). Rounding: double (TFLM).

`--reference litert-ref`: int8 FULLY_CONNECTED rounds once, as LiteRT BUILTIN_REF's kernel does,
and int16 FULLY_CONNECTED rounds double(acc)·S_in·S_w/S_out in double, half away from zero,
as the legacy uint8 kernel below (`tqi.mul_round_double`; measured against TFLM's 16-bit
multiplier, a 32-bit one rounding half up, and double rounding, with exact ties, near-ties
and results beyond int32, which give INT32_MIN)
(measured, per-tensor and per-channel: `tests/test_litert_ref.py`); everything else as above.

`--reference xnnpack`: 8-bit CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED keep the accumulation
and requantize as XNNPACK does, clamp(rint(float32(float32(acc) · float32(S_in·S_w[c]/S_out))) +
zp_out), in float32, ties to even (`passes/lowering/xnnpack.py`, `tqi.mul_round_f32`).

Legacy uint8 FULLY_CONNECTED (LiteRT BUILTIN_REF, reference_ops::FullyConnected overloads taking
input_scale, output_scale, filter_scale; uint8 or int16 output) uses no fixed-point multiplier:

    scale = double(S_in) * double(S_w) / double(S_out)
    r     = static_cast<int32_t>(round(double(acc) * scale))   std::round: half away from zero
    uint8 out: clamp(r + zp_out, act_min, act_max)              (the int32 add wraps in practice)
    int16 out: clamp(r, act_min − zp_out, act_max − zp_out) + zp_out

The product is a double (rounded to 53 bits, ties to even) before round(); a result outside
int32 is undefined in C++ and INT32_MIN on x86 (cvttsd2si), so the output is the clamp's lower
bound, for a positive overflow too (measured: `tests/regressions/fully_connected_uint8_*.tqm`).
`tqi.mul_round_double` computes it with integers only, from scale = mantissa · 2^exponent:
P = |acc| · |mantissa| (< 2^84), q = P rounded to 53 significant bits (ties to even, k bits
dropped), R = q · 2^(k + exponent) rounded half up, INT32_MIN if R ≥ 2^31, else ±R. LiteRT
refuses per-channel weights with uint8 input; the uint8 → int16 kernel reads the bias
unconditionally (tqc refuses it without one).

16x8 (int16 activations, int8 weights; TFLM `ConvPerChannel` / `DepthwiseConvPerChannel` int16
overloads, `FullyConnected[PerChannel]<int16_t, int8_t, int16_t, BiasType>`):

    acc = bias + Σ x·w                                  int64 (the int64 bias selects it)
    out = clamp(MultiplyByQuantizedMultiplier(int64 acc, m[c], shift[c]), act_min, act_max)

  - CONV_2D / DEPTHWISE_CONV_2D never read the input, weight or output zero points (no offsets
    at all; the clamp bounds still come from the output quantization). FULLY_CONNECTED applies
    input_offset, weights_offset (per-tensor only) and output_offset like the 8-bit kernel.
  - The int64 overload rounds ONCE with a 16-bit multiplier (`common.cc`, both builds):
        m16 = m < 0x7FFF0000 ? (m + 2^15) >> 16 : 0x7FFF;   n = 15 − shift
        out = int32((acc · m16 + 2^(n−1)) >> n)            (`tqi.mul_shift_round64`)
    Its contract says shift < 8, but the TFLM wheel is built without asserts and computes
    shifts 8…14 as written (measured: reproduced); shift ≥ 15 shifts by n ≤ 0 bits, undefined
    in C (the wheel returns 0): refused.
  - An int32 bias (CONV_2D and FULLY_CONNECTED only) selects AccumScalar = int32: int32
    accumulation and the int32 overload (double rounding), as for int8. DEPTHWISE_CONV_2D always
    reads the bias as int64: an int32 bias is refused. Without a bias the accumulator is int64
    (the importer refuses quantized_bias_type = INT32, the one case that selects int32).
  - Multipliers: per channel in double, per-tensor FULLY_CONNECTED from the float32 product, as
    for int8.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, ints, shape
from tqc.dialects.element import element, storage_name
from tqc.dialects.quant_type import QuantType
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activation import clamp_bounds
from tqc.passes.lowering.xnnpack import conv_scales, requantize_f32, uses_xnnpack
from tqc.semantics.accumulator import accumulator_range
from tqc.semantics.quant_math import (conv_multipliers, double_parts, legacy_fc_scale, same_padding,
                            valid_padding)


log = logging.getLogger(__name__)


def _pads(op: tq.ConvLikeOp | tq.PoolOp, in_shape: Sequence[int], kernel: Sequence[int],
          stride: Sequence[int], dilation: Sequence[int], out_shape: Sequence[int]) -> list[int]:
    padding = op.padding.data
    fn = same_padding if padding == "SAME" else valid_padding
    top, bottom = fn(in_shape[1], kernel[0], stride[0], dilation[0], out_shape[1])
    left, right = fn(in_shape[2], kernel[1], stride[1], dilation[1], out_shape[2])
    return [top, bottom, left, right]


def _weights_zero_point(b: Builder, w: SSAValue) -> int:
    zps = qtype(w).zero_point_array()
    if (zps != zps[0]).any():
        raise b.error("per-channel weight zero points must all be equal")
    return int(zps[0])


def _note_offsets(b: Builder, op: Operation, zp_in: int, zp_w: int, zp_out: int,
                  how: str) -> None:
    lo, hi = clamp_bounds(op, op.results[0])
    def minus(name: str, zp: int) -> str:
        return name if zp == 0 else f"({name} - {zp})" if zp > 0 else f"({name} + {-zp})"

    b.note(f"zero points: in {zp_in}, weights {zp_w}, out {zp_out}; clamp [{lo}, {hi}]; "
           f"{how}; acc = bias + sum({minus('x', zp_in)} * {minus('w', zp_w)})")


@lowers(tq.Conv2DOp, tq.DepthwiseConv2DOp)
def lower_conv(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.ConvLikeOp)
    x_q, w_q, out_q = qtype(op.input), qtype(op.filter), qtype(op.output)
    in_shape, w_shape, out_shape = shape(op.input), shape(op.filter), shape(op.output)
    stride = list(ints(op.stride))
    dilation = list(ints(op.dilation))
    pads = _pads(op, in_shape, w_shape[1:3], stride, dilation, out_shape)
    is_depthwise = isinstance(op, tq.DepthwiseConv2DOp)
    channels = out_shape[-1]
    scales = w_q.scale_array()
    if len(scales) == 1:
        scales = scales.repeat(channels)
    if len(scales) != channels:
        raise b.error(f"{len(scales)} weight scales for {channels} output channels")
    legacy = storage_name(x_q) == "ui8"
    ms, shifts = conv_multipliers(x_q.scale, scales, out_q.scale, float32_product=legacy,
                                  single_rounding=b.single_rounding)
    xnnpack = uses_xnnpack(b, storage_name(x_q))
    if not xnnpack:
        b.note_scales(x_q.scale, scales, out_q.scale, ms, shifts)
    cls = tqi.DepthwiseConv2DOp if is_depthwise else tqi.Conv2DOp
    if storage_name(x_q) == "i16":  # the int16 kernels read no zero point
        _note_offsets(b, op, 0, 0, 0, "M from float32 S_in*S_w" if legacy else "M from double")
        return [_lower_conv_16x8(b, op, cls, ms, shifts, dict(
            stride=int_array(stride), dilation=int_array(dilation), pad=int_array(pads)))]
    _note_offsets(b, op, x_q.zero_point, _weights_zero_point(b, op.filter), out_q.zero_point,
                  "XNNPACK float32 scale" if xnnpack else
                  "M from float32 S_in*S_w" if legacy else "M from double")
    x, w = b.operands[0], b.operands[1]
    bias = b.operands[2:3]
    acc = b.value(cls, [x, w, bias], b.tensor("i32", out_shape),
                  stride=int_array(stride), dilation=int_array(dilation), pad=int_array(pads),
                  input_offset=int_attr(-x_q.zero_point),
                  filter_offset=int_attr(-_weights_zero_point(b, op.filter)))
    if xnnpack:
        return [requantize_f32(b, acc, conv_scales(x_q.scale, scales, out_q.scale),
                               out_q.zero_point, clamp_bounds(op, op.output), storage_name(out_q))]
    out = b.requantize(acc, ms, shifts, out_q.zero_point, clamp_bounds(op, op.output),
                       storage_name(out_q))
    return [out]


def _bias_element(b: Builder, op: Operation) -> str:
    """'i64' or 'i32': the accumulator type the 16x8 kernels pick from the bias type."""
    bias = op.operands[2] if len(op.operands) > 2 else None
    if bias is None:
        return "i64"
    found = element(bias)
    if found not in ("i32", "i64"):
        raise b.error(f"bias of type {found} is not supported with int16 activations "
                      f"(tensor '{bias.name_hint}')")
    return found


def _lower_conv_16x8(b: Builder, op: tq.ConvLikeOp, cls: type[Operation], ms: list[int],
                     shifts: list[int], props: dict) -> SSAValue:
    """int16 CONV_2D / DEPTHWISE_CONV_2D: no zero points at all (see the module docstring)."""
    x_q, out_q = qtype(op.input), qtype(op.output)
    zps = {"input": x_q.zero_point, "weights": _weights_zero_point(b, op.filter),
           "output": out_q.zero_point}
    if any(zps.values()):
        ignored = ", ".join(f"{k} {v}" for k, v in zps.items() if v)
        log.warning("%s: the int16 reference kernel ignores the zero points (%s); so does the "
                    "compiled code", b.op.name, ignored)
        b.note(f"zero points ignored, as the int16 kernel does: {ignored}")
    acc_element = _bias_element(b, op)
    if acc_element == "i32" and isinstance(op, tq.DepthwiseConv2DOp):
        raise b.error("int16 DEPTHWISE_CONV_2D needs an int64 bias (TFLM reads the bias as "
                      f"int64), not int32 (tensor '{op.operands[2].name_hint}')")
    out_shape = shape(op.output)
    acc = b.value(cls, [b.operands[0], b.operands[1], b.operands[2:3]],
                  b.tensor(acc_element, out_shape), **props,
                  input_offset=int_attr(0), filter_offset=int_attr(0))
    return requantize_16x8(b, acc, ms, shifts, 0, clamp_bounds(op, op.output))


def reduced_multiplier(m: int) -> int:
    """The 16-bit multiplier of MultiplyByQuantizedMultiplier(int64_t x, ...)."""
    return (m + (1 << 15)) >> 16 if m < 0x7FFF0000 else 0x7FFF


def requantize_16x8(b: Builder, acc: SSAValue, ms: Sequence[int], shifts: Sequence[int],
                    zero_point: int, clamp: tuple[int, int]) -> SSAValue:
    """clamp(MultiplyByQuantizedMultiplier(acc, m, shift) + zero_point) → int16, for an i64
    accumulator (one rounding, 16-bit multiplier) or an i32 one (the int32 overload)."""
    if element(acc) == "i32":
        return b.requantize(acc, ms, shifts, zero_point, clamp, "i16")
    bad = sorted({s for s in shifts if s >= 15})
    if bad:
        raise b.error(f"multiplier exponent {bad[-1]} is too large for the int16 kernels: "
                      f"MultiplyByQuantizedMultiplier(int64) would shift by {15 - bad[-1]} bits "
                      f"(undefined in C); S_in*S_w/S_out must be below 2^14 "
                      f"(tensor '{b.op.results[0].name_hint}')")
    reduced = [reduced_multiplier(m) for m in ms]
    amounts = [15 - s for s in shifts]
    if len(set(zip(reduced, amounts))) == 1:
        reduced, amounts = reduced[:1], amounts[:1]
    b.note(f"int64 accumulator, one rounding: 16-bit multiplier {reduced[0]} (from {ms[0]}), "
           f"right shift {amounts[0]}")
    x = b.value(tqi.MulShiftRound64Op, [acc], b.tensor("i32", shape(acc)),
                multiplier=int_array(reduced), amount=int_array(amounts))
    x = b.add_const(x, [zero_point])
    x = b.value(tqi.ClampOp, [x], x.type, min=int_attr(clamp[0]), max=int_attr(clamp[1]))
    return b.cast(x, "i16")


def _litert_int16_fc_scales(b: Builder, op: tq.FullyConnectedOp, scales: Sequence[float]
                            ) -> tuple[list[int], list[int]]:
    """(mantissas, exponents) of LiteRT BUILTIN_REF's int16 FULLY_CONNECTED, which rounds
    double(acc) · double(S_in)·double(S_w[c])/double(S_out) as its legacy uint8 kernel does
    (measured: tests/test_litert_ref.py), refusing an accumulator that could reach 2^53 (then
    double(acc) itself would round; tqi.mul_round_double takes it exact)."""
    x_q, out_q = qtype(op.input), qtype(op.output)
    w = b.constant(op.filter)
    bias = b.constant(op.bias) if op.bias is not None else None
    x_lo, x_hi = -2**15 - x_q.zero_point, 2**15 - 1 - x_q.zero_point  # x - zero point
    if bias is None and op.bias is not None:  # a computed bias: any int64
        bound = 2**63
    elif w is None:  # computed weights: any int8 (zero point 0) at every depth position
        bound = (2**15 + abs(x_q.zero_point)) * 255 * shape(op.filter)[1] + (
            int(np.abs(bias.astype(np.int64)).max(initial=0)) if bias is not None else 0)
    else:
        lo, hi = accumulator_range(w.astype(np.int64) - _weights_zero_point(b, op.filter),
                                   x_lo, x_hi, (1,), bias)
        bound = max(hi, -lo)
    if bound >= 2**53:
        raise b.error(f"--reference litert-ref: the int64 accumulator may reach {bound} >= 2^53, "
                      "where LiteRT rounds it to a double first; not supported")
    parts = [double_parts(legacy_fc_scale(x_q.scale, s, out_q.scale)) for s in scales]
    if len(set(parts)) == 1:
        parts = parts[:1]
    b.note(f"LiteRT BUILTIN_REF int16: out = round(double(acc)*scale), scale = S_in*S_w/S_out in "
           f"double = {parts[0][0]}*2^{parts[0][1]}, half away from zero")
    return [m for m, _ in parts], [e for _, e in parts]


def _legacy_fc_scale(b: Builder, op: tq.FullyConnectedOp) -> tuple[int, int]:
    """(mantissa, exponent) of the double scale of LiteRT's uint8 kernel (the float-scale
    overload), refusing the combinations it does not serve."""
    x_q, w_q, out_q = qtype(op.input), qtype(op.filter), qtype(op.output)
    out = storage_name(out_q)
    if out not in ("ui8", "i16"):
        raise b.error(f"uint8 input with {out} output is not supported (LiteRT's uint8 kernels "
                      "write uint8 or int16)")
    if len(w_q.scales.data) > 1:
        raise b.error("per-channel weight scales with uint8 input: LiteRT refuses them "
                      "(per-channel needs int8 or int16 input)")
    if out == "i16" and op.bias is None:
        raise b.error("uint8 -> int16 FULLY_CONNECTED without bias: LiteRT's reference kernel "
                      "reads the bias unconditionally (it crashes)")
    scale = legacy_fc_scale(x_q.scale, w_q.scale, out_q.scale)
    if not (scale == 0.0 or 2.0**-900 < abs(scale) < 2.0**900):  # a finite normal product
        raise b.error(f"output scale {out_q.scale!r} gives S_in*S_w/S_out = {scale!r}")
    mantissa, exponent = double_parts(scale)
    b.note(f"S_in={x_q.scale:.6g} S_w={w_q.scale:.6g} S_out={out_q.scale:.6g}: "
           f"scale=S_in*S_w/S_out={scale!r} (double) = {mantissa}*2^{exponent}; "
           "out = round(acc*scale), half away from zero")
    return mantissa, exponent


def _requantize_legacy_fc(b: Builder, acc: SSAValue, mantissa: int | Sequence[int],
                          exponent: int | Sequence[int], out_q: QuantType,
                          clamp: tuple[int, int]) -> SSAValue:
    """LiteRT BUILTIN_REF's uint8 FULLY_CONNECTED requantize (reference_ops::FullyConnected
    taking input_scale, output_scale, filter_scale; no fixed-point multiplier at all):

        scale = double(S_in) * double(S_w) / double(S_out)            (legacy_fc_scale)
        r     = static_cast<int32_t>(round(double(acc) * scale))      `tqi.mul_round_double`
        uint8 out: clamp(r + zp_out, lo, hi)       (int32 add: wraps, as the C does in practice)
        int16 out: clamp(r, lo - zp_out, hi - zp_out) + zp_out

    round() is half away from zero on the double product (itself rounded to 53 bits, ties to
    even); an out-of-int32 result becomes INT32_MIN (x86, measured). `tqi.mul_round_double`
    emulates all of it with integers: scale = mantissa · 2^exponent exactly (per channel for
    LiteRT's int16 kernel, whose int64 accumulator gives an int32 result the same way)."""
    ms = [mantissa] if isinstance(mantissa, int) else list(mantissa)
    es = [exponent] if isinstance(exponent, int) else list(exponent)
    x = b.value(tqi.MulRoundDoubleOp, [acc], b.tensor("i32", shape(acc)), mantissa=int_array(ms),
                exponent=int_array(es))
    zp, (lo, hi) = out_q.zero_point, clamp
    element = storage_name(out_q)
    if element == "i16":
        x = b.value(tqi.ClampOp, [x], x.type, min=int_attr(lo - zp), max=int_attr(hi - zp))
        return b.cast(b.add_const(x, [zp]), element)
    x = b.add_const(x, [zp])
    x = b.value(tqi.ClampOp, [x], x.type, min=int_attr(lo), max=int_attr(hi))
    return b.cast(x, element)


@lowers(tq.FullyConnectedOp)
def lower_fully_connected(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.FullyConnectedOp)
    x_q, w_q, out_q = qtype(op.input), qtype(op.filter), qtype(op.output)
    units, depth = shape(op.filter)
    in_shape, out_shape = shape(op.input), shape(op.output)
    total = 1
    for d in in_shape:
        total *= d
    if total % depth:
        raise b.error(f"input of {total} elements is not a multiple of the weights' depth {depth}")
    rows = total // depth
    x = b.operands[0]
    if tuple(in_shape) != (rows, depth):
        x = b.value(tqi.ReshapeOp, [x], b.tensor(storage_name(x_q), [rows, depth]))
    scales = w_q.scale_array()
    if len(scales) == 1:
        scales = scales.repeat(units)
    legacy = storage_name(x_q) == "ui8"
    xnnpack = uses_xnnpack(b, storage_name(x_q)) and storage_name(out_q) in ("i8", "ui8")
    # LiteRT BUILTIN_REF's int8 kernel rounds once (measured: tests/test_litert_ref.py)
    single = b.single_rounding or (b.reference == "litert-ref" and storage_name(x_q) == "i8")
    mantissa = exponent = 0
    ms: list[int] = []
    shifts: list[int] = []
    if xnnpack:
        pass  # requantize_f32 notes the float32 scales
    elif legacy:
        mantissa, exponent = _legacy_fc_scale(b, op)
    else:
        ms, shifts = conv_multipliers(x_q.scale, scales, out_q.scale,
                                      float32_product=len(w_q.scales.data) == 1,
                                      single_rounding=single)
        b.note_scales(x_q.scale, scales, out_q.scale, ms, shifts)
    _note_offsets(b, op, x_q.zero_point, _weights_zero_point(b, op.filter), out_q.zero_point,
                  "XNNPACK float32 scale" if xnnpack else "scale in double" if legacy else
                  "M from float32 S_in*S_w" if len(w_q.scales.data) == 1 else "M from double")
    int16 = storage_name(x_q) == "i16"
    per_channel = len(w_q.scales.data) > 1
    filter_offset = 0 if int16 and per_channel else -_weights_zero_point(b, op.filter)
    acc = b.value(tqi.FullyConnectedOp, [x, b.operands[1], b.operands[2:3]],
                  b.tensor(_bias_element(b, op) if int16 else "i32", [rows, units]),
                  input_offset=int_attr(-x_q.zero_point),
                  filter_offset=int_attr(filter_offset))
    if xnnpack:
        out = requantize_f32(b, acc, conv_scales(x_q.scale, scales, out_q.scale),
                             out_q.zero_point, clamp_bounds(op, op.output), storage_name(out_q))
    elif legacy:
        out = _requantize_legacy_fc(b, acc, mantissa, exponent, out_q,
                                    clamp_bounds(op, op.output))
    elif int16 and b.reference == "litert-ref" and element(acc) == "i64":
        mantissas, exponents = _litert_int16_fc_scales(b, op, [float(v) for v in scales])
        out = _requantize_legacy_fc(b, acc, mantissas, exponents, out_q, clamp_bounds(op, op.output))
    elif int16:
        out = requantize_16x8(b, acc, ms, shifts, out_q.zero_point, clamp_bounds(op, op.output))
    else:
        out = b.requantize(acc, ms, shifts, out_q.zero_point, clamp_bounds(op, op.output),
                           storage_name(out_q), single_rounding=single)
    if tuple(out_shape) != (rows, units):
        out = b.value(tqi.ReshapeOp, [out], b.tensor(storage_name(out_q), out_shape))
    return [out]

