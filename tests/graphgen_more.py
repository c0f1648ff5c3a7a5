"""More op builders for tests/graphgen.py: slicing and stacking, gathers, broadcasts, the
second-operand-computed matmuls, reductions to other types (ARG_MAX / ARG_MIN: int32 outputs),
comparisons with bool tensors (SELECT_V2 conditions, LOGICAL_*, bool graph outputs), DIV,
CUMSUM, ADD_N, CAST, LOG_SOFTMAX, L2_NORMALIZATION and TRANSPOSE_CONV.

Each builder takes the graph's `Builder` and a pool tensor and returns the new pool tensor (or
None where it does not apply). `STEPS[kind]` lists the builders of a graph kind: only ops the
graph's reference runs (TFLM for int8 / int16, LiteRT REF for uint8; measured with
`scripts/op_type_table.py`), so no int8 graph falls back to LiteRT.
Tensors of other types (bool, int32) are `Builder.side` tensors: read by the ops that take them,
graph outputs when nobody reads them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from tqc.tflite_writer import Tensor

if TYPE_CHECKING:
    from graphgen import Builder

Step = Callable[["Builder", str], "str | None"]
COMPARISONS = ["EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL"]
FIXED = {  # output (scale, zero point) the kernels require
    ("LOG_SOFTMAX", "int8"): (16 / 256, 127), ("LOG_SOFTMAX", "uint8"): (16 / 256, 255),
    ("L2_NORMALIZATION", "int8"): (1 / 128, 0), ("L2_NORMALIZATION", "uint8"): (1 / 128, 128),
}


def side(b: Builder, shape: tuple[int, ...], dtype: str) -> str:
    """A new tensor of another type than the graph's (bool, int32)."""
    name = b.fresh("t")
    b.tensors[name] = Tensor(name, tuple(shape), dtype)
    b.side.append(name)
    return name


def written_axis(b: Builder, axis: int, rank: int) -> int:
    return axis - rank if b.chance(0.3) else axis


# --- data movement ---------------------------------------------------------------------------

def slice_op(b: Builder, x: str) -> str | None:
    """SLICE with random begin and size (-1 now and then: to the end)."""
    shape = b.shape(x)
    if len(shape) > 4 and b.kind != "uint8":  # (TFLM: rank 4 at most, as STRIDED_SLICE)
        return None
    begin, size, out = [0], [1], [1]
    for d in shape[1:]:
        s = b.between(0, d - 1)
        n = b.between(1, d - s)
        begin.append(s)
        size.append(-1 if n == d - s and b.chance(0.3) else n)
        out.append(n)
    return b.unary("SLICE", x, tuple(out), b.quant(x), b.amp[x], [b.i32(begin, "sb"), b.i32(size, "sz")])


def split_v(b: Builder, x: str) -> str | None:
    shape = b.shape(x)
    axes = [a for a in range(1, len(shape)) if shape[a] >= 2]
    if not axes:
        return None
    axis = b.pick(axes)
    k = b.between(2, min(3, shape[axis]))
    cuts = sorted(int(c) for c in b.rng.choice(range(1, shape[axis]), k - 1, replace=False))
    sizes = [e - s for s, e in zip([0, *cuts], [*cuts, shape[axis]])]
    written = list(sizes)
    if b.chance(0.3):
        written[b.between(0, k - 1)] = -1
    outs = [b.act(tuple(n if a == axis else d for a, d in enumerate(shape)), b.quant(x), b.amp[x], [x])
            for n in sizes]
    b.op("SPLIT_V", [x, b.i32(written, "sz"), b.i32([written_axis(b, axis, len(shape))])], outs,
         {"num_splits": k})
    return outs[0]


def pack(b: Builder, x: str) -> str | None:
    """PACK of 2-3 tensors of x's shape (x again, another pool tensor, a branch), one quantization."""
    shape = b.shape(x)
    if len(shape) > 4:
        return None
    parts = [x]
    for _ in range(b.between(1, 2)):
        r = b.rng.random()
        part = x if r < 0.25 else b.partner(x, lambda s: s == shape) if r < 0.6 else None
        part = part or b.branch(x)
        b.note_join(x, part)
        parts.append(part if b.quant(part) == b.quant(x) else b.requantize(part, b.quant(x)))
    axis = b.between(1, len(shape))
    out = (*shape[:axis], len(parts), *shape[axis:])
    if not b.fits(out):
        return None
    y = b.act(out, b.quant(x), b.amp[x], parts)
    b.op("PACK", parts, [y], {"axis": written_axis(b, axis, len(out)), "values_count": len(parts)})
    return y


