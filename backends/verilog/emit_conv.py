"""CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED → instances of the `tqc_conv` engine
(templates/tqc_conv.v) with their weight and bias ROM files. FULLY_CONNECTED is a 1x1
convolution over an image of `rows` x 1 pixels of K channels. The IR's offsets, strides,
dilations and padding become engine parameters; the accumulator stream (int32, or int64 for
the 16x8 kernels: int16 input, int8 weights, int64 bias) goes on to the requantize chain that
follows in the IR."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tqc.backends.verilog.emit_matmul import matmul
from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind, ring_rows, signed_width
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.accessors import const_value, int_value, ints
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal
from tqc.errors import TqcError


def rom_lines(words: np.ndarray, lane_bits: int) -> str:
    """$readmemh text: one word per line from (depth, lanes) unsigned lane values, lane 0 in
    the least significant bits."""
    digits = lane_bits // 4
    dtype = {8: ">u1", 16: ">u2", 32: ">u4", 64: ">u8"}[lane_bits]
    raw = np.ascontiguousarray(words[:, ::-1]).astype(dtype).tobytes().hex()
    per_line = words.shape[1] * digits
    return "\n".join(raw[i:i + per_line] for i in range(0, len(raw), per_line)) + "\n"


@dataclass
class Geometry:
    h: int
    w: int
    c: int
    oh: int
    ow: int
    o: int
    kh: int
    kw: int
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    pad: tuple[int, int] = (0, 0)  # top, left
    depthwise: bool = False

    @property
    def m(self) -> int:
        return self.o // self.c if self.depthwise else 1


def geometry(op: tqi.FullyConnectedOp | tqi.ConvLikeOp, w: np.ndarray) -> tuple[Geometry, np.ndarray]:
    """The engine's view of the op, and the weights as (O, KH, KW, C) or depthwise (KH, KW, O)."""
    if isinstance(op, tqi.FullyConnectedOp):
        shape = dims(op.input)
        units, depth = w.shape
        rows = int(np.prod(shape[:-1]))
        if shape[-1] != depth:
            raise refusal(op, "input depth does not match the weights")
        return Geometry(rows, 1, depth, rows, 1, units, 1, 1), w.reshape(units, 1, 1, depth)
    n, h, wd, c = dims(op.input)
    _, oh, ow, o = dims(op.output)
    if n != 1:
        raise refusal(op, f"batch {n}: no Verilog hardware yet")
    top, _, left, _ = ints(op.pad)
    depthwise = isinstance(op, tqi.DepthwiseConv2DOp)
    kh, kw = w.shape[1:3]
    sh, sw = ints(op.stride)
    dh, dw = ints(op.dilation)
    g = Geometry(h, wd, c, oh, ow, o, kh, kw, (sh, sw), (dh, dw), (top, left), depthwise)
    return g, (w[0] if depthwise else w)


