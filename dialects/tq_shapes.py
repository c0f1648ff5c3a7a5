"""The shape each `tq` op computes from its operands, to check a model's stored shapes.

A .tflite file stores every tensor's shape; TFLM's Prepare functions recompute the output shape
from the inputs and options (or check it) and refuse a model where they disagree. The importer
builds result types from the stored shapes, so a damaged or hostile file whose output shape does
not follow from its inputs would otherwise compile into code that reads or writes out of place.
`expected(op)` is the op's shape rule (None: no rule, or nothing to check); `mismatch(op)`
compares it with the result types and says what differs. Rules follow TFLite's kernels:

- element-wise and activation ops: the input shape; binary ops, SELECT_V2 and comparisons:
  NumPy broadcasting of the operands (TFLite's `CalculateShapeForBroadcast`);
- CONV_2D, DEPTHWISE_CONV_2D, pools: `ComputeOutSize` (SAME: ceil(in / stride); VALID:
  ceil((in - (k - 1)·dilation) / stride)), channels from the filter;
- reductions and ARG_MAX/MIN: the reduced axes removed, or kept as 1 (keep_dims);
- data movement (TRANSPOSE, PAD, MIRROR_PAD, SLICE, CONCATENATION, PACK, SPLIT, GATHER and
  GATHER_ND with constant or run-time indices,
  DEPTH_TO_SPACE, SPACE_TO_DEPTH, RESHAPE, BROADCAST_TO, RESIZE_*): the moved shape.

Ops whose lowering already checks its shapes in its own words (BATCH_MATMUL, SPACE_TO_BATCH_ND,
BATCH_TO_SPACE_ND, SVDF, TRANSPOSE_CONV's spatial size, which TFLM
takes from the output tensor) have no rule here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Operation

from tqc.dialects import tq
from tqc.dialects.accessors import int_value, ints, shape

Shape = tuple[int, ...]
Rule = Callable[[Operation], "list[Shape] | None"]


class ShapeError(Exception):
    """The operands themselves do not fit together (no output shape exists)."""


def broadcast(*shapes: Shape) -> Shape:
    """NumPy broadcasting of `shapes` (right-aligned; a dimension of 1 stretches)."""
    rank = max(len(s) for s in shapes)
    out = []
    for axis in range(rank):
        dims = {s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 0}
        dims.discard(1)
        if len(dims) > 1:
            raise ShapeError(f"shapes {' and '.join(str(list(s)) for s in shapes)} do not "
                             "broadcast")
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def out_size(size: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    """TFLite's ComputeOutSize for one spatial axis."""
    if stride <= 0 or dilation <= 0:
        raise ShapeError(f"stride {stride} and dilation {dilation} must be positive")
    if padding == "SAME":
        return (size + stride - 1) // stride
    return (size - (kernel - 1) * dilation + stride - 1) // stride


def _padding(op: Operation) -> str:
    attr = op.properties.get("padding")
    return attr.data if isinstance(attr, StringAttr) else "VALID"


def _in(op: Operation, i: int = 0) -> Shape:
    return shape(op.operands[i])


def _same(op: Operation) -> list[Shape]:
    return [_in(op)]


def _broadcast(op: Operation) -> list[Shape]:
    return [broadcast(*(shape(v) for v in op.operands))]


def _conv(op: Operation) -> list[Shape]:
    x, w = _in(op), _in(op, 1)
    if len(x) != 4 or len(w) != 4:
        raise ShapeError(f"input {list(x)} and filter {list(w)} must be 4-D")
    sh, sw = ints(op.properties["stride"])
    dh, dw = ints(op.properties["dilation"])
    if isinstance(op, tq.DepthwiseConv2DOp):
        channels = w[3]
        if x[3] == 0 or channels % x[3]:
            raise ShapeError(f"filter channels {w[3]} are not a multiple of the input's {x[3]}")
    else:
        channels = w[0]
        if w[3] == 0 or x[3] % w[3]:
            raise ShapeError(f"input channels {x[3]} are not a multiple of the filter's {w[3]}")
    _check_bias(op, channels)
    pad = _padding(op)
    return [(x[0], out_size(x[1], w[1], sh, dh, pad), out_size(x[2], w[2], sw, dw, pad), channels)]


def _check_bias(op: Operation, channels: int) -> None:
    """One bias value per output channel (LiteRT: NumElements(bias) == the filter's channels)."""
    bias = op.operands[2] if len(op.operands) > 2 else None
    if bias is not None and math.prod(shape(bias)) != channels:
        raise ShapeError(f"bias {list(shape(bias))} does not hold one value per output channel "
                         f"({channels})")


