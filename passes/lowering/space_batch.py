"""SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND outside a dilated convolution (fold-dilated-conv folds
the SPACE_TO_BATCH_ND → conv → BATCH_TO_SPACE_ND pattern first): data movement, lowered to
pad / reshape → transpose → reshape / slice.

Reference (`reference_ops::SpaceToBatchND` / `BatchToSpaceND`, NHWC, block (bh, bw), N the
input batch of SPACE_TO_BATCH_ND and the output batch of BATCH_TO_SPACE_ND): stored integers
are copied, quantization parameters are not read.

    SPACE_TO_BATCH_ND  P = x padded by [top, bottom, left, right] with `params.output_offset`
        out[(i·bw + j)·N + n, h, w, c] = P[n, h·bh + i, w·bw + j, c]
        = pad → reshape [N, H'/bh, bh, W'/bw, bw, C] → transpose (2, 4, 0, 1, 3, 5)
          → reshape [bh·bw·N, H'/bh, W'/bw, C]
    BATCH_TO_SPACE_ND  out[n, h·bh + i − crop_top, w·bw + j − crop_left, c] = in[(i·bw + j)·N + n, h, w, c]
        = reshape [bh, bw, N, H, W, C] → transpose (2, 3, 0, 4, 1, 5) → reshape [N, H·bh, W·bw, C]
          → slice off the crops

The pad value. LiteRT REF sets `output_offset` to the output zero point (the kernel memsets
bytes, so for 8-bit types the value is exactly the zero point) and requires equal input and
output zero points (0 for int16). TFLM (int8 only) never sets it: its `Init` allocates the
params from the arena's persistent buffers and leaves them uninitialised; measured on the wheel
(zero points −3, 5, −128 and 0 → 7, every sample), the padding is 0 whatever the zero points.
So tqc pads int8 with 0 for `--reference tflm` (the default) and with the output zero point for
`--reference litert-ref`; uint8 (LiteRT REF only) with the zero point. int16 (LiteRT REF only:
TFLM has no int16 kernel for either op) needs zero points 0 and pads with 0; the stored values
are copied, so it is exact (`AcceptsInt16`).
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, ints, shape
from tqc.dialects.element import element, storage_name
from tqc.passes.lowering import Builder, lowers, qtype

TO_BATCH = (2, 4, 0, 1, 3, 5)
TO_SPACE = (2, 3, 0, 4, 1, 5)


def _int16_zero_points(b: Builder, op: tq.SpaceToBatchNdOp | tq.BatchToSpaceNdOp) -> None:
    qi, qo = qtype(op.input), qtype(op.output)
    if storage_name(qi) == "i16" and (qi.zero_point, qo.zero_point) != (0, 0):
        raise b.error("int16 needs zero points 0 (LiteRT REF, the int16 reference, refuses "
                      "others)")


@lowers(tq.SpaceToBatchNdOp)
def lower_space_to_batch(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.SpaceToBatchNdOp)
    (bh, bw), pads = ints(op.block_shape), ints(op.paddings)
    n, h, w, c = shape(op.input)
    ph, pw = h + pads[0] + pads[1], w + pads[2] + pads[3]
    result = (bh * bw * n, ph // bh, pw // bw, c)
    if ph % bh or pw % bw or result != shape(op.output):
        raise b.error(f"block shape {[bh, bw]} and paddings {list(pads)} do not map "
                      f"{[n, h, w, c]} to {list(shape(op.output))}")
    q = qtype(op.output)
    _int16_zero_points(b, op)
    pad_value = 0 if storage_name(q) == "i8" and b.reference == "tflm" else q.zero_point
    if any(pads):
        b.note(f"padding value {pad_value}" + (" (TFLM's uninitialised output_offset, measured "
                                               "0; LiteRT REF pads with the zero point)"
                                               if pad_value != q.zero_point else ""))
    kind = element(op.input)
    x = b.operands[0]
    if any(pads):
        x = b.value(tqi.PadOp, [x], b.tensor(kind, (n, ph, pw, c)),
                    paddings=int_array((0, 0, pads[0], pads[1], pads[2], pads[3], 0, 0)),
                    pad_value=int_attr(pad_value))
    x = b.value(tqi.ReshapeOp, [x], b.tensor(kind, (n, ph // bh, bh, pw // bw, bw, c)))
    x = b.value(tqi.TransposeOp, [x], b.tensor(kind, (bh, bw, n, ph // bh, pw // bw, c)),
                perm=int_array(TO_BATCH))
    return [b.value(tqi.ReshapeOp, [x], b.tensor(kind, result))]


@lowers(tq.BatchToSpaceNdOp)
def lower_batch_to_space(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.BatchToSpaceNdOp)
    (bh, bw), crops = ints(op.block_shape), ints(op.crops)
    nb, h, w, c = shape(op.input)
    n, full_h, full_w = nb // (bh * bw), h * bh, w * bw
    result = (n, full_h - crops[0] - crops[1], full_w - crops[2] - crops[3], c)
    if nb % (bh * bw) or min(result) < 1 or result != shape(op.output):
        raise b.error(f"block shape {[bh, bw]} and crops {list(crops)} do not map "
                      f"{[nb, h, w, c]} to {list(shape(op.output))}")
    _int16_zero_points(b, op)
    kind = element(op.input)
    x = b.value(tqi.ReshapeOp, [b.operands[0]], b.tensor(kind, (bh, bw, n, h, w, c)))
    x = b.value(tqi.TransposeOp, [x], b.tensor(kind, (n, h, bh, w, bw, c)), perm=int_array(TO_SPACE))
    x = b.value(tqi.ReshapeOp, [x], b.tensor(kind, (n, full_h, full_w, c)))
    if not any(crops):
        return [x]
    return [b.value(tqi.SliceOp, [x], b.tensor(kind, result),
                    begin=int_array((0, crops[0], crops[2], 0)),
                    end=int_array((n, full_h - crops[1], full_w - crops[3], c)),
                    strides=int_array((1, 1, 1, 1)))]