def weight_words(g: Geometry, w: np.ndarray, pu: int, pk: int) -> tuple[np.ndarray, int, int]:
    """(ROM words (depth, lanes), steps per group NK, groups NG)."""
    ng = -(-g.o // pu)
    if g.depthwise:  # word (grp, ky, kx), lane u = w[ky, kx, grp*pu + u]
        lanes = np.zeros((g.kh, g.kw, ng * pu), dtype=np.int64)
        lanes[:, :, :g.o] = w
        words = lanes.reshape(g.kh * g.kw, ng, pu).transpose(1, 0, 2).reshape(-1, pu)
        return words, g.kh * g.kw, ng
    cb = -(-g.c // pk)  # word (grp, ky, kx, cb), lane (u, j) = w[grp*pu + u, ky, kx, cb*pk + j]
    lanes = np.zeros((ng * pu, g.kh, g.kw, cb * pk), dtype=np.int64)
    lanes[:g.o, :, :, :g.c] = w
    words = (lanes.reshape(ng, pu, g.kh, g.kw, cb, pk).transpose(0, 2, 3, 4, 1, 5)
             .reshape(-1, pu * pk))
    return words, g.kh * g.kw * cb, ng


@emits(tqi.FullyConnectedOp, tqi.Conv2DOp, tqi.DepthwiseConv2DOp)
def convolution(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, (tqi.FullyConnectedOp, tqi.ConvLikeOp)) and stage.split is not None
    w = const_value(op.filter)
    if w is None and isinstance(op, tqi.FullyConnectedOp) and len(stage.inputs) > 1:
        return matmul(e, stage)  # weights streamed: templates/tqc_matmul.v
    bias = const_value(op.bias)
    if w is None or (op.bias is not None and bias is None):
        raise refusal(op, "weights or bias computed in the graph: no Verilog hardware yet")
    g, wk = geometry(op, w)
    wkind = hw_kind(op.filter)
    ww, wsigned = wkind.bits, wkind.signed
    if ww != 8:
        raise refusal(op, f"{wkind.name} weights: no Verilog hardware yet")
    xkind = hw_kind(op.input)
    xw, xsigned = xkind.bits, xkind.signed
    xoff, woff = int_value(op.input_offset), int_value(op.filter_offset)
    xlo, xhi = xkind.range
    xvw = max(signed_width(xlo + xoff, xhi + xoff), xw + 1)
    wvw = max(signed_width(int(w.min()) + woff, int(w.max()) + woff), ww + 1)
    accw = hw_kind(op.output).bits  # int32, or int64 (16x8 kernels)
    if xvw + wvw > accw - 1:
        raise refusal(op, f"products wider than {accw - 1} bits: no Verilog hardware yet")

    pu, pk = stage.split.pu, stage.split.pk
    if g.depthwise and (pk != 1 or pu % g.m):
        raise TqcError(f"verilog backend: internal: depthwise split {pu}x{pk} for M={g.m}")
    nb = pu // g.m if g.depthwise else pk
    cb = -(-g.c // nb)
    words, nk, ng = weight_words(g, wk, pu, pk)
    wfile = f"{e.plan.name}_{stage.name}_w.hex"
    e.files[wfile] = rom_lines(words & 0xFF, 8)
    bfile = f"{e.plan.name}_{stage.name}_b.hex"
    if bias is not None:
        b = np.zeros(ng * pu, dtype=np.int64)
        b[:g.o] = bias.reshape(-1)
        words = b.reshape(ng, pu).astype(np.uint64) if accw == 64 else b.reshape(ng, pu) & 0xFFFFFFFF
        e.files[bfile] = rom_lines(words, accw)

    er = ring_rows(g.h, g.oh, g.kh, g.stride[0], g.dilation[0], g.pad[0])
    params = {
        "H": g.h, "W": g.w, "C": g.c, "OH": g.oh, "OW": g.ow, "O": g.o, "KH": g.kh, "KW": g.kw,
        "SH": g.stride[0], "SW": g.stride[1], "DH": g.dilation[0], "DW": g.dilation[1],
        "PT": g.pad[0], "PL": g.pad[1], "DEPTHWISE": int(g.depthwise), "M": g.m,
        "PU": pu, "PK": pk, "NB": nb, "LI": stage.in_lanes, "LO": stage.out_lanes,
        "CB": cb, "NK": nk, "NG": ng,
        "ER": er, "AW": clog2((g.h + er) * g.w * cb), "BW": clog2(nb), "CBW": clog2(cb), "YW": clog2(g.oh),
        "XCW": clog2(g.ow), "ICW": clog2(g.w), "KYW": clog2(g.kh), "KXW": clog2(g.kw),
        "RW": clog2(g.h + 1), "GAW": clog2(ng), "WAW": clog2(ng * nk),
        "OCW": clog2(pu // stage.out_lanes),
        "XW": xw, "XSIGNED": int(xsigned), "XVW": xvw, "XOFF": xoff,
        "WW": ww, "WSIGNED": int(wsigned), "WVW": wvw, "WOFF": woff,
        **({"ACCW": accw} if accw != 32 else {}),
        "HAS_BIAS": int(bias is not None), "WFILE": f'"{wfile}"', "BFILE": f'"{bfile}"',
    }
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    e.template("tqc_conv.v")
    e.template("tqc_frame.v")
    src, dst = e.connect(stage, accw)
    return e.instance("tqc_conv", f"u_{stage.name}", src, dst, text)
