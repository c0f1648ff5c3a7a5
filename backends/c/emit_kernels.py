"""Loop nests of the accumulating tqi ops (conv, depthwise conv, fully connected, pooling) and
of the row-wise ones (softmax, sum, arg_max).

Accumulating ops compute one output element at a time (`acc`), run the fused element-wise
epilogue on it, and store the result: the int32 accumulators never reach memory.
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.backends.c.arena import element
from tqc.backends.c.printer import (
    C_TYPES,
    RANGES,
    SUFFIX,
    DimLoop,
    LayerPrinter,
    c_int,
    int_prop,
    kernel,
    strides,
    values,
)
from tqc.backends.c.schedule import Kernel, dims
from tqc.dialects import tqi
from tqc.errors import TqcError

ACC_TYPES = {("i8", "i8"): "i8_i8", ("ui8", "ui8"): "u8_u8", ("i16", "i8"): "i16_i8"}


def _acc_suffix(lp: LayerPrinter, op: Operation, x: SSAValue, w: SSAValue,
                bias: SSAValue | None, reduce_axes: tuple[int, ...], channel_axis: int) -> str:
    """The runtime accumulator for op: `_i32` when no partial sum can leave int32 (proved from
    the weights, the input type's range, the offsets and the bias), `_w32` (uint32
    wrap-around, the same bits) otherwise, `_i64` for 64-bit accumulators."""
    pair = (element(x), element(w))
    if pair not in ACC_TYPES:
        raise TqcError(f"c backend: {op.name} with {pair[0]} input and {pair[1]} weights "
                       "is not supported")
    acc = element(op.results[0])
    if acc == "i64":
        if pair != ("i16", "i8"):
            raise TqcError(f"c backend: {op.name} with an int64 accumulator needs int16 input")
        return f"{ACC_TYPES[pair]}_i64"
    if acc != "i32":
        raise TqcError(f"c backend: {op.name} with an {acc} accumulator is not supported")
    weights = lp.p.const_array(w)
    if weights is None:
        return f"{ACC_TYPES[pair]}_w32"
    lo, hi = RANGES[element(x)]
    x_off = int_prop(op.properties["input_offset"])
    w_off = int_prop(op.properties["filter_offset"])
    x_max = max(abs(lo + x_off), abs(hi + x_off))
    per_channel = np.abs(weights.reshape(dims(w)).astype(np.int64) + w_off).sum(axis=reduce_axes)
    bound = x_max * per_channel.reshape(-1)
    b = lp.p.const_array(bias) if bias is not None else None
    if bias is not None and b is None:
        return f"{ACC_TYPES[pair]}_w32"
    if b is not None:
        bound = bound + np.abs(b.reshape(-1).astype(np.int64))
    del channel_axis
    safe = int(bound.max(initial=0)) < 2**31
    return f"{ACC_TYPES[pair]}_{'i32' if safe else 'w32'}"


def _bias(lp: LayerPrinter, op: Operation, channel: str) -> str:
    if len(op.operands) < 3:
        return "0"
    return f"{lp.buf(op.operands[2])}[{channel}]"


def _spatial(lp: LayerPrinter, k: Kernel, stride: list[int], pad: list[int],
             acc: Callable[[str], str], acc_type: str) -> None:
    """Loops (n,) oy, ox, c over an NHWC output; `acc(batch_offset)` is the C expression of
    the value at the current element."""
    op = k.anchor
    assert op is not None
    x = op.operands[0]
    out = op.results[0]
    n, oh, ow, oc = dims(out)
    _, h, w, c = dims(x)
    b = lp.body
    var_n = "n" if n > 1 else "0"
    b.loop = DimLoop(dims(out), [var_n, "oy", "ox", "c"], "o")
    opened = 0
    if n > 1:
        b.line(f"for (int n = 0; n < {n}; ++n) {{")
        b.indent += 1
        opened += 1
    b.line(f"for (int oy = 0; oy < {oh}; ++oy) {{")
    b.indent += 1
    b.line(f"const int y0 = oy * {stride[0]} - {pad[0]};")
    b.line(f"for (int ox = 0; ox < {ow}; ++ox) {{")
    b.indent += 1
    b.line(f"const int x0 = ox * {stride[1]} - {pad[2]};")
    b.line(f"for (int c = 0; c < {oc}; ++c) {{")
    b.indent += 1
    opened += 3
    row = f"(n * {oh} + oy)" if n > 1 else "oy"
    b.line(f"const int o = ({row} * {ow} + ox) * {oc} + c;")
    batch = f"n * {h * w * c}" if n > 1 else "0"
    b.line(f"const {acc_type} acc = {acc(batch)};")
    lp.store(k, {out: "acc"}, "o")
    b.close(opened)


def _x(lp: LayerPrinter, v: SSAValue, batch: str) -> str:
    return lp.buf(v) if batch == "0" else f"{lp.buf(v)} + {batch}"


@kernel(tqi.Conv2DOp)
def conv_2d(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.Conv2DOp)
    x, w = op.input, op.filter
    _, h, wd, c = dims(x)
    o, kh, kw, _ = dims(w)
    dh, dw = values(op.dilation)
    suffix = _acc_suffix(lp, op, x, w, op.bias, (1, 2, 3), 0)
    x_off, w_off = int_prop(op.input_offset), int_prop(op.filter_offset)
    filt = lp.buf(w)

    def acc(batch: str) -> str:
        return (f"tqc_conv_acc_{suffix}({_bias(lp, op, 'c')}, {_x(lp, x, batch)}, {h}, {wd}, {c}, "
                f"{filt} + c * {kh * kw * c}, {kh}, {kw}, y0, x0, {dh}, {dw}, {x_off}, {w_off})")

    _spatial(lp, k, values(op.stride), values(op.pad), acc, C_TYPES[element(op.output)])


@kernel(tqi.DepthwiseConv2DOp)
def depthwise_conv_2d(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.DepthwiseConv2DOp)
    x, w = op.input, op.filter
    _, h, wd, c = dims(x)
    _, kh, kw, oc = dims(w)
    if oc % c:
        raise TqcError(f"c backend: depthwise filter of {oc} channels for {c} input channels")
    dh, dw = values(op.dilation)
    suffix = _acc_suffix(lp, op, x, w, op.bias, (0, 1, 2), 3)
    x_off, w_off = int_prop(op.input_offset), int_prop(op.filter_offset)

    def acc(batch: str) -> str:
        return (f"tqc_dw_acc_{suffix}({_bias(lp, op, 'c')}, {_x(lp, x, batch)}, {h}, {wd}, {c}, "
                f"{lp.buf(w)}, {kh}, {kw}, {oc}, c, {oc // c}, y0, x0, {dh}, {dw}, "
                f"{x_off}, {w_off})")

    _spatial(lp, k, values(op.stride), values(op.pad), acc, C_TYPES[element(op.output)])


@kernel(tqi.AvgPoolOp, tqi.MaxPoolOp)
def pool(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, (tqi.AvgPoolOp, tqi.MaxPoolOp))
    x = op.input
    kind = element(x)
    if kind not in ("i8", "ui8", "i16"):
        raise TqcError(f"c backend: {op.name} on {kind} is not supported")
    _, h, w, c = dims(x)
    kh, kw = values(op.filter_size)
    if isinstance(op, tqi.AvgPoolOp):
        if element(op.output) != "i32":
            raise TqcError("c backend: tqi.avg_pool must give int32")

        def acc(batch: str) -> str:
            return (f"tqc_avg_pool_{SUFFIX[kind]}({_x(lp, x, batch)}, {h}, {w}, {c}, c, y0, x0, "
                    f"{kh}, {kw})")
        acc_type = "int32_t"
    else:
        if element(op.output) != kind:
            raise TqcError("c backend: tqi.max_pool must keep its input type")

        def acc(batch: str) -> str:
            return (f"tqc_max_pool_{SUFFIX[kind]}({_x(lp, x, batch)}, {h}, {w}, {c}, c, y0, x0, "
                    f"{kh}, {kw}, {c_int(RANGES[kind][0])})")
        acc_type = C_TYPES[kind]
    _spatial(lp, k, values(op.stride), values(op.pad), acc, acc_type)


@kernel(tqi.FullyConnectedOp)
def fully_connected(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.FullyConnectedOp)
    x, w, out = op.input, op.filter, op.output
    if len(dims(x)) != 2 or len(dims(out)) != 2:
        raise TqcError("c backend: tqi.fully_connected needs 2-D input and output")
    rows, depth = dims(x)
    units = dims(w)[0]
    suffix = _acc_suffix(lp, op, x, w, op.bias, (1,), 0)
    x_off, w_off = int_prop(op.input_offset), int_prop(op.filter_offset)
    b = lp.body
    var_r = "r" if rows > 1 else "0"
    b.loop = DimLoop((rows, units), [var_r, "u"], "o")
    opened = 0
    if rows > 1:
        b.line(f"for (int r = 0; r < {rows}; ++r) {{")
        b.indent += 1
        opened += 1
    b.line(f"for (int u = 0; u < {units}; ++u) {{")
    b.indent += 1
    opened += 1
    b.line(f"const int o = r * {units} + u;" if rows > 1 else "const int o = u;")
    xrow = f"{lp.buf(x)} + r * {depth}" if rows > 1 else lp.buf(x)
    b.line(f"const {C_TYPES[element(out)]} acc = tqc_fc_acc_{suffix}({_bias(lp, op, 'u')}, "
           f"{xrow}, {lp.buf(w)} + u * {depth}, {depth}, {x_off}, {w_off});")
    lp.store(k, {out: "acc"}, "o")
    b.close(opened)


@kernel(tqi.SoftmaxOp)
def softmax(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.SoftmaxOp)
    src, dst = element(op.input), element(op.output)
    if src not in ("i8", "ui8") or dst not in ("i8", "ui8", "i16"):
        raise TqcError(f"c backend: tqi.softmax from {src} to {dst} is not supported")
    shape = dims(op.input)
    depth = shape[-1]
    rows = prod(shape[:-1])
    b = lp.body
    lp.can_fail = True
    x, y = lp.buf(op.input), lp.buf(op.output)
    if rows > 1:
        b.line(f"for (int r = 0; r < {rows}; ++r)")
        x, y = f"{x} + r * {depth}", f"{y} + r * {depth}"
    b.line(f"{'  ' if rows > 1 else ''}if (tqc_softmax_{SUFFIX[src]}_{SUFFIX[dst]}({x}, {y}, "
           f"{depth}, {int_prop(op.input_multiplier)}, {int_prop(op.input_left_shift)}, "
           f"{c_int(int_prop(op.diff_min))}) != 0) return 1;")


@kernel(tqi.SumOp)
def reduce_sum(lp: LayerPrinter, k: Kernel) -> None:
    """Sum over `axes` into int32 with wrap-around (the reference's int32 accumulator)."""
    op = k.anchor
    assert isinstance(op, tqi.SumOp)
    if element(op.output) != "i32":
        raise TqcError("c backend: tqi.sum must give int32")
    shape = dims(op.input)
    rank = len(shape)
    axes = sorted({a % rank for a in values(op.axes)})
    kept = [1 if d in axes else n for d, n in enumerate(shape)]
    if prod(kept) != prod(dims(op.output)):
        raise TqcError("c backend: tqi.sum result shape does not match its axes")
    b = lp.body
    y, x = lp.buf(op.output), lp.buf(lp.p.schedule.read_through(op.input))
    b.line(f"for (int i = 0; i < {prod(kept)}; ++i) {y}[i] = 0;")
    x_st, y_st = strides(shape), strides(kept)
    opened = 0
    for d in range(rank):
        if shape[d] == 1:
            continue
        b.line(f"for (int i{d} = 0; i{d} < {shape[d]}; ++i{d}) {{")
        b.indent += 1
        opened += 1
    live = [d for d in range(rank) if shape[d] != 1]
    xi = " + ".join(f"i{d} * {x_st[d]}" for d in live) or "0"
    yi = " + ".join(f"i{d} * {y_st[d]}" for d in live if d not in axes) or "0"
    b.line(f"{y}[{yi}] = tqc_add_i32({y}[{yi}], {x}[{xi}]);")
    b.close(opened)


@kernel(tqi.ArgMaxOp)
def arg_max(lp: LayerPrinter, k: Kernel) -> None:
    """Index of the first maximum along `axis` (int32 or int64 result)."""
    op = k.anchor
    assert isinstance(op, tqi.ArgMaxOp)
    shape = dims(op.input)
    axis = int_prop(op.axis) % len(shape)
    kind = element(op.input)
    if kind not in RANGES or element(op.output) not in ("i32", "i64"):
        raise TqcError(f"c backend: tqi.arg_max from {kind} to {element(op.output)} "
                       "is not supported")
    outer, n, inner = prod(shape[:axis]), shape[axis], prod(shape[axis + 1:])
    x, y = lp.buf(op.input), lp.buf(op.output)
    b = lp.body
    b.line(f"for (int i = 0; i < {outer}; ++i) {{")
    b.line(f"  for (int j = 0; j < {inner}; ++j) {{")
    b.line(f"    const {C_TYPES[kind]} *p = {x} + i * {n * inner} + j;")
    b.line("    int best = 0;")
    b.line(f"    for (int a = 1; a < {n}; ++a)")
    b.line(f"      if (p[a * {inner}] > p[best * {inner}]) best = a;")
    b.line(f"    {y}[i * {inner} + j] = ({C_TYPES[element(op.output)]})best;")
    b.line("  }")
    b.line("}")