def unpack(b: Builder, x: str) -> str | None:
    shape = b.shape(x)
    axes = [a for a in range(1, len(shape)) if 2 <= shape[a] <= 4]
    if not axes:
        return None
    axis = b.pick(axes)
    out = shape[:axis] + shape[axis + 1:]
    outs = [b.act(out, b.quant(x), b.amp[x], [x]) for _ in range(shape[axis])]
    b.features.add(f"unpack_to_rank_{len(out)}")
    b.op("UNPACK", [x], outs, {"num": shape[axis], "axis": written_axis(b, axis, len(shape))})
    return outs[0]


def gather(b: Builder, x: str) -> str | None:
    """GATHER with constant indices (1-D or 2-D, repeats allowed) along a non-batch axis."""
    shape = b.shape(x)
    if len(shape) < 2:
        return None
    axis = b.between(1, len(shape) - 1)
    idx_shape = (b.between(1, 4),) if b.chance(0.7) else (b.between(1, 2), b.between(1, 3))
    out = shape[:axis] + idx_shape + shape[axis + 1:]
    if not b.fits(out) or len(out) > 5:
        return None
    idx = b.rng.integers(0, shape[axis], idx_shape)
    return b.unary("GATHER", x, out, b.quant(x), b.amp[x], [b.i32(idx, "ix")],
                   {"axis": written_axis(b, axis, len(shape)), "batch_dims": 0})


def gather_nd(b: Builder, x: str) -> str | None:
    """GATHER_ND with constant indices of shape (1, m, k): the batch coordinate 0, the rest random."""
    shape = b.shape(x)
    k = b.between(1, len(shape))
    m = b.between(1, 4)
    out = (1, m, *shape[k:])
    if not b.fits(out) or len(out) > 5:
        return None
    idx = np.stack([np.zeros(m, np.int64), *(b.rng.integers(0, d, m) for d in shape[1:k])], -1)
    return b.unary("GATHER_ND", x, out, b.quant(x), b.amp[x], [b.i32(idx.reshape(1, m, k), "ix")])


def broadcast_to(b: Builder, x: str) -> str | None:
    """BROADCAST_TO a shape with the 1s of x (right-aligned, maybe one more axis) repeated."""
    shape = b.shape(x)
    rank = len(shape) + (1 if len(shape) < 5 and b.chance(0.3) else 0)
    aligned = (1,) * (rank - len(shape)) + shape
    out = (1, *(b.between(2, 4) if d == 1 and b.chance(0.7) else d for d in aligned[1:]))
    if not b.fits(out):
        return None
    return b.unary("BROADCAST_TO", x, out, b.quant(x), b.amp[x], [b.i32(list(out), "sh")])


# --- compute ---------------------------------------------------------------------------------

def transpose_conv(b: Builder, x: str) -> str | None:
    shape = b.shape(x)
    if len(shape) != 4:
        return None
    _, h, w, c = shape
    k = [b.between(1, 3), b.between(1, 3)]
    stride = [b.between(1, 2), b.between(1, 2)]
    padding = b.pick(["SAME", "VALID"])
    oh, ow = ((h * stride[0], w * stride[1]) if padding == "SAME"
              else ((h - 1) * stride[0] + k[0], (w - 1) * stride[1] + k[1]))
    o = b.between(1, 5)
    if not b.fits((1, oh, ow, o)):
        return None
    wname, scales, typical = b.weights((o, *k, c), o)
    terms = k[0] * k[1] * c
    acc = b.amp[x] / b.quant(x)[0] * typical * math.sqrt(terms)
    bias = b.bias(x, scales, o, acc, optional=b.kind != "int16")
    amp = b.amp[x] * max(scales) * typical * math.sqrt(terms)
    q = (b.output_scale(x, scales, amp), b.zero_point())
    ins = [b.i32([1, oh, ow, o], "os"), wname, x, *([bias] if bias else [])]
    y = b.act((1, oh, ow, o), q, amp, [x])
    b.op("TRANSPOSE_CONV", ins, [y], {"padding": padding, "stride_h": stride[0], "stride_w": stride[1]})
    return y


