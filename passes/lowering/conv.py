"""CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED → int32 accumulation + requantize.

Reference arithmetic (TFLM `reference_integer_ops::{ConvPerChannel, DepthwiseConvPerChannel,
FullyConnected}`; LiteRT `reference_ops::{Conv, DepthwiseConv, FullyConnected}` for uint8):

    acc[c] = bias[c] + Σ (x + input_offset) · (w + filter_offset)      int32
    out    = clamp(MultiplyByQuantizedMultiplier(acc, m[c], shift[c]) + zp_out, act_min, act_max)

input_offset = −zp_in, filter_offset = −zp_w (uint8 weights; int8 weights are symmetric).
Multipliers: int8 conv per channel in double, S_in·S_w[c]/S_out (PopulateConvolution-
QuantizationParams); uint8 conv and every FULLY_CONNECTED use the float32 product
float(S_in·S_w) / S_out (GetQuantizedConvolutionMultipler). Rounding: double (TFLM), except
legacy uint8 FULLY_CONNECTED, whose reference (LiteRT BUILTIN_REF) rounds once.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.passes.lowering import Builder, ints, int_attr, lowers, qtype, shape, storage_name
from tqc.passes.lowering.activation import clamp_bounds
from tqc.quant_math import conv_multipliers, same_padding, valid_padding


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
                  float32_product: bool) -> None:
    lo, hi = clamp_bounds(op, op.results[0])
    product = "float32 S_in*S_w" if float32_product else "double"
    def minus(name: str, zp: int) -> str:
        return name if zp == 0 else f"({name} - {zp})" if zp > 0 else f"({name} + {-zp})"

    b.note(f"zero points: in {zp_in}, weights {zp_w}, out {zp_out}; clamp [{lo}, {hi}]; "
           f"M from {product}; acc = bias + sum({minus('x', zp_in)} * {minus('w', zp_w)})")


@lowers(tq.Conv2DOp, tq.DepthwiseConv2DOp)
def lower_conv(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.ConvLikeOp)
    x_q, w_q, out_q = qtype(op.input), qtype(op.filter), qtype(op.output)
    in_shape, w_shape, out_shape = shape(op.input), shape(op.filter), shape(op.output)
    stride = list(op.stride.get_values())
    dilation = list(op.dilation.get_values())
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
    b.note_scales(x_q.scale, scales, out_q.scale, ms, shifts)
    _note_offsets(b, op, x_q.zero_point, _weights_zero_point(b, op.filter), out_q.zero_point,
                  legacy)
    cls = tqi.DepthwiseConv2DOp if is_depthwise else tqi.Conv2DOp
    x, w = b.operands[0], b.operands[1]
    bias = b.operands[2:3]
    acc = b.value(cls, [x, w, bias], b.tensor("i32", out_shape),
                  stride=ints(stride), dilation=ints(dilation), pad=ints(pads),
                  input_offset=int_attr(-x_q.zero_point),
                  filter_offset=int_attr(-_weights_zero_point(b, op.filter)))
    out = b.requantize(acc, ms, shifts, out_q.zero_point, clamp_bounds(op, op.output),
                       storage_name(out_q))
    return [out]


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
    ms, shifts = conv_multipliers(x_q.scale, scales, out_q.scale,
                                  float32_product=len(w_q.scales.data) == 1,
                                  single_rounding=b.single_rounding or legacy)
    b.note_scales(x_q.scale, scales, out_q.scale, ms, shifts)
    _note_offsets(b, op, x_q.zero_point, _weights_zero_point(b, op.filter), out_q.zero_point,
                  len(w_q.scales.data) == 1)
    acc = b.value(tqi.FullyConnectedOp, [x, b.operands[1], b.operands[2:3]],
                  b.tensor("i32", [rows, units]),
                  input_offset=int_attr(-x_q.zero_point),
                  filter_offset=int_attr(-_weights_zero_point(b, op.filter)))
    out = b.requantize(acc, ms, shifts, out_q.zero_point, clamp_bounds(op, op.output),
                       storage_name(out_q), single_rounding=b.single_rounding or legacy)
    if tuple(out_shape) != (rows, units):
        out = b.value(tqi.ReshapeOp, [out], b.tensor(storage_name(out_q), out_shape))
    return [out]

