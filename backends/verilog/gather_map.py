"""Data-movement ops as address generation: the `GatherMap` of TRANSPOSE, PAD, STRIDED_SLICE,
RESIZE_NEAREST_NEIGHBOR and CONCATENATION (backends/verilog/emit_gather.py builds it).

Every one of these ops copies stored integers: output element o = (o_0, …, o_{R-1}) (row-major
over the output shape) is element a_k(o) of source k, or the pad value. The address is a sum
of per-axis table entries, a_k(o) = Σ_d T[k][d][o_d], where T[k][d][i] is the input offset
(coordinate × the source's stride) that output coordinate i of axis d reads, or -1 when that
output coordinate does not come from source k (padding; another source of a concatenation).
Output element o reads the one source whose entries are all ≥ 0, else the pad value:

- TRANSPOSE (perm):        T[0][d][i] = i · stride[perm[d]]
- PAD (before, pad value): T[0][d][i] = (i − before_d) · stride[d], -1 outside the input
- STRIDED_SLICE:           T[0][d][i] = (begin_d + i · step_d) · stride[d] (negative steps
                           too: the reference's loop b, b + s, … while before e); shrunk axes
                           are output axes of size 1
- RESIZE_NEAREST_NEIGHBOR: T[0][1][i] = rows[i] · stride[1], T[0][2][j] = cols[j] · stride[2]
                           (tqc.semantics.resize.nearest_index: float32 scale, round / floor)
- CONCATENATION (axis a):  T[k][a][i] = (i − off_k) · stride_k[a] on source k's range of axis
                           a, else -1; the other axes i · stride_k[d]

Constant operands are sources with their data (a ROM in hardware).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.backends.verilog.prepare import root
from tqc.dialects import tqi
from tqc.dialects.accessors import const_value, int_value, ints
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal
from tqc.semantics.resize import nearest_index


@dataclass
class Source:
    """One operand of a gather: a stream, or a constant (`data`, row-major)."""

    value: SSAValue
    elements: int
    data: np.ndarray | None = None


@dataclass
class GatherMap:
    """Output shape (the op's result with shrunk axes kept as 1s), sources, tables[k][d]
    (int64, -1 = not from source k) and the pad value."""

    shape: tuple[int, ...]
    sources: list[Source]
    tables: list[list[np.ndarray]]
    pad_value: int = 0


def strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Row-major element strides of `shape`."""
    return tuple(math.prod(shape[d + 1:]) for d in range(len(shape)))


def constant_data(v: SSAValue) -> np.ndarray | None:
    """The row-major values of a gather operand computed from constants by data movement only
    (RESHAPE, and gathers of such operands: SVDF's slice of its reset state, e.g.), which the
    hardware holds in a ROM; None for anything else."""
    v = root(v)
    data = const_value(v)
    if data is not None:
        return np.ascontiguousarray(data).reshape(-1)
    owner = v.owner
    if not isinstance(owner, Operation) or type(owner) not in MAPS:
        return None
    m = gather_map(owner)
    if any(s.data is None for s in m.sources):
        return None
    return apply(m, []).reshape(-1)


def source(v: SSAValue) -> Source:
    """A gather operand: a constant (`constant_data`) or a stream."""
    return Source(v, math.prod(dims(v)), constant_data(v))


def _masked(offsets: np.ndarray, inside: np.ndarray) -> np.ndarray:
    return np.where(inside, offsets, -1).astype(np.int64)


def transpose_map(op: tqi.TransposeOp) -> GatherMap:
    perm, st = ints(op.perm), strides(dims(op.input))
    out = dims(op.output)
    tables = [np.arange(n, dtype=np.int64) * st[perm[d]] for d, n in enumerate(out)]
    return GatherMap(out, [source(op.input)], [tables])


def pad_map(op: tqi.PadOp) -> GatherMap:
    shape, out = dims(op.input), dims(op.output)
    before, st = ints(op.paddings)[0::2], strides(shape)
    tables = []
    for d, n in enumerate(out):
        i = np.arange(n, dtype=np.int64) - before[d]
        tables.append(_masked(i * st[d], (i >= 0) & (i < shape[d])))
    return GatherMap(out, [source(op.input)], [tables], int_value(op.pad_value))


def slice_map(op: tqi.SliceOp) -> GatherMap:
    shape = dims(op.input)
    st = strides(shape)
    picks = [np.arange(b, e, s, dtype=np.int64)  # the reference's loop b, b + s, … before e
             for b, e, s in zip(ints(op.begin), ints(op.end), ints(op.strides))]
    full = tuple(len(p) for p in picks)
    kept = tuple(n for n in full if n != 1)
    if math.prod(full) != math.prod(dims(op.output)) or kept != tuple(
            n for n in dims(op.output) if n != 1):
        raise refusal(op, f"result {list(dims(op.output))} does not match the ranges "
                          f"{list(full)}")
    if any(((p < 0) | (p >= n)).any() for p, n in zip(picks, shape)):
        raise refusal(op, f"reads outside its input {list(shape)}")
    return GatherMap(full, [source(op.input)], [[p * s for p, s in zip(picks, st)]])


def resize_map(op: tqi.ResizeNearestOp) -> GatherMap:
    shape, out = dims(op.input), dims(op.output)
    if len(shape) != 4:
        raise refusal(op, "needs a 4-D NHWC input")
    align, half = bool(int_value(op.align_corners)), bool(int_value(op.half_pixel_centers))
    st = strides(shape)
    rows = nearest_index(shape[1], out[1], align, half)
    cols = nearest_index(shape[2], out[2], align, half)
    tables = [np.arange(out[0], dtype=np.int64) * st[0], rows * st[1], cols * st[2],
              np.arange(out[3], dtype=np.int64) * st[3]]
    return GatherMap(out, [source(op.input)], [tables])


def concat_map(op: tqi.ConcatOp) -> GatherMap:
    out = dims(op.output)
    axis = int_value(op.axis) % len(out)
    sources, tables, offset = [], [], 0
    for v in op.inputs:
        shape = dims(v)
        st = strides(shape)
        per_axis = []
        for d, n in enumerate(out):
            i = np.arange(n, dtype=np.int64) - (offset if d == axis else 0)
            per_axis.append(_masked(i * st[d], (i >= 0) & (i < shape[d])))
        sources.append(source(v))
        tables.append(per_axis)
        offset += shape[axis]
    return GatherMap(out, sources, tables)


MAPS = {tqi.TransposeOp: transpose_map, tqi.PadOp: pad_map, tqi.SliceOp: slice_map,
        tqi.ResizeNearestOp: resize_map, tqi.ConcatOp: concat_map}


def gather_map(op: Operation) -> GatherMap:
    """The address tables of a data-movement op (a TqcError for other ops)."""
    build = MAPS.get(type(op))
    if build is None:
        raise refusal(op, "not a gather (internal)")
    return build(op)  # type: ignore[arg-type]


def apply(m: GatherMap, inputs: list[np.ndarray]) -> np.ndarray:
    """What the hardware computes, in NumPy (row-major flat inputs, one per streamed source;
    constant sources use their data): a model of the engine for tests."""
    grids = np.meshgrid(*[np.arange(n) for n in m.shape], indexing="ij")
    out = np.full(m.shape, m.pad_value, dtype=np.int64)
    streams = iter(inputs)
    for src, tables in zip(m.sources, m.tables):
        entries = [t[g] for t, g in zip(tables, grids)]
        valid = np.logical_and.reduce([e >= 0 for e in entries]) if entries else np.array(True)
        address = sum(entries, np.zeros(m.shape, dtype=np.int64))
        data = next(streams) if src.data is None else src.data
        out = np.where(valid, data.reshape(-1)[np.where(valid, address, 0)], out)
    return out
