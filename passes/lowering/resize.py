"""RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR and ARG_MAX.

None of them requantizes: the reference kernels read and write stored integers and never look at
the quantization parameters (an output quantized differently from the input is NOT rescaled), so
neither do we.

RESIZE_NEAREST_NEIGHBOR (`reference_ops::ResizeNearestNeighbor`, TFLM and LiteRT REF, any dtype):
    scale = float32(in − 1) / float32(out − 1)   if align_corners and out > 1
          = float32(in) / float32(out)           otherwise
    src(i) = min(R((float32(i) + off) · scale), in − 1), off = 0.5 if half_pixel_centers else 0;
    R = round half away (align_corners) or floor; then max(·, 0) if half_pixel_centers.
    All float32, one rounding per operation.

RESIZE_BILINEAR int8 / int16 (`ResizeBilinearInteger`; TFLM int8, LiteRT REF int8/int16):
    scale_10 = (1024·in + out/2) / out   (align_corners, out > 1: (1024·(in−1) + (out−1)/2)/(out−1))
    p(i) = i·scale_10 (+ scale_10/2 − 512 if half_pixel_centers)   position in 1/1024 pixels
    lo = max(p / 1024, 0), hi = min((p + 1023) / 1024, in − 1), f = p − 1024·lo   (C division)
    s = Σ x·wy·wx in int64 with w_lo = 1024 − f, w_hi = f
    out = (s + (s > 0 ? 2^19 : −2^19)) / 2^20   (C division: round half away from zero).
    A TFLITE_SINGLE_ROUNDING build would use (s + 2^19) >> 20 instead; we follow the default
    build whatever the `rounding` option says.

RESIZE_BILINEAR uint8 (LiteRT REF kReference → float `reference_ops::ResizeBilinear<uint8_t>`;
TFLM has no uint8 kernel):
    scale = float32 as for nearest; pos = float32(i)·scale, or (float32(i) + 0.5)·scale − 0.5
    lo = max(floor(pos), 0), hi = min(ceil(pos), in − 1), d = pos − float32(lo)
    out = trunc(((((x00·(1−dy))·(1−dx) + (x10·dy)·(1−dx)) + (x01·(1−dy))·dx) + (x11·dy)·dx) + 0.5)
    every operation a float32 operation, left to right, no fused multiply-add: measured against
    ai-edge-litert 2.3.0 (x86-64) on 25 shapes where an FMA-contracted evaluation would differ.
    This is the one place where the NumPy runtime computes in float (exactly emulating float32).

ARG_MAX (`reference_ops::ArgMinMax` with std::greater; LiteRT: uint8/int8 → int32/int64,
TFLM: int8 → int32): the first index of the maximum stored value along the axis (the running
best is replaced only by a strictly greater value).
ARG_MIN (the same kernel with std::less): the first index of the minimum, which is the first
index of the maximum of ~x (−1 − x for int8, 255 − x for uint8: strictly decreasing and inside
the type), so it lowers to a 256-entry `tqi.table` of ~x and `tqi.arg_max`.
An axis followed by an axis longer than 1 is first moved last by a `tqi.transpose` (the other
axes keep their order, the result's), so `tqi.arg_max` always reduces the innermost axis: one
row per result element, the only form the Verilog engine builds.
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import dense_attr, int_array, int_attr, shape
from tqc.dialects.element import element, kind
from tqc.passes.lowering import Builder, lowers, plain, quant_of


@lowers(tq.ResizeNearestNeighborOp, tq.ResizeBilinearOp)
def lower_resize(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, (tq.ResizeNearestNeighborOp, tq.ResizeBilinearOp))
    if quant_of(op.input) is None or quant_of(op.output) is None:
        raise b.error("float resize is not supported (tensors are not quantized)")
    if len(shape(op.input)) != 4:
        raise b.error("resize needs a 4-D NHWC input")
    if element(op.input) != element(op.output):
        raise b.error("resize input and output storage types differ")
    align, half = op.align_corners.value.data, op.half_pixel_centers.value.data
    bilinear = isinstance(op, tq.ResizeBilinearOp)
    if bilinear and align and half:
        raise b.error("RESIZE_BILINEAR: half_pixel_centers needs align_corners false")
    cls = tqi.ResizeBilinearOp if bilinear else tqi.ResizeNearestOp
    props = {"align_corners": int_attr(align), "half_pixel_centers": int_attr(half)}
    return [b.value(cls, [b.operands[0]], plain(op.output.type), **props)]


@lowers(tq.ArgMaxOp, tq.ArgMinOp)
def lower_arg_max(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, (tq.ArgMaxOp, tq.ArgMinOp))
    name = "ARG_MAX" if isinstance(op, tq.ArgMaxOp) else "ARG_MIN"
    out, x = element(op.output), element(op.input)
    if out not in ("i32", "i64"):
        raise b.error(f"{name} output must be int32 or int64, not {out}")
    if x == "f32":
        raise b.error(f"float {name} is not supported")
    value = b.operands[0]
    if isinstance(op, tq.ArgMinOp):
        if x not in ("i8", "ui8"):
            raise b.error(f"{x} ARG_MIN is not supported (int8 and uint8 only)")
        lo, hi = kind(x).range
        reverse = np.arange(hi, lo - 1, -1)  # table[x - lo] = hi - (x - lo): ~x, order reversed
        value = b.value(tqi.TableOp, [value], value.type, table=dense_attr(reverse, x))
    dims = shape(op.input)
    axis = op.axis.value.data % len(dims)
    if any(d != 1 for d in dims[axis + 1:]):  # the axis moved last: one kind of hardware
        perm = [a for a in range(len(dims)) if a != axis] + [axis]
        value = b.value(tqi.TransposeOp, [value], b.tensor(x, [dims[a] for a in perm]),
                        perm=int_array(perm))
        return [b.value(tqi.ArgMaxOp, [value], op.output.type, axis=int_attr(len(dims) - 1))]
    return [b.value(tqi.ArgMaxOp, [value], op.output.type, axis=op.axis)]
