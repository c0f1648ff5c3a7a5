"""TRANSPOSE_CONV → zero insertion (`tqi.pad`) + a stride-1 `tqi.conv_2d` with the flipped
filter + the convolutions' requantize.

Reference (TFLM `micro/kernels/transpose_conv.cc`, `reference_integer_ops::TransposeConv`): a
scatter into a zeroed scratch buffer, then bias and requantize per output channel:

    for every input position (iy, ix), channel ic, filter tap (fy, fx), output channel oc:
        oy = iy·s_h − pad_h + fy,  ox = ix·s_w − pad_w + fx       (skipped when outside)
        scratch[oy, ox, oc] += (x[iy, ix, ic] + input_offset) · w[oc, fy, fx, ic]
    int8:  acc int32 (wraps), out = clamp(MBQM(acc + bias, m[c], shift[c]) + zp_out, act)
    int16: acc int64, no offsets, out = clamp(MBQM64(acc + bias, m[c], shift[c]), act)

int8 and int16: the weights' zero point is never read (no filter offset). pad = ComputePadding
of a forward conv whose INPUT is the transpose conv's output: out = ceil(H_out / s) (SAME) or
(H_out + s − f) / s (VALID), pad = max((out − 1)·s + f − H_out, 0) / 2 (VALID gives 0).
Multipliers: per channel in double, S_in·S_w[c]/S_out (PopulateConvolutionQuantizationParams).
Bias: int8 reads int32; int16 reads int64 (an int16 bias is widened first; an int32 one would be
read as int64 and is refused).

uint8 (LiteRT BUILTIN_REF, `tflite/kernels/transpose_conv.cc` EvalQuantized kReference →
`reference_ops::TransposeConv` uint8 overload; TFLM has no uint8 kernel):

    scratch[oy, ox, oc] += (x + input_offset) · (w + filter_offset)     int32 (wraps)
    out = clamp(MBQM(acc + bias, m, shift) + zp_out, act)                double rounding

input_offset = −zp_in, filter_offset = −zp_w (per-tensor), bias int32 (Prepare requires it).
One multiplier for all channels: PopulateConvolutionQuantizationParams' legacy branch,
GetQuantizedConvolutionMultipler, double(float32(S_in·S_w)) / double(S_out). Measured refusals
of LiteRT's Prepare, mirrored by tqc: per-channel weight scales with uint8 input (more than one
scale, even if equal), and an input size other than ComputeOutSize(padding, output, filter,
stride) (TFLM does not check this; LiteRT computes the same pad). LiteRT's bias-scale check
(|S_in·S_w − S_b| / S_out ≤ 0.02) is not mirrored (nor is it for uint8 CONV_2D).

The same sum as a gather: let D be x with s−1 filler rows (columns) after each row (column);
the filler holds the input zero point for int8 and uint8 (so x + input_offset = 0: it adds
exactly 0 whatever the weight offset, as a skipped term does) and 0 for int16. Then

    scratch[oy, ox] = Σ_{fy, fx} (D[oy − P_top + fy, ox − P_left + fx] + input_offset)
                                 · w[oc, f_h − 1 − fy, f_w − 1 − fx, ic]

with P_top = f_h − 1 − pad_h ≥ 0 and rows outside D skipped: a stride-1 `tqi.conv_2d` with the
spatially flipped filter, whose out-of-range rows contribute nothing, as the reference skips
them. Integer addition is associative (int32 wrap-around is addition mod 2^32), so the order of
the terms does not matter: bit-exact.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, ints, shape
from tqc.dialects.element import element, storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activation import clamp_bounds
from tqc.passes.lowering.conv import requantize_16x8
from tqc.semantics.quant_math import conv_multipliers


def transpose_conv_padding(out_size: int, filter_size: int, stride: int, padding: str) -> int:
    """The `pad` TFLM's Prepare computes (ComputePaddingHeightWidth on the output size)."""
    if padding == "SAME":
        windows = (out_size + stride - 1) // stride
    else:
        windows = (out_size + stride - filter_size) // stride
    return max((windows - 1) * stride + filter_size - out_size, 0) // 2


def _check_litert_input_size(b: Builder, in_size: tuple[int, int], out_size: Sequence[int],
                             filter_size: tuple[int, int], stride: list[int],
                             padding: str) -> None:
    """LiteRT's Prepare (not TFLM's) refuses an input whose size is not ComputeOutSize of a
    forward conv over the output (the input size a conv would give back)."""
    for i, axis in enumerate(("height", "width")):
        if padding == "SAME":
            computed = (out_size[i] + stride[i] - 1) // stride[i]
        else:
            computed = (out_size[i] + stride[i] - filter_size[i]) // stride[i]
        if computed != in_size[i]:
            raise b.error(f"LiteRT requires the input {axis} {in_size[i]} to be the one a "
                          f"{padding} conv over the output {axis} {out_size[i]} gives "
                          f"({computed}) (uint8 runs on LiteRT)")


