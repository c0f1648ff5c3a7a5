"""Loop nests of the data-movement tqi ops: transpose, slice, pad, concat and the two resizes
(PACK and SPLIT lower to concat and slices). They copy stored integers; only uint8
RESIZE_BILINEAR computes (in float32, as LiteRT's reference does). Resize source positions and weights depend only on the shapes, so
they are computed at compile time by `tqc.semantics.resize` (the one implementation of that
arithmetic, which the NumPy backend runs too) and printed as tables.
"""

from __future__ import annotations

from math import prod

import numpy as np
from xdsl.ir import Operation

from tqc.backends.c.layer_printer import KernelHandler, LayerPrinter
from tqc.backends.c.literals import c_int
from tqc.backends.c.loops import strides
from tqc.backends.c.schedule import Kernel
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value, ints
from tqc.dialects.accessors import shape as dims
from tqc.dialects.element import element, kind_of
from tqc.errors import TqcError
from tqc.semantics import resize as resize_rules
from tqc.semantics.resize import nearest_index


def _open(lp: LayerPrinter, shape: tuple[int, ...]) -> tuple[list[str], int]:
    """One loop per dimension of size > 1; returns the index variable of each dimension
    ("0" for size-1 dimensions) and the number of loops opened."""
    b = lp.body
    names = []
    opened = 0
    for d, n in enumerate(shape):
        if n == 1:
            names.append("0")
            continue
        b.line(f"for (int i{d} = 0; i{d} < {n}; ++i{d}) {{")
        b.indent += 1
        opened += 1
        names.append(f"i{d}")
    return names, opened


def _sum(terms: list[tuple[str, int]], const: int = 0) -> str:
    parts = [v if s == 1 else f"{v} * {s}" for v, s in terms if v != "0" and s != 0]
    if const:
        parts.append(str(const))
    return " + ".join(parts) if parts else "0"


def transpose(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.TransposeOp)
    perm = ints(op.perm)
    out = dims(op.output)
    in_st = strides(dims(op.input))
    idx, opened = _open(lp, out)
    src = _sum([(idx[d], in_st[perm[d]]) for d in range(len(out))])
    dst = _sum(list(zip(idx, strides(out))))
    lp.body.line(f"{lp.buf(op.output)}[{dst}] = {lp.buf(op.input)}[{src}];")
    lp.body.close(opened)


def slice_(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.SliceOp)
    out = dims(op.output)
    shape = dims(op.input)
    begin, step = ints(op.begin), ints(op.strides)
    if len(begin) != len(shape) or len(out) != len(shape):
        raise TqcError("c backend: tqi.slice must keep the rank")
    in_st = strides(shape)
    base = sum((b % n if n else 0) * s for b, n, s in zip(begin, shape, in_st))
    idx, opened = _open(lp, out)
    src = _sum([(idx[d], step[d] * in_st[d]) for d in range(len(out))], base)
    dst = _sum(list(zip(idx, strides(out))))
    lp.body.line(f"{lp.buf(op.output)}[{dst}] = {lp.buf(op.input)}[{src}];")
    lp.body.close(opened)


def pad(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.PadOp)
    out, shape = dims(op.output), dims(op.input)
    before = ints(op.paddings)[0::2]
    y, x = lp.buf(op.output), lp.buf(op.input)
    b = lp.body
    b.line(f"for (int i = 0; i < {prod(out)}; ++i) {y}[i] = {c_int(int_value(op.pad_value))};")
    out_st = strides(out)
    idx, opened = _open(lp, shape)
    dst = _sum(list(zip(idx, out_st)), sum(p * s for p, s in zip(before, out_st)))
    src = _sum(list(zip(idx, strides(shape))))
    b.line(f"{y}[{dst}] = {x}[{src}];")
    b.close(opened)