def _pool(op: Operation) -> list[Shape]:
    x = _in(op)
    fh, fw = ints(op.properties["filter_size"])
    sh, sw = ints(op.properties["stride"])
    pad = _padding(op)
    return [(x[0], out_size(x[1], fh, sh, 1, pad), out_size(x[2], fw, sw, 1, pad), x[3])]


def _fully_connected(op: Operation) -> list[Shape] | None:
    x, w = _in(op), _in(op, 1)
    depth = w[1] if len(w) == 2 else 0
    if depth == 0 or math.prod(x) % depth:
        raise ShapeError(f"input {list(x)} does not split into rows of the weights' depth {depth}")
    _check_bias(op, w[0])
    rows = math.prod(x) // depth
    out = shape(op.results[0])
    # keep_num_dims keeps the input's leading dims (its last one is the depth); else [rows, units]
    kept = (*x[:-1], w[0])
    return [kept if out == kept and x[-1] == depth else (rows, w[0])]


def _reduce(op: Operation) -> list[Shape]:
    x = _in(op)
    axes = set(ints(op.properties["axes"]))
    kept = tuple(1 if a in axes else d for a, d in enumerate(x))
    removed = tuple(d for a, d in enumerate(x) if a not in axes)
    return [kept if len(shape(op.results[0])) == len(x) and axes else removed]


def _arg(op: Operation) -> list[Shape]:
    x = _in(op)
    axis = int_value(op.properties["axis"])
    return [tuple(d for a, d in enumerate(x) if a != axis)]


def _reshape(op: Operation) -> list[Shape] | None:
    x, out = _in(op), shape(op.results[0])
    if math.prod(x) != math.prod(out):
        raise ShapeError(f"cannot reshape {list(x)} ({math.prod(x)} elements) to {list(out)} "
                         f"({math.prod(out)} elements)")
    return None


def _transpose(op: Operation) -> list[Shape]:
    x = _in(op)
    perm = ints(op.properties["perm"])
    if sorted(perm) != list(range(len(x))):
        raise ShapeError(f"perm {list(perm)} is not a permutation of {len(x)} axes")
    return [tuple(x[p] for p in perm)]


def _pad(op: Operation) -> list[Shape]:
    x = _in(op)
    pads = ints(op.properties["paddings"])
    if len(pads) != 2 * len(x) or min(pads, default=0) < 0:
        raise ShapeError(f"paddings {list(pads)} do not fit rank {len(x)}")
    return [tuple(d + pads[2 * a] + pads[2 * a + 1] for a, d in enumerate(x))]


def _slice(op: Operation) -> list[Shape] | None:
    x = _in(op)
    begin, end, strides = (ints(op.properties[k]) for k in ("begin", "end", "strides"))
    if not len(begin) == len(end) == len(strides) == len(x) or 0 in strides:
        raise ShapeError(f"begin/end/strides {list(begin)}/{list(end)}/{list(strides)} do not "
                         f"fit rank {len(x)}")
    dims = tuple(len(range(b, e, s)) for b, e, s in zip(begin, end, strides, strict=True))
    # shrink_axis_mask drops axes of size 1: the stored shape is `dims` without some of its 1s
    return None if _without_ones(dims, shape(op.results[0])) else [dims]


def _without_ones(dims: Shape, out: Shape) -> bool:
    """True if `out` is `dims` with some of its size-1 axes left out."""
    rest = iter(out)
    pending = next(rest, None)
    for d in dims:
        if pending is not None and d == pending:
            pending = next(rest, None)
        elif d != 1:
            return False
    return pending is None


def _concat(op: Operation) -> list[Shape]:
    shapes = [shape(v) for v in op.operands]
    axis = int_value(op.properties["axis"])
    first = shapes[0]
    if not 0 <= axis < len(first):
        raise ShapeError(f"axis {axis} outside rank {len(first)}")
    for s in shapes[1:]:
        if len(s) != len(first) or any(a != b for i, (a, b) in enumerate(zip(s, first)) if i != axis):
            raise ShapeError(f"inputs {[list(s) for s in shapes]} differ outside axis {axis}")
    return [(*first[:axis], sum(s[axis] for s in shapes), *first[axis + 1:])]


def _pack(op: Operation) -> list[Shape]:
    shapes = [shape(v) for v in op.operands]
    axis = int_value(op.properties["axis"])
    if any(s != shapes[0] for s in shapes):
        raise ShapeError(f"inputs {[list(s) for s in shapes]} differ")
    first = shapes[0]
    return [(*first[:axis], len(shapes), *first[axis:])]


