"""GATHER / EMBEDDING_LOOKUP with constant indices, and MIRROR_PAD → slices and a concatenation.

GATHER (TFLM `Gather`, micro/kernels/gather.cc: int8 and float32 params) and EMBEDDING_LOOKUP
(TFLM int8 value; LiteRT REF also uint8 and int16): output = np.take(input, indices, axis), the
stored values copied (no requantization, whatever the output's quantization says). The
importer refuses indices outside the axis.

MIRROR_PAD (TFLM `MirrorPad`, micro/kernels/mirror_pad.cc: int8 and float32; LiteRT REF uint8 too, and
int16 with zero points 0):
stored values copied; along each axis, output position p reads input index
    p < L:          (L + o − 1) − min(p, L − 1)             (o = 1 REFLECT, 0 SYMMETRIC)
    p − L ≥ D:      (D − 1 − o) − min(p − L − D, D − 1 − o)
    otherwise:      p − L
(`GetInputDimension`). Past TensorFlow's limit (L, R ≤ D − o) the min() clamps the right side
at index 0 (reproduced) but the left side reads past the input (undefined): refused.
The axes are independent, so they are padded one after the other.

Lowering (`take`): each run of consecutive indices, ascending (i, i+1, ...) or descending
(i, i−1, ...), is one `tqi.slice` (stride 1 or −1) along the axis; the runs are concatenated
(`tqi.concat`, when more than one). GATHER then reshapes to the output (the indices' shape in
place of the axis).
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, int_value, ints, shape
from tqc.dialects.element import element, storage_name
from tqc.passes.lowering import Builder, lowers, qtype


def runs(indices: Sequence[int]) -> list[tuple[int, int, int]]:
    """(first, last, step) of each run of consecutive indices (step 1 or −1), in order."""
    out: list[tuple[int, int, int]] = []
    for i in indices:
        if out:
            first, last, step = out[-1]
            if first == last and abs(i - last) == 1:
                out[-1] = (first, i, i - last)
                continue
            if first != last and i == last + step:
                out[-1] = (first, i, step)
                continue
        out.append((i, i, 1))
    return out


def take(b: Builder, x: SSAValue, axis: int, indices: Sequence[int]) -> SSAValue:
    """np.take(x, indices, axis) for constant indices, with slices and a concatenation."""
    in_shape = shape(x)
    if list(indices) == list(range(in_shape[axis])):
        return x
    parts = []
    for first, last, step in runs(indices):
        stop = last + step
        begin = [first if a == axis else 0 for a in range(len(in_shape))]
        end = [stop if a == axis else d for a, d in enumerate(in_shape)]  # −1: through index 0
        strides = [step if a == axis else 1 for a in range(len(in_shape))]
        dims = [abs(last - first) + 1 if a == axis else d for a, d in enumerate(in_shape)]
        parts.append(b.value(tqi.SliceOp, [x], b.tensor(element(x), dims), begin=int_array(begin),
                             end=int_array(end), strides=int_array(strides)))
    if len(parts) == 1:
        return parts[0]
    dims = [len(indices) if a == axis else d for a, d in enumerate(in_shape)]
    return b.value(tqi.ConcatOp, [parts], b.tensor(element(x), dims), axis=int_attr(axis))


def _same_storage(b: Builder, op: tq.UnaryOp) -> None:
    if storage_name(qtype(op.output)) != storage_name(qtype(op.input)):
        raise b.error(f"copies {storage_name(qtype(op.input))} into "
                      f"{storage_name(qtype(op.output))}")


@lowers(tq.GatherOp)
def lower_gather(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.GatherOp)
    _same_storage(b, op)
    x = take(b, b.operands[0], int_value(op.axis), ints(op.indices))
    if shape(x) == shape(op.output):
        return [x]
    return [b.value(tqi.ReshapeOp, [x], b.tensor(element(x), shape(op.output)))]


def mirror_index(p: int, left: int, size: int, offset: int) -> int:
    """The input index output position p reads along one axis (TFLM `GetInputDimension`)."""
    if p < left:
        original = left + offset - 1
        return original - min(p, original - offset)
    p -= left
    if p >= size:
        original = size - (1 + offset)
        return original - min(p - size, original)
    return p


@lowers(tq.MirrorPadOp)
def lower_mirror_pad(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.MirrorPadOp)
    _same_storage(b, op)
    qi, qo = qtype(op.input), qtype(op.output)
    if storage_name(qi) == "i16" and (qi.zero_point, qo.zero_point) != (0, 0):
        raise b.error("int16 needs zero points 0 (LiteRT REF, the int16 reference, refuses "
                      "others)")
    pads, offset = ints(op.paddings), int_value(op.offset)
    x = b.operands[0]
    for axis, size in enumerate(shape(op.input)):
        left, right = pads[2 * axis], pads[2 * axis + 1]
        if left > size - offset:
            raise b.error(f"padding {left} before axis {axis} of size {size} reads past the "
                          "input in TFLM's kernel (at most "
                          f"{size - offset} for {'REFLECT' if offset else 'SYMMETRIC'})")
        indices = [mirror_index(p, left, size, offset) for p in range(left + size + right)]
        x = take(b, x, axis, indices)
    return [x]