def _insert_fillers(b: Builder, x: SSAValue, stride: list[int], filler: int) -> SSAValue:
    """x [N, H, W, C] → [N, H·s_h, W·s_w, C]: each row (column) followed by s − 1 fillers."""
    n, h, w, c = shape(x)
    name = element(x)
    if stride[0] > 1:
        x = b.value(tqi.ReshapeOp, [x], b.tensor(name, [n, h, 1, w * c]))
        x = b.value(tqi.PadOp, [x], b.tensor(name, [n, h, stride[0], w * c]),
                    paddings=int_array([0, 0, 0, 0, 0, stride[0] - 1, 0, 0]),
                    pad_value=int_attr(filler))
        h *= stride[0]
        x = b.value(tqi.ReshapeOp, [x], b.tensor(name, [n, h, w, c]))
    if stride[1] > 1:
        x = b.value(tqi.ReshapeOp, [x], b.tensor(name, [n * h, w, 1, c]))
        x = b.value(tqi.PadOp, [x], b.tensor(name, [n * h, w, stride[1], c]),
                    paddings=int_array([0, 0, 0, 0, 0, stride[1] - 1, 0, 0]),
                    pad_value=int_attr(filler))
        x = b.value(tqi.ReshapeOp, [x], b.tensor(name, [n, h, w * stride[1], c]))
    return x


def _bias(b: Builder, op: tq.TransposeConvOp, int16: bool) -> list[SSAValue]:
    """The bias operand as the kernel reads it (int32 for int8, int64 for int16), or none."""
    if op.bias is None:
        return []
    found = element(op.bias)
    wanted = "i64" if int16 else "i32"
    if found == wanted:
        return [b.operands[2]]
    if int16 and found == "i16":
        values = b.constant(op.bias)
        if values is None:
            raise b.error(f"an int16 bias must be constant (tensor '{op.bias.name_hint}')")
        return [b.const(values.astype("int64"), "i64")]
    raise b.error(f"bias of type {found} is not supported with {'int16' if int16 else 'int8'} "
                  f"activations (TFLM reads it as {wanted}) (tensor '{op.bias.name_hint}')")


@lowers(tq.TransposeConvOp)
def lower_transpose_conv(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.TransposeConvOp)
    x_q, w_q, out_q = qtype(op.input), qtype(op.filter), qtype(op.output)
    x_element = storage_name(x_q)
    kinds = (x_element, storage_name(w_q), storage_name(out_q))
    if kinds not in (("i8", "i8", "i8"), ("i16", "i8", "i16"), ("ui8", "ui8", "ui8")):
        raise b.error(f"supported for int8 and int16 activations with int8 weights and for "
                      f"uint8 x uint8 -> uint8 only, not {kinds[0]} x {kinds[1]} -> {kinds[2]}")
    int16, legacy = x_element == "i16", x_element == "ui8"
    weights = b.constant(op.filter)
    if weights is None:
        raise b.error(f"the weights must be constant (tensor '{op.filter.name_hint}')")
    (n, h, w, c), (o, fh, fw, c_w), out_shape = shape(op.input), weights.shape, shape(op.output)
    if c_w != c or out_shape[3] != o or out_shape[0] != n:
        raise b.error(f"input {list(shape(op.input))}, weights {list(weights.shape)} and output "
                      f"{list(out_shape)} do not match")
    stride = list(ints(op.stride))
    padding = op.padding.data
    if padding == "VALID" and any(out_shape[i + 1] + stride[i] < (fh, fw)[i] for i in (0, 1)):
        raise b.error("VALID padding with an output smaller than the filter minus the stride")
    if legacy:
        _check_litert_input_size(b, (h, w), out_shape[1:3], (fh, fw), stride, padding)
    pad = [transpose_conv_padding(out_shape[1], fh, stride[0], padding),
           transpose_conv_padding(out_shape[2], fw, stride[1], padding)]
    scales = w_q.scale_array()
    if legacy and len(scales) > 1:
        raise b.error(f"per-channel weight scales ({len(scales)}) with uint8 activations: "
                      f"LiteRT supports per-channel quantization for int8 and int16 only")
    if len(scales) == 1:
        scales = scales.repeat(o)
    if len(scales) != o:
        raise b.error(f"{len(scales)} weight scales for {o} output channels")
    ms, shifts = conv_multipliers(x_q.scale, scales, out_q.scale, float32_product=legacy,
                                  single_rounding=b.single_rounding)
    b.note_scales(x_q.scale, scales, out_q.scale, ms, shifts)
    zp_in = 0 if int16 else x_q.zero_point
    zp_w = int(w_q.zero_point_array()[0]) if legacy else 0
    b.note(f"transpose conv as a stride-1 conv: {stride[0] - 1}x{stride[1] - 1} fillers of "
           f"{zp_in} between input pixels, flipped filter, pad {pad} (top, left)"
           + (f", weight zero point {zp_w}" if legacy else ""))
    dilated = _insert_fillers(b, b.operands[0], stride, zp_in)
    top, left = fh - 1 - pad[0], fw - 1 - pad[1]
    bottom = out_shape[1] + fh - 1 - h * stride[0] - top
    right = out_shape[2] + fw - 1 - w * stride[1] - left
    flipped = b.const(weights[:, ::-1, ::-1, :].copy(), kinds[1])
    flipped.name_hint = f"{op.filter.name_hint or 'weights'}_flipped"
    acc = b.value(tqi.Conv2DOp, [dilated, flipped, _bias(b, op, int16)],
                  b.tensor("i64" if int16 else "i32", out_shape),
                  stride=int_array([1, 1]), dilation=int_array([1, 1]),
                  pad=int_array([top, bottom, left, right]),
                  input_offset=int_attr(-zp_in), filter_offset=int_attr(-zp_w))
    clamp = clamp_bounds(op, op.output)
    if int16:
        return [requantize_16x8(b, acc, ms, shifts, 0, clamp)]
    return [b.requantize(acc, ms, shifts, out_q.zero_point, clamp, kinds[2])]