def _split(op: Operation) -> list[Shape] | None:
    x = _in(op)
    axis = int_value(op.properties["axis"])
    outs = [shape(r) for r in op.results]
    if not 0 <= axis < len(x):
        raise ShapeError(f"axis {axis} outside rank {len(x)}")
    for s in outs:
        if len(s) != len(x) or any(a != b for i, (a, b) in enumerate(zip(s, x)) if i != axis):
            raise ShapeError(f"output {list(s)} differs from input {list(x)} outside axis {axis}")
    if sum(s[axis] for s in outs) != x[axis]:
        raise ShapeError(f"outputs {[list(s) for s in outs]} do not add up to input {list(x)} "
                         f"along axis {axis}")
    return None


def _gather(op: Operation) -> list[Shape] | None:
    x, out = _in(op), shape(op.results[0])
    axis = int_value(op.properties["axis"])
    count = len(ints(op.properties["indices"]))
    middle = len(out) - len(x) + 1
    if middle < 0 or out[:axis] != x[:axis] or out[axis + middle:] != x[axis + 1:] \
            or math.prod(out[axis:axis + middle]) != count:
        raise ShapeError(f"gathering {count} indices along axis {axis} of {list(x)} cannot give "
                         f"{list(out)}")
    return None


def _gather_nd(op: Operation) -> list[Shape] | None:
    x, out = _in(op), shape(op.results[0])
    depth = int_value(op.properties["index_depth"])
    count = len(ints(op.properties["indices"]))
    if not 1 <= depth <= len(x) or count % depth:
        raise ShapeError(f"{count} index values in tuples of {depth} cannot index {list(x)}")
    tail = x[depth:]
    lead = out[:len(out) - len(tail)]
    if len(out) < len(tail) or tuple(out[len(lead):]) != tuple(tail) \
            or math.prod(lead) != count // depth:
        raise ShapeError(f"gathering {count // depth} slices {list(tail)} of {list(x)} cannot "
                         f"give {list(out)}")
    return None


def _dynamic_gather(op: Operation) -> list[Shape]:
    """GATHER with run-time indices: the indices' shape in place of the axis."""
    x, idx = _in(op), _in(op, 1)
    axis = int_value(op.properties["axis"])
    if not 0 <= axis < len(x):
        raise ShapeError(f"axis {axis} outside rank {len(x)}")
    return [(*x[:axis], *idx, *x[axis + 1:])]


def _dynamic_gather_nd(op: Operation) -> list[Shape]:
    """GATHER_ND with run-time indices [..., d]: indices.shape[:-1] + input.shape[d:]."""
    x, idx = _in(op), _in(op, 1)
    if not idx or not 1 <= idx[-1] <= len(x):
        raise ShapeError(f"indices of shape {list(idx)} cannot index {list(x)}")
    return [(*idx[:-1], *x[idx[-1]:])]