def batch_matmul(b: Builder, x: str) -> str | None:
    """BATCH_MATMUL of x by a computed tensor (x itself, another pool tensor, a transposed
    branch), adj_x / adj_y at random, batch dimensions broadcasting."""
    shape = b.shape(x)
    if not 3 <= len(shape) <= 4:
        return None
    adj_x = b.chance(0.3)
    m, k = shape[-1:-3:-1] if adj_x else shape[-2:]

    def fits(s: tuple[int, ...]) -> bool:
        batch_ok = all(p == q or 1 in (p, q) for p, q in zip(s[:-2], shape[:-2]))
        return len(s) == len(shape) and batch_ok and k in s[-2:]
    candidates = [n for n in b.pool if fits(b.shape(n))]
    rhs = b.pick(candidates) if candidates else None
    if rhs is None:
        return None
    r_shape = b.shape(rhs)
    adj_y = r_shape[-1] == k and (r_shape[-2] != k or b.chance(0.5))
    n = r_shape[-2] if adj_y else r_shape[-1]
    batch = tuple(max(p, q) for p, q in zip(shape[:-2], r_shape[:-2]))
    out = (*batch, m, n)
    if not b.fits(out):
        return None
    if rhs != x:
        b.note_join(x, rhs)
    else:
        b.features.add("same_tensor_twice")
    amp = b.amp[x] * b.amp[rhs] * math.sqrt(k)
    y = b.act(out, b.quant_for(amp), amp, [x, rhs])
    b.op("BATCH_MATMUL", [x, rhs], [y], {"adj_x": adj_x, "adj_y": adj_y})
    return y


def reduce_max(b: Builder, x: str) -> str | None:
    """REDUCE_MAX / REDUCE_MIN over random non-batch axes (maybe all: a (1,) output)."""
    shape = b.shape(x)
    if len(shape) < 2:
        return None
    axes = sorted(int(a) for a in b.rng.choice(range(1, len(shape)), b.between(1, len(shape) - 1),
                                               replace=False))
    keep = b.chance(0.5)
    out = tuple(1 if a in axes else d for a, d in enumerate(shape) if keep or a not in axes)
    written = [a - len(shape) if b.chance(0.3) else a for a in axes]
    opcode = b.pick(["REDUCE_MAX", "REDUCE_MIN"])
    return b.unary(opcode, x, out, b.quant(x), b.amp[x], [b.i32(written, "ax")], {"keep_dims": keep})


def arg_max(b: Builder, x: str) -> str | None:
    """ARG_MAX / ARG_MIN along a non-batch axis: an int32 (uint8 graphs: sometimes int64) side
    tensor (a graph output)."""
    shape = b.shape(x)
    if len(shape) < 2:
        return None
    axis = b.between(1, len(shape) - 1)
    wide = b.kind == "uint8" and b.chance(0.3)  # (int64 indices: LiteRT REF, not TFLM)
    y = side(b, shape[:axis] + shape[axis + 1:], "int64" if wide else "int32")
    ax = written_axis(b, axis, len(shape))
    b.op(b.pick(["ARG_MAX", "ARG_MIN"]), [x, b.i32([ax] if b.chance(0.5) else np.array(ax, np.int32))],
         [y], {"output_type": "INT64" if wide else "INT32"})
    b.features.add("int32_output")
    return x


def second_operand(b: Builder, x: str, same_quant: bool) -> str:
    """x itself, a broadcastable pool tensor, a branch of x or a broadcast constant."""
    shape = b.shape(x)
    r = b.rng.random()
    if r < 0.15:
        y = x
    elif r < 0.3:
        y_shape = tuple(d if a and b.chance(0.5) else 1 for a, d in enumerate(shape))
        q = b.quant(x) if same_quant else b.quant_for(b.amp[x])
        y = b.const("k", b.rng.integers(b.lo, b.hi + 1, y_shape), b.kind, *q)
        b.features.add("constant_operand")
    else:
        found = b.partner(x, lambda s: len(s) == len(shape) and broadcastable(s, shape))
        y = found if found and b.chance(0.6) else b.branch(x)
    if y in b.pool:
        b.note_join(x, y)
        if same_quant and b.quant(y) != b.quant(x):
            y = b.requantize(y, b.quant(x))
    return y