def concat(lp: LayerPrinter, k: Kernel) -> None:
    """Concatenation along `axis`: per outer index, each part's block in turn."""
    op = k.anchor
    assert isinstance(op, tqi.ConcatOp)
    shape = dims(op.output)
    axis = int_value(op.axis) % len(shape)
    outer = prod(shape[:axis])
    whole_chunk = prod(shape[axis:])
    row = "0" if outer == 1 else "i"
    offset = 0
    b = lp.body
    for part in op.inputs:
        chunk = prod(dims(part)) // outer if outer else 0
        wi = _sum([(row, whole_chunk), ("j", 1)], offset)
        pi = _sum([(row, chunk), ("j", 1)])
        copy = f"for (int j = 0; j < {chunk}; ++j) {lp.buf(op.output)}[{wi}] = {lp.buf(part)}[{pi}];"
        if outer == 1:
            b.line(copy)
        else:
            b.line(f"for (int i = 0; i < {outer}; ++i)")
            b.line("  " + copy)
        offset += chunk


def _flags(op: Operation) -> tuple[bool, bool]:
    return (bool(int_value(op.properties["align_corners"])),
            bool(int_value(op.properties["half_pixel_centers"])))


def resize_nearest(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.ResizeNearestOp)
    n, h, w, c = dims(op.input)
    _, oh, ow, _ = dims(op.output)
    align, half = _flags(op)
    rows = lp.static_array("src_row", nearest_index(h, oh, align, half), "i32")
    cols = lp.static_array("src_col", nearest_index(w, ow, align, half), "i32")
    y, x = lp.buf(op.output), lp.buf(op.input)
    b = lp.body
    b.line(f"for (int b = 0; b < {n}; ++b)")
    b.line(f"  for (int oy = 0; oy < {oh}; ++oy)")
    b.line(f"    for (int ox = 0; ox < {ow}; ++ox)")
    b.line(f"      for (int c = 0; c < {c}; ++c)")
    b.line(f"        {y}[((b * {oh} + oy) * {ow} + ox) * {c} + c] = "
           f"{x}[((b * {h} + {rows}[oy]) * {w} + {cols}[ox]) * {c} + c];")


def resize_bilinear(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.ResizeBilinearOp)
    n, h, w, c = dims(op.input)
    _, oh, ow, _ = dims(op.output)
    align, half = _flags(op)
    kind = element(op.input)
    ct = kind_of(op.input).c
    y, x = lp.buf(op.output), lp.buf(op.input)
    b = lp.body
    if kind == "ui8":  # LiteRT's float kernel, float32 arithmetic in the reference's order
        y0, y1, dy = resize_rules.bilinear_axis_float(h, oh, align, half)
        x0, x1, dx = resize_rules.bilinear_axis_float(w, ow, align, half)
        weight_t = "f32"
    elif kind in ("i8", "i16"):
        y0, y1, dy = resize_rules.bilinear_axis_int(h, oh, align, half)
        x0, x1, dx = resize_rules.bilinear_axis_int(w, ow, align, half)
        weight_t = "i32"
    else:
        raise TqcError(f"c backend: tqi.resize_bilinear on {kind} is not supported")
    t = {name: lp.static_array(name, np.asarray(data), kt) for name, data, kt in [
        ("y0", y0, "i32"), ("y1", y1, "i32"), ("dy", dy, weight_t),
        ("x0", x0, "i32"), ("x1", x1, "i32"), ("dx", dx, weight_t)]}

    def at(row: str, col: str) -> str:
        return f"{x}[((b * {h} + {t[row]}[oy]) * {w} + {t[col]}[ox]) * {c} + ch]"

    b.line(f"for (int b = 0; b < {n}; ++b)")
    b.line(f"  for (int oy = 0; oy < {oh}; ++oy)")
    b.line(f"    for (int ox = 0; ox < {ow}; ++ox)")
    b.line(f"      for (int ch = 0; ch < {c}; ++ch) {{")
    b.indent += 4
    out = f"{y}[((b * {oh} + oy) * {ow} + ox) * {c} + ch]"
    if kind == "ui8":
        b.line(f"const float dy1 = {t['dy']}[oy], dx1 = {t['dx']}[ox];")
        b.line("const float dy0 = 1.0f - dy1, dx0 = 1.0f - dx1;")
        b.line(f"float acc = ((float){at('y0', 'x0')} * dy0) * dx0;")
        b.line(f"acc = acc + ((float){at('y1', 'x0')} * dy1) * dx0;")
        b.line(f"acc = acc + ((float){at('y0', 'x1')} * dy0) * dx1;")
        b.line(f"acc = acc + ((float){at('y1', 'x1')} * dy1) * dx1;")
        b.line(f"{out} = ({ct})(acc + 0.5f);")
    else:  # ResizeBilinearInteger: 10-bit weights, int64 sum, rounded division by 2^20
        b.line(f"const int64_t wy1 = {t['dy']}[oy], wx1 = {t['dx']}[ox];")
        b.line("const int64_t wy0 = 1024 - wy1, wx0 = 1024 - wx1;")
        b.line(f"const int64_t s = {at('y0', 'x0')} * wy0 * wx0 + {at('y1', 'x0')} * wy1 * wx0"
               f" + {at('y0', 'x1')} * wy0 * wx1 + {at('y1', 'x1')} * wy1 * wx1;")
        b.line(f"{out} = ({ct})((s + (s > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20));")
    b.indent -= 4
    b.line("      }")


