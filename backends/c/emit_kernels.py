"""Loop nests of the accumulating tqi ops (conv, depthwise conv, fully connected, pooling) and
of the row-wise ones (softmax, sum, arg_max).

Accumulating ops compute one output element at a time (`acc`), run the fused element-wise
epilogue on it, and store the result: the int32 accumulators never reach memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.backends.c.layer_printer import KernelHandler, LayerPrinter
from tqc.backends.c.literals import c_int
from tqc.backends.c.loops import DimLoop, strides
from tqc.backends.c.packing import pack_conv_filter
from tqc.backends.c.requant_chain import RequantChain, requant_chain
from tqc.backends.c.schedule import (
    Kernel,
    conv_patch_mode,
    conv_pixel_block,
    conv_window,
    depthwise_as_conv,
    fused_requant_conv,
)
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value, ints
from tqc.dialects.accessors import shape as dims
from tqc.dialects.element import element, kind_of
from tqc.errors import TqcError

PAIRS = {("i8", "i8"), ("ui8", "ui8"), ("i16", "i8")}
# BATCH_MATMUL's int16 x int16 (two activations): weights known at run time only
FC_PAIRS = PAIRS | {("i16", "i16")}


def _suffix(v: SSAValue) -> str:
    """The suffix of the runtime's functions on v's element type: "i8", "u8", "i16"."""
    return kind_of(v).c_suffix


def _check_types(op: Operation, x: SSAValue, w: SSAValue,
                 pairs: set[tuple[str, str]] = PAIRS) -> bool:
    """Validate the operand types; True for the int64 accumulator of the 16-bit kernels."""
    pair = (element(x), element(w))
    acc = element(op.results[0])
    if pair not in pairs:
        raise TqcError(f"c backend: {op.name} with {pair[0]} input and {pair[1]} weights "
                       "is not supported")
    if acc == "i64" and pair[0] != "i16":
        raise TqcError(f"c backend: {op.name} with an int64 accumulator needs int16 input")
    if acc not in ("i32", "i64"):
        raise TqcError(f"c backend: {op.name} with an {acc} accumulator is not supported")
    return acc == "i64"


def _fits_i32(init: np.ndarray | None, term: int, weights: np.ndarray | None,
              reduce_axes: tuple[int, ...]) -> bool:
    """True if |init| + term * sum|w| < 2^31 for every output channel: then no partial sum of
    init + sum(a * w), with |a| <= term, can leave int32."""
    if weights is None:
        return False
    bound = term * np.abs(weights.astype(np.int64)).sum(axis=reduce_axes).reshape(-1)
    if init is not None:
        bound = bound + np.abs(init.reshape(-1).astype(np.int64))
    return int(bound.max(initial=0)) < 2**31


def _offset_range(x: SSAValue, offset: int) -> int:
    lo, hi = kind_of(x).range
    return max(abs(lo + offset), abs(hi + offset))


def _const(lp: LayerPrinter, v: SSAValue | None) -> np.ndarray | None:
    if v is None:
        return None
    data = lp.p.const_array(v)
    return None if data is None else data.reshape(dims(v))


def _bias_ptr(lp: LayerPrinter, op: Operation) -> str:
    return lp.buf(op.operands[2]) if len(op.operands) > 2 else "NULL"


def _requant_args(lp: LayerPrinter, chain: RequantChain, count: int) -> str:
    """The parameters of `tqc_requant_*` (and of `tqc_pconv_*`'s epilogue) after the
    accumulators: per-channel values as static arrays, uniform ones as scalars."""
    params = []
    for vals, label, element_ in ((chain.multiplier, "multiplier", "i32"),
                                  (chain.right_shift, "right_shift", "i8"),
                                  (chain.add, "add", "i32")):
        if len(set(vals)) == 1:
            params.append(f"NULL, {c_int(vals[0])}")
        else:
            assert len(vals) == count
            params.append(f"{lp.static_array(label, np.array(vals), element_)}, 0")
    return f"{', '.join(params)}, {c_int(chain.lo)}, {c_int(chain.hi)}"


def _requant_call(lp: LayerPrinter, k: Kernel, offset: str, acc: str, count: int) -> str | None:
    """`tqc_requant_*(stored output + offset, acc, count, ...)` when k's epilogue is exactly the
    usual requantize chain (`requant_chain`); None otherwise (the epilogue is then printed
    element by element)."""
    chain = requant_chain(k.tree, k.anchor, k.writes[0], count)
    if chain is None:
        return None
    out = f"{lp.buf(k.writes[0])} + {offset}"
    return (f"tqc_requant_{chain.out_suffix}({out}, {acc}, {count}, "
            f"{_requant_args(lp, chain, count)});")


def _spatial(lp: LayerPrinter, k: Kernel, stride: Sequence[int], pad: Sequence[int],
             pixel: list[str], acc: str, acc_type: str, acc_i32: str | None = None) -> None:
    """Loops (n,) oy, ox over an NHWC output; per pixel, the statements `pixel` (with
    "{batch}" the batch offset of the input) fill the per-channel accumulators, then a loop over
    the channels runs the epilogue on `acc` (an expression of c) and stores; or one
    `tqc_requant_*` call on `acc_i32` (the accumulators as int32) when the epilogue is the
    usual requantize chain."""
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
    batch = _x_suffix(f"n * {h * w * c}" if n > 1 else "0")
    for line in pixel:
        b.line(line.format(batch=batch))
    row = f"(n * {oh} + oy)" if n > 1 else "oy"
    b.line(f"const int base = ({row} * {ow} + ox) * {oc};")
    call = None if acc_i32 is None else _requant_call(lp, k, "base", acc_i32, oc)
    if call is not None:
        b.line(call)
        b.close(opened + 2)
        return
    b.line(f"for (int c = 0; c < {oc}; ++c) {{")
    b.indent += 1
    opened += 3
    b.line("const int o = base + c;")
    b.line(f"const {acc_type} acc = {acc};")
    lp.store(k, {out: "acc"}, "o")
    b.close(opened)


def _x_suffix(batch: str) -> str:
    return "" if batch == "0" else f" + {batch}"


def _folded_init(lp: LayerPrinter, op: tqi.ConvLikeOp | tqi.FullyConnectedOp, weights: np.ndarray,
                 bias: np.ndarray | None, x_off: int, w_off: int,
                 wide: bool) -> tuple[str, np.ndarray]:
    """init = bias + input_offset * sum(w + filter_offset) per output channel, folded at compile
    time (wrapped to int32 as the reference's sum, unless the accumulator is int64): the C name
    (a static array, the bias, or NULL) and the values."""
    units = weights.shape[0]
    folded = np.zeros(units, np.int64) if bias is None else bias.astype(np.int64).reshape(-1)
    if x_off:
        folded = folded + x_off * (weights.astype(np.int64).reshape(units, -1) + w_off).sum(axis=1)
    values_ = folded if wide else (folded + 2**31) % 2**32 - 2**31
    if x_off:
        name = lp.static_array("init", values_, "i64" if wide else "i32",
                               "bias + input_offset * sum(w + filter_offset) per output channel")
    else:
        name = _bias_ptr(lp, op)
    return name, values_


def conv_2d(lp: LayerPrinter, k: Kernel) -> None:
    """Per block of output pixels: their im2col patches, the matrix product
    acc[q][c] = init[c] + patch[q] . w[c], then per pixel the epilogue on acc
    (+ filter_offset * sum(patch)). 8-bit input with constant weights (`conv_patch_mode` "raw"
    or "direct"): the patch holds the input as it is (the input zero point outside the image;
    a 1x1 stride-1 unpadded conv reads the image itself) and init = bias + input_offset *
    sum(w + filter_offset) is folded at compile time, as for fully connected; otherwise
    ("offset") the patch is x + input_offset widened to int16 (0 outside) and init = bias."""
    op = k.anchor
    assert isinstance(op, tqi.Conv2DOp)
    _conv(lp, k, op, _const(lp, op.filter))


def _conv(lp: LayerPrinter, k: Kernel, op: tqi.ConvLikeOp, weights: np.ndarray | None) -> None:
    """conv_2d's loops for `op` with the filter `weights` [o, kh, kw, c] (None: known at run
    time only). With raw 8-bit input the filter is stored packed (backends/c/packing.py) for
    `tqc_pgemm_*`, in place of the IR's layout."""
    x, w, out = op.input, op.filter, op.output
    _, h, wd, c = dims(x)
    kh, kw, _ = conv_window(op)
    n, oh, ow, o = dims(out)
    depth = kh * kw * c
    (sh, sw), (dh, dw) = ints(op.stride), ints(op.dilation)
    top, _, left, _ = ints(op.pad)
    wide = _check_types(op, x, w)
    x_off, w_off = int_value(op.input_offset), int_value(op.filter_offset)
    chain = fused_requant_conv(k)
    acc = "" if chain is not None else lp.scratch(k, "acc")
    mode = conv_patch_mode(op)
    if element(x) == "i16" and x_off:
        raise TqcError("c backend: int16 tqi.conv_2d with a nonzero input offset is not "
                       "supported (the 16x8 reference kernels have none)")
    xs, ws = _suffix(x), _suffix(w)
    if mode != "offset":
        assert weights is not None
        init, _ = _folded_init(lp, op, weights, _const(lp, op.bias), x_off, w_off, False)
        gemm = f"tqc_pgemm_{xs}"  # sums modulo 2^32 in every path
        w_name = lp.p.repacked_weight(w, f"{lp.layer.name}_filter_packed",
                                      pack_conv_filter(weights), weights)
        patch_fn, sum_fn = f"tqc_patch_{xs}_raw", f"tqc_sum_{xs}"
        patch_args = f"0, {-x_off}"
    else:
        init = _bias_ptr(lp, op)
        if wide:
            dot = "i16_i8_i64"
        else:
            fits = _fits_i32(_const(lp, op.bias), _offset_range(x, x_off), weights, (1, 2, 3))
            dot = f"i16_{ws}_{'i32' if fits else 'w32'}"
        gemm, w_name = f"tqc_gemm_{dot}", lp.buf(w)
        patch_fn, sum_fn = f"tqc_patch_{xs}", "tqc_sum_i16"
        patch_args = f"{x_off}, 0"
    pixels = oh * ow
    block = conv_pixel_block(o, mode, chain is not None, pixels)
    b = lp.body
    b.loop = DimLoop(dims(out), ["n" if n > 1 else "0", f"((p0 + q) / {ow})",
                                 f"((p0 + q) % {ow})", "c"], "o")
    opened = 0
    if n > 1:
        b.line(f"for (int n = 0; n < {n}; ++n) {{")
        b.indent += 1
        opened += 1
    image = lp.buf(x) + (f" + n * {h * wd * c}" if n > 1 else "")
    first = f"n * {pixels} + p0 + q" if n > 1 else "p0 + q"
    b.line(f"for (int p0 = 0; p0 < {pixels}; p0 += {block}) {{")
    b.indent += 1
    opened += 1
    b.line(f"const int np = {pixels} - p0 < {block} ? {pixels} - p0 : {block};")
    if mode == "direct":  # the pixels of a 1x1 conv are its patch rows
        rows = f"{image} + p0 * {c}"
    else:
        rows = lp.scratch(k, "patch")
        b.line("for (int q = 0; q < np; ++q) {")
        b.line(f"  const int oy = (p0 + q) / {ow}, ox = (p0 + q) % {ow};")
        b.line(f"  {patch_fn}({rows} + q * {depth}, {image}, {h}, {wd}, {c}, {kh}, {kw}, "
               f"oy * {sh} - {top}, ox * {sw} - {left}, {dh}, {dw}, {patch_args});")
        b.line("}")
    if chain is not None:  # requantized inside the kernel: no accumulators in memory
        start = f"n * {pixels} + p0" if n > 1 else "p0"
        b.line(f"tqc_pconv_{xs}_{chain.out_suffix}({lp.buf(k.writes[0])} + ({start}) * {o}, "
               f"{init}, {rows}, np, {w_name}, {depth}, {o}, {_requant_args(lp, chain, o)});")
        b.close(opened)
        return
    b.line(f"{gemm}({acc}, {init}, {rows}, np, {w_name}, {depth}, {o});")
    b.line("for (int q = 0; q < np; ++q) {")
    b.indent += 1
    opened += 1
    value = f"{acc}[q * {o} + c]"
    if w_off:
        b.line(f"const int64_t patch_sum = {sum_fn}({rows} + q * {depth}, {depth});")
        value = (f"{value} + {w_off} * patch_sum" if wide
                 else f"tqc_add_i32({value}, tqc_wrap_i32({w_off} * patch_sum))")
    b.line(f"const int base = ({first}) * {o};")
    call = None if wide or w_off else _requant_call(lp, k, "base", f"{acc} + q * {o}", o)
    if call is not None:
        b.line(call)
        b.close(opened)
        return
    b.line(f"for (int c = 0; c < {o}; ++c) {{")
    b.indent += 1
    opened += 1
    b.line("const int o = base + c;")
    b.line(f"const {kind_of(out).c} acc = {value};")
    lp.store(k, {out: "acc"}, "o")
    b.close(opened)


def depthwise_conv_2d(lp: LayerPrinter, k: Kernel) -> None:
    """Per output pixel, the accumulators of all channels at once, then the epilogue; a
    depthwise conv of one input channel runs as a conv (`depthwise_as_conv`), its filter
    transposed to [output channels, kh, kw, 1] at compile time."""
    op = k.anchor
    assert isinstance(op, tqi.DepthwiseConv2DOp)
    if depthwise_as_conv(op):
        weights = _const(lp, op.filter)
        assert weights is not None
        _conv(lp, k, op, np.ascontiguousarray(weights.transpose(3, 1, 2, 0)))
        return
    x, w = op.input, op.filter
    _, h, wd, c = dims(x)
    _, kh, kw, oc = dims(w)
    if oc % c:
        raise TqcError(f"c backend: depthwise filter of {oc} channels for {c} input channels")
    dh, dw = ints(op.dilation)
    wide = _check_types(op, x, w)
    x_off, w_off = int_value(op.input_offset), int_value(op.filter_offset)
    acc = lp.scratch(k, "acc")
    if _dw_rows(lp, k, op, acc):
        return
    pixel = [(f"tqc_dw_pixel_{_suffix(x)}_{_suffix(w)}({acc}, {_bias_ptr(lp, op)}, "
              f"{lp.buf(x)}{{batch}}, {h}, {wd}, {c}, {lp.buf(w)}, {kh}, {kw}, {oc}, {oc // c}, "
              f"y0, x0, {dh}, {dw}, {x_off}, {w_off});")]
    value = f"{acc}[c]" if wide else f"tqc_u32_to_i32({acc}[c])"
    _spatial(lp, k, ints(op.stride), ints(op.pad), pixel, value, kind_of(op.output).c,
             None if wide else f"(const int32_t *)(const void *){acc}")


def _dw_rows(lp: LayerPrinter, k: Kernel, op: tqi.DepthwiseConv2DOp, acc: str) -> bool:
    """A depthwise conv with channel multiplier 1, 8-bit input, constant weights and the usual
    requantize epilogue as one `tqc_dw_row_*` call per output row (the runtime's loop over the
    row's pixels, inlined with the layer's constants), with init = bias + input_offset *
    sum(w + filter_offset) folded at compile time for the pixels whose window lies inside the
    image; False (nothing printed) for any other."""
    x, w = op.input, op.filter
    n, oh, ow, oc = dims(op.output)
    _, h, wd, c = dims(x)
    _, kh, kw, _ = dims(w)
    chain = requant_chain(k.tree, op, k.writes[0], oc) if k.writes else None
    if chain is None or oc != c or element(x) not in ("i8", "ui8") or element(w) != element(x):
        return False
    (sh, sw), (dh, dw) = ints(op.stride), ints(op.dilation)
    top, _, left, _ = ints(op.pad)
    x_off, w_off = int_value(op.input_offset), int_value(op.filter_offset)
    weights = _const(lp, w)
    if weights is None:
        return False
    units = np.ascontiguousarray(weights.reshape(kh * kw, oc).T)
    init, values = _folded_init(lp, op, units, _const(lp, op.bias), x_off, w_off, False)
    if init == "NULL":
        init = lp.static_array("init", values, "i32", "bias + input_offset * sum(w + filter_offset)")
    b = lp.body
    opened = 0
    image, row = lp.buf(x), "oy"
    if n > 1:
        b.line(f"for (int n = 0; n < {n}; ++n) {{")
        b.indent += 1
        opened += 1
        image, row = f"{image} + n * {h * wd * c}", f"(n * {oh} + oy)"
    b.line(f"for (int oy = 0; oy < {oh}; ++oy) {{")
    b.indent += 1
    opened += 1
    xs = _suffix(x)
    b.line(f"tqc_dw_row_{xs}_{chain.out_suffix}({lp.buf(k.writes[0])} + {row} * {ow * oc}, "
           f"{acc}, {image}, {h}, {wd}, {c}, {lp.buf(w)}, {_bias_ptr(lp, op)}, {init}, {kh}, {kw}, "
           f"{ow}, oy * {sh} - {top}, {sw}, {left}, {dh}, {dw}, {x_off}, {w_off}, "
           f"{_requant_args(lp, chain, oc)});")
    b.close(opened)
    return True


def pool(lp: LayerPrinter, k: Kernel) -> None:
    """Per output pixel, the pooled values of all channels at once, then the epilogue."""
    op = k.anchor
    assert isinstance(op, (tqi.AvgPoolOp, tqi.MaxPoolOp))
    x = op.input
    kind = kind_of(x)
    if not kind.is_narrow:
        raise TqcError(f"c backend: {op.name} on {kind.name} is not supported")
    _, h, w, c = dims(x)
    kh, kw = ints(op.filter_size)
    acc = lp.scratch(k, "acc")
    args = f"{lp.buf(x)}{{batch}}, {h}, {w}, {c}, y0, x0, {kh}, {kw}"
    if isinstance(op, tqi.AvgPoolOp):
        if element(op.output) != "i32":
            raise TqcError("c backend: tqi.avg_pool must give int32")
        if kh * kw * 32768 >= 2**31:
            raise TqcError(f"c backend: tqi.avg_pool window {kh}x{kw} is too large for int32")
        pixel = [f"tqc_avg_pool_pixel_{kind.c_suffix}({acc}, {args});"]
        acc_type = "int32_t"
    else:
        if kind_of(op.output) != kind:
            raise TqcError("c backend: tqi.max_pool must keep its input type")
        pixel = [f"tqc_max_pool_pixel_{kind.c_suffix}({acc}, {args}, {c_int(kind.lo)});"]
        acc_type = kind.c
    _spatial(lp, k, ints(op.stride), ints(op.pad), pixel, f"{acc}[c]", acc_type)


def fully_connected(lp: LayerPrinter, k: Kernel) -> None:
    """Per row: acc[u] = init[u] + x . w[u] for every unit (+ filter_offset * sum(x)), with
    init = bias + input_offset * sum(w + filter_offset) folded at compile time (exact modulo
    2^32, as the reference's int32 sum); then the epilogue over the units."""
    op = k.anchor
    assert isinstance(op, tqi.FullyConnectedOp)
    x, w, out = op.input, op.filter, op.output
    if len(dims(x)) != 2 or len(dims(out)) != 2:
        raise TqcError("c backend: tqi.fully_connected needs 2-D input and output")
    rows, depth = dims(x)
    units = dims(w)[0]
    wide = _check_types(op, x, w, FC_PAIRS)
    x_off, w_off = int_value(op.input_offset), int_value(op.filter_offset)
    weights, bias = _const(lp, w), _const(lp, op.bias)
    if element(w) == "i16":  # only the run-time loop multiplies int16 by int16
        weights = None
    b = lp.body
    var_r = "r" if rows > 1 else "0"
    b.loop = DimLoop((rows, units), [var_r, "u"], "o")
    opened = 0
    if rows > 1:
        b.line(f"for (int r = 0; r < {rows}; ++r) {{")
        b.indent += 1
        opened += 1
    xrow = f"{lp.buf(x)} + r * {depth}" if rows > 1 else lp.buf(x)
    acc_t = kind_of(out).c
    acc_buf = lp.scratch(k, "acc")
    if weights is None or (op.bias is not None and bias is None):  # weights known at run time only
        init = f"{lp.buf(op.bias)}[u]" if op.bias is not None else "0"
        fn = f"{_suffix(x)}_{_suffix(w)}_{'i64' if wide else 'w32'}"
        value = f"{acc_buf}[u]"
        b.line(f"for (int u = 0; u < {units}; ++u) {value} = tqc_fc_acc_{fn}({init}, {xrow}, "
               f"{lp.buf(w)} + u * {depth}, {depth}, {x_off}, {w_off});")
    else:
        init, init_vals = _folded_init(lp, op, weights, bias, x_off, w_off, wide)
        x_max = max(abs(v) for v in kind_of(x).range)
        if wide:
            dot = "i16_i8_i64"
        else:
            fits = _fits_i32(init_vals, x_max, weights, (1,))
            dot = f"{_suffix(x)}_{_suffix(w)}_{'i32' if fits else 'w32'}"
        b.line(f"tqc_dots_{dot}({acc_buf}, {init}, {xrow}, {lp.buf(w)}, {depth}, {units});")
        value = f"{acc_buf}[u]"
        if w_off:
            b.line(f"const int64_t x_sum = tqc_sum_{_suffix(x)}({xrow}, {depth});")
            value = (f"{value} + {w_off} * x_sum" if wide
                     else f"tqc_add_i32({value}, tqc_wrap_i32({w_off} * x_sum))")
    first = f"r * {units}" if rows > 1 else "0"
    call = None if wide or w_off else _requant_call(lp, k, first, acc_buf, units)
    if call is not None:
        b.line(call)
        b.close(opened)
        return
    b.line(f"for (int u = 0; u < {units}; ++u) {{")
    b.indent += 1
    opened += 1
    b.line(f"const int o = r * {units} + u;" if rows > 1 else "const int o = u;")
    b.line(f"const {acc_t} acc = {value};")
    lp.store(k, {out: "acc"}, "o")
    b.close(opened)


def softmax(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.SoftmaxOp)
    src, dst = kind_of(op.input), kind_of(op.output)
    if src.bits != 8 or not dst.is_narrow:
        raise TqcError(f"c backend: tqi.softmax from {src.name} to {dst.name} is not supported")
    shape = dims(op.input)
    depth = shape[-1]
    rows = prod(shape[:-1])
    b = lp.body
    lp.can_fail = True
    x, y = lp.buf(op.input), lp.buf(op.output)
    if rows > 1:
        b.line(f"for (int r = 0; r < {rows}; ++r)")
        x, y = f"{x} + r * {depth}", f"{y} + r * {depth}"
    b.line(f"{'  ' if rows > 1 else ''}if (tqc_softmax_{src.c_suffix}_{dst.c_suffix}({x}, {y}, "
           f"{depth}, {int_value(op.input_multiplier)}, {int_value(op.input_left_shift)}, "
           f"{c_int(int_value(op.diff_min))}) != 0) return 1;")


def reduce_sum(lp: LayerPrinter, k: Kernel) -> None:
    """Sum over `axes` into int32 with wrap-around (the reference's int32 accumulator)."""
    op = k.anchor
    assert isinstance(op, tqi.SumOp)
    if element(op.output) != "i32":
        raise TqcError("c backend: tqi.sum must give int32")
    shape = dims(op.input)
    rank = len(shape)
    axes = sorted({a % rank for a in ints(op.axes)})
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


def arg_max(lp: LayerPrinter, k: Kernel) -> None:
    """Index of the first maximum along `axis` (int32 or int64 result)."""
    op = k.anchor
    assert isinstance(op, tqi.ArgMaxOp)
    shape = dims(op.input)
    axis = int_value(op.axis) % len(shape)
    kind = kind_of(op.input)
    if kind.is_float or element(op.output) not in ("i32", "i64"):
        raise TqcError(f"c backend: tqi.arg_max from {kind.name} to {element(op.output)} "
                       "is not supported")
    outer, n, inner = prod(shape[:axis]), shape[axis], prod(shape[axis + 1:])
    x, y = lp.buf(op.input), lp.buf(op.output)
    b = lp.body
    b.line(f"for (int i = 0; i < {outer}; ++i) {{")
    b.line(f"  for (int j = 0; j < {inner}; ++j) {{")
    b.line(f"    const {kind.c} *p = {x} + i * {n * inner} + j;")
    b.line("    int best = 0;")
    b.line(f"    for (int a = 1; a < {n}; ++a)")
    b.line(f"      if (p[a * {inner}] > p[best * {inner}]) best = a;")
    b.line(f"    {y}[i * {inner} + j] = ({kind_of(op.output).c})best;")
    b.line("  }")
    b.line("}")


KERNELS: dict[type[Operation], KernelHandler] = {
    tqi.Conv2DOp: conv_2d,
    tqi.DepthwiseConv2DOp: depthwise_conv_2d,
    tqi.AvgPoolOp: pool,
    tqi.MaxPoolOp: pool,
    tqi.FullyConnectedOp: fully_connected,
    tqi.SoftmaxOp: softmax,
    tqi.SumOp: reduce_sum,
    tqi.ArgMaxOp: arg_max,
}