def comparison(b: Builder, x: str) -> str | None:
    """A comparison of x with a second operand: a bool side tensor."""
    if b.kind == "int16" or b.quant(x)[0] >= 1:  # (>= 1: TFLM aborts, tests/test_compare_scale.py)
        return None
    y = second_operand(b, x, same_quant=False)
    if b.tensors[y].scale is None or b.quant(y)[0] >= 1:
        return None
    out = tuple(int(d) for d in np.broadcast_shapes(b.shape(x), b.shape(y)))
    if out[0] != 1 or not b.fits(out):
        return None
    c = side(b, out, "bool")
    b.op(b.pick(COMPARISONS), [x, y], [c])
    b.features.add("bool_tensor")
    return c


def compare(b: Builder, x: str) -> str | None:
    """A comparison whose bool result is a graph output or read by LOGICAL_* ops."""
    c = comparison(b, x)
    if c is None:
        return None
    if b.chance(0.5):
        logical(b, c)
    return x


def logical(b: Builder, c: str) -> str:
    """LOGICAL_NOT of c, or LOGICAL_AND / LOGICAL_OR with another bool of a broadcastable shape."""
    others = [d for d in b.side if b.tensors[d].dtype == "bool" and broadcastable(b.shape(d), b.shape(c))
              and len(b.shape(d)) == len(b.shape(c))]
    if b.chance(0.3) or not others:
        y = side(b, b.shape(c), "bool")
        b.op("LOGICAL_NOT", [c], [y])
        return y
    d = b.pick(others)
    out = tuple(int(v) for v in np.broadcast_shapes(b.shape(c), b.shape(d)))
    y = side(b, out, "bool")
    b.op(b.pick(["LOGICAL_AND", "LOGICAL_OR"]), [c, d], [y])
    return y


def select_v2(b: Builder, x: str) -> str | None:
    """SELECT_V2(cond, x, y): cond a comparison (maybe through LOGICAL_*), an existing bool or a
    constant; y of x's quantization."""
    shape = b.shape(x)
    bools = [d for d in b.side if b.tensors[d].dtype == "bool" and len(b.shape(d)) <= len(shape)
             and broadcastable(b.shape(d), shape)]
    r = b.rng.random()
    cond: str | None = None
    if r < 0.3 and bools:
        cond = b.pick(bools)
    elif r < 0.8:
        cond = comparison(b, x)
        if cond is not None and b.chance(0.3):
            cond = logical(b, cond)
    if cond is None or len(b.shape(cond)) > len(shape):
        c_shape = tuple(d if a and b.chance(0.5) else 1 for a, d in enumerate(shape))
        cond = b.const("cond", b.rng.integers(0, 2, c_shape).astype(bool), "bool")
    y = second_operand(b, x, same_quant=True)
    if not broadcastable(b.shape(cond), shape, b.shape(y)):
        return None
    out = tuple(int(v) for v in np.broadcast_shapes(b.shape(cond), shape, b.shape(y)))
    if out[0] != 1 or len(out) != len(shape) or not b.fits(out):
        return None
    a, z = (x, y) if b.chance(0.5) else (y, x)
    result = b.act(out, b.quant(x), b.amp[x], [n for n in (x, y) if n in b.pool])
    # SELECT (v1, LiteRT REF only: uint8 graphs) needs one shape for all three
    same = b.shape(cond) == shape == b.shape(y)
    b.op("SELECT" if b.kind == "uint8" and same and b.chance(0.5) else "SELECT_V2", [cond, a, z], [result])
    return result


def dynamic_update_slice(b: Builder, x: str) -> str | None:
    """DYNAMIC_UPDATE_SLICE of x with a slice of a branch of x (x's quantization) at a constant
    start (batch 0)."""
    shape = b.shape(x)
    if len(shape) > 4 and b.kind != "uint8":
        return None
    u = slice_op(b, b.branch(x))
    if u is None:
        return None
    if b.quant(u) != b.quant(x):
        u = b.requantize(u, b.quant(x))
    start = [0, *(b.between(0, d - e) for d, e in zip(shape[1:], b.shape(u)[1:]))]
    y = b.act(shape, b.quant(x), b.amp[x], [x, u])
    b.op("DYNAMIC_UPDATE_SLICE", [x, u, b.i32(start, "st")], [y])
    return y


def div(b: Builder, x: str) -> str | None:
    y = second_operand(b, x, same_quant=False)
    out = tuple(int(d) for d in np.broadcast_shapes(b.shape(x), b.shape(y)))
    if out[0] != 1 or not b.fits(out):
        return None
    amp = b.amp[x] / b.amp.get(y, b.amp[x]) * 4
    result = b.act(out, b.quant_for(amp), amp, [n for n in (x, y) if n in b.pool])
    b.op("DIV", [x, y], [result], {"fused_activation_function": b.pick(["NONE", "NONE", "RELU", "RELU6"])})
    return result