def gather(lp: LayerPrinter, k: Kernel) -> None:
    """Rows chosen by run-time index tuples; returns 1 where the reference kernel returns an
    error (tqi.gather's `check`): the row index is computed in int64 (exact: the verifier
    bounds the sum)."""
    op = k.anchor
    assert isinstance(op, tqi.GatherOp)
    a_n, r_n, s_n = dims(op.data)
    k_n, depth = dims(op.indices)
    extents = ints(op.dims)
    weights = [prod(extents[j + 1:]) for j in range(depth)]
    lp.can_fail = True
    y, x, t = lp.buf(op.output), lp.buf(op.data), lp.buf(op.indices)
    b = lp.body
    b.line(f"for (int k = 0; k < {k_n}; ++k) {{")
    b.indent += 1
    b.line(f"const {kind_of(op.indices).c} *t = {t} + k * {depth};")
    if op.check.data == "each":
        tests = " || ".join(f"t[{j}] < 0 || t[{j}] >= {n}" for j, n in enumerate(extents))
        b.line(f"if ({tests}) return 1;")
    row = " + ".join(f"(int64_t)t[{j}]" + (f" * {w}" if w != 1 else "")
                     for j, w in enumerate(weights))
    b.line(f"const int64_t row = {row};")
    if op.check.data == "flat":
        b.line(f"if (row < 0 || row >= {r_n}) return 1;")
    src = f"(a * {r_n} + row) * {s_n} + s" if a_n > 1 else f"row * {s_n} + s"
    dst = f"(a * {k_n} + k) * {s_n} + s" if a_n > 1 else f"k * {s_n} + s"
    if a_n > 1:
        b.line(f"for (int a = 0; a < {a_n}; ++a)")
    b.line(f"{'  ' if a_n > 1 else ''}for (int s = 0; s < {s_n}; ++s) {y}[{dst}] = {x}[{src}];")
    b.indent -= 1
    b.line("}")


def nonzero_check(lp: LayerPrinter, k: Kernel) -> None:
    """A copy that returns 1 (the reference's error) if any element is 0: the whole tensor is
    checked before anything is written, as LiteRT's FLOOR_DIV / FLOOR_MOD scan the divisor."""
    op = k.anchor
    assert isinstance(op, tqi.NonzeroCheckOp)
    lp.can_fail = True
    n = prod(dims(op.output))
    y, x = lp.buf(op.output), lp.buf(op.input)
    lp.body.line(f"for (int i = 0; i < {n}; ++i) if ({x}[i] == 0) return 1;")
    lp.body.line(f"for (int i = 0; i < {n}; ++i) {y}[i] = {x}[i];")


KERNELS: dict[type[Operation], KernelHandler] = {
    tqi.TransposeOp: transpose,
    tqi.SliceOp: slice_,
    tqi.PadOp: pad,
    tqi.ConcatOp: concat,
    tqi.ResizeNearestOp: resize_nearest,
    tqi.ResizeBilinearOp: resize_bilinear,
    tqi.GatherOp: gather,
    tqi.NonzeroCheckOp: nonzero_check,
}