def _space_depth(op: Operation) -> list[Shape]:
    x = _in(op)
    bs = int_value(op.properties["block_size"])
    if bs <= 0:
        raise ShapeError(f"block size {bs}")
    if isinstance(op, tq.DepthToSpaceOp):
        if x[3] % (bs * bs):
            raise ShapeError(f"channels {x[3]} are not a multiple of block size² {bs * bs}")
        return [(x[0], x[1] * bs, x[2] * bs, x[3] // (bs * bs))]
    if x[1] % bs or x[2] % bs:
        raise ShapeError(f"height and width of {list(x)} are not multiples of block size {bs}")
    return [(x[0], x[1] // bs, x[2] // bs, x[3] * bs * bs)]


def _broadcast_to(op: Operation) -> list[Shape]:
    out = shape(op.results[0])
    return [broadcast(_in(op), out)]


def _resize(op: Operation) -> list[Shape]:
    x, out = _in(op), shape(op.results[0])
    return [(x[0], *out[1:3], x[3])] if len(out) == 4 and len(x) == 4 else [x]


def _dynamic_update_slice(op: Operation) -> list[Shape]:
    x, u = _in(op), _in(op, 1)
    if len(u) != len(x) or any(a > b for a, b in zip(u, x)):
        raise ShapeError(f"update {list(u)} does not fit inside {list(x)}")
    return [x]


def _lstm(op: Operation) -> list[Shape]:
    assert isinstance(op, tq.UnidirectionalSequenceLstmOp)
    x = _in(op)
    units, features = shape(op.input_to_forget_weights)
    if len(x) != 3 or x[2] != features:
        raise ShapeError(f"input {list(x)} is not [time, batch, {features}] or [batch, time, "
                         f"{features}] (the input weights' depth)")
    for name in ("input_to_input_weights", "input_to_forget_weights", "input_to_cell_weights",
                 "input_to_output_weights", "recurrent_to_input_weights",
                 "recurrent_to_forget_weights", "recurrent_to_cell_weights",
                 "recurrent_to_output_weights", "input_gate_bias", "forget_gate_bias",
                 "cell_gate_bias", "output_gate_bias"):
        got = shape(getattr(op, name))
        want = (units,) if name.endswith("bias") else (units, units if "recurrent" in name else features)
        if got != want:
            raise ShapeError(f"{name} {list(got)} should be {list(want)}")
    batch = x[1] if int_value(op.time_major) else x[0]
    for name in ("hidden_state", "cell_state"):
        got = shape(getattr(op, name))
        if math.prod(got) != batch * units:
            raise ShapeError(f"{name} {list(got)} should hold [{batch}, {units}]")
    return [(*x[:2], units)]


def _transpose_conv(op: Operation) -> None:
    """Only the bias: TFLM takes the spatial output size from the output tensor (lowering checks)."""
    _check_bias(op, _in(op, 1)[0])


def _add_n(op: Operation) -> list[Shape]:
    shapes = [shape(v) for v in op.operands]
    if any(s != shapes[0] for s in shapes):
        raise ShapeError(f"inputs {[list(s) for s in shapes]} differ")
    return [shapes[0]]


RULES: dict[type[Operation], Rule] = {
    **{c: _same for c in (tq.SoftmaxOp, tq.LogisticOp, tq.TanhOp, tq.HardSwishOp, tq.AbsOp,
                          tq.NegOp, tq.EluOp, tq.ExpOp, tq.LogOp, tq.RsqrtOp, tq.LeakyReluOp, tq.ReluOp,
                          tq.Relu6Op, tq.ReluN1To1Op,
                          tq.QuantizeOp, tq.DequantizeOp, tq.CastOp, tq.ZerosLikeOp,
                          tq.LogSoftmaxOp, tq.L2NormalizationOp, tq.LogicalNotOp)},
    **{c: _broadcast for c in (tq.AddOp, tq.SubOp, tq.MulOp, tq.MaximumOp, tq.MinimumOp,
                               tq.SquaredDifferenceOp, tq.PreluOp, tq.EqualOp, tq.NotEqualOp,
                               tq.LessOp, tq.LessEqualOp, tq.GreaterOp, tq.GreaterEqualOp,
                               tq.SelectV2Op, tq.DivOp, tq.LogicalAndOp, tq.LogicalOrOp,
                               tq.FloorDivOp, tq.FloorModOp)},
    tq.Conv2DOp: _conv, tq.DepthwiseConv2DOp: _conv,
    tq.AveragePool2DOp: _pool, tq.MaxPool2DOp: _pool,
    tq.FullyConnectedOp: _fully_connected,
    **{c: _reduce for c in (tq.MeanOp, tq.SumOp, tq.ReduceMaxOp, tq.ReduceMinOp)},
    tq.ArgMaxOp: _arg, tq.ArgMinOp: _arg,
    tq.ReshapeOp: _reshape, tq.TransposeOp: _transpose,
    tq.PadOp: _pad, tq.MirrorPadOp: _pad, tq.SliceOp: _slice,
    tq.ConcatenationOp: _concat, tq.PackOp: _pack, tq.SplitOp: _split, tq.GatherOp: _gather,
    tq.GatherNdOp: _gather_nd, tq.CumsumOp: _same,
    tq.DynamicGatherOp: _dynamic_gather, tq.DynamicGatherNdOp: _dynamic_gather_nd,
    tq.DepthToSpaceOp: _space_depth, tq.SpaceToDepthOp: _space_depth,
    tq.BroadcastToOp: _broadcast_to,
    tq.ResizeNearestNeighborOp: _resize, tq.ResizeBilinearOp: _resize,
    tq.DynamicUpdateSliceOp: _dynamic_update_slice, tq.AddNOp: _add_n,
    tq.UnidirectionalSequenceLstmOp: _lstm, tq.TransposeConvOp: _transpose_conv,
}
# Checked where they are lowered (see the module docstring), or constants.
CHECKED_ELSEWHERE: tuple[type[Operation], ...] = (
    tq.ConstOp, tq.BatchMatMulOp, tq.SpaceToBatchNdOp, tq.BatchToSpaceNdOp, tq.SvdfOp)


def mismatch(op: Operation) -> str | None:
    """Why `op`'s result shapes do not follow from its operands (None if they do)."""
    rule = RULES.get(type(op))
    if rule is None:
        return None
    try:
        wanted = rule(op)
    except ShapeError as e:
        return str(e)
    if wanted is None:
        return None
    stored: Sequence[Shape] = [shape(r) for r in op.results]
    if list(stored) == wanted:
        return None
    inputs = ", ".join(str(list(shape(v))) for v in op.operands)
    got = ", ".join(str(list(s)) for s in stored)
    want = ", ".join(str(list(s)) for s in wanted)
    return f"stored output shape {got}, but the op computes {want} from input shape(s) {inputs}"