def cumsum(b: Builder, x: str) -> str | None:
    shape = b.shape(x)
    if len(shape) < 2:
        return None
    axis = b.between(1, len(shape) - 1)
    amp = b.amp[x] * math.sqrt(shape[axis]) * 2
    return b.unary("CUMSUM", x, shape, b.quant_for(amp), amp,
                   [b.i32(np.array(written_axis(b, axis, len(shape)), np.int32))],
                   {"exclusive": b.chance(0.4), "reverse": b.chance(0.4)})


def add_n(b: Builder, x: str) -> str | None:
    """ADD_N of 2-4 tensors of x's shape and quantization."""
    shape = b.shape(x)
    parts = [x]
    for _ in range(b.between(1, 3)):
        part = b.partner(x, lambda s: s == shape) if b.chance(0.4) else x if b.chance(0.2) else None
        part = part or b.branch(x)
        b.note_join(x, part)
        parts.append(part if b.quant(part) == b.quant(x) else b.requantize(part, b.quant(x)))
    amp = b.amp[x] * len(parts)
    y = b.act(shape, b.quant_for(amp), amp, parts)
    b.op("ADD_N", parts, [y])
    return y


def cast(b: Builder, x: str) -> str | None:
    """CAST of the stored values to int32 (a side tensor, a graph output)."""
    y = side(b, b.shape(x), "int32")
    b.op("CAST", [x], [y])
    b.features.add("int32_output")
    return x


def fixed_output(b: Builder, x: str) -> str | None:
    """LOG_SOFTMAX or L2_NORMALIZATION (last axis; the output quantization the kernels need)."""
    shape = b.shape(x)
    opcode = b.pick(["LOG_SOFTMAX", "L2_NORMALIZATION"])
    if opcode == "L2_NORMALIZATION" and len(shape) > 4:
        return None
    if opcode == "LOG_SOFTMAX" and b.quant(x)[0] * 2.0**26 <= 1:
        return None
    return b.unary(opcode, x, shape, FIXED[(opcode, b.kind)], 1.0)


def unbatched_input(b: Builder, shape: tuple[int, ...]) -> str:
    """A graph input without a leading batch dimension of 1 (the sample axis is added in front,
    tqc/samples.py): `shape` without its batch (a scalar when that leaves nothing, one time in
    four), reshaped to `shape` for the rest of the graph."""
    model_shape = () if b.chance(0.25) else shape[1:]
    if model_shape == ():
        shape = (1, 1)
    x = b.fresh("in")
    s = f32(2.0 ** b.rng.uniform(-10, 2))
    b.tensors[x] = Tensor(x, model_shape, b.kind, s, b.zero_point())
    b.inputs.append(x)
    b.features.add("scalar_input" if model_shape == () else "unbatched_input")
    return b.unary("RESHAPE", x, shape, b.quant(x), s * b.half, [b.i32(list(shape), "s")],
                   {"new_shape": list(shape)})


def unbatched_output(b: Builder, x: str) -> str:
    """x reshaped without its leading batch of 1, as a graph output (sample axis in front)."""
    shape = b.shape(x)[1:] or (1,)
    y = b.fresh("out")
    b.tensors[y] = Tensor(y, shape, b.kind, *b.quant(x))
    b.op("RESHAPE", [x, b.i32(list(shape), "s")], [y], {"new_shape": list(shape)})
    b.features.add("unbatched_output")
    return y


def f32(v: float) -> float:
    return float(np.float32(v))


def broadcastable(*shapes: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


COMMON: list[Step] = [slice_op, split_v, pack, unpack, dynamic_update_slice]
STEPS: dict[str, list[Step]] = {
    "int8": [*COMMON, gather, gather_nd, broadcast_to, transpose_conv, batch_matmul, reduce_max,
             arg_max, compare, select_v2, select_v2, div, cumsum, add_n, cast, fixed_output],
    "uint8": [*COMMON, gather, gather_nd, reduce_max, arg_max, compare, select_v2, select_v2, cast,
              fixed_output],
    "int16": [*COMMON, broadcast_to, transpose_conv, batch_matmul, select_v2, cast],
}
