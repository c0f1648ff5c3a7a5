"""FULLY_CONNECTED → an instance of the `tqc_fc` engine (templates/tqc_fc.v) and its weight
and bias ROM files. The IR's offsets become the engine's XOFF/WOFF parameters; the int32
accumulator stream goes on to the requantize chain that follows in the IR."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import IntegerAttr

from tqc.backends.verilog.emitter import VerilogEmitter, emits
from tqc.backends.verilog.prepare import Stage, bits, clog2, const_array, dims, element, signed_width
from tqc.dialects import tqi
from tqc.errors import TqcError


def rom_lines(words: np.ndarray, lane_bits: int) -> str:
    """$readmemh text: one word per line from (depth, lanes) unsigned lane values, lane 0 in
    the least significant bits."""
    digits = lane_bits // 4
    dtype = {8: ">u1", 16: ">u2", 32: ">u4"}[lane_bits]
    raw = np.ascontiguousarray(words[:, ::-1]).astype(dtype).tobytes().hex()
    per_line = words.shape[1] * digits
    return "\n".join(raw[i:i + per_line] for i in range(0, len(raw), per_line)) + "\n"


def integer(attr: object) -> int:
    assert isinstance(attr, IntegerAttr)
    return int(attr.value.data)


@emits("engine", tqi.FullyConnectedOp)
def fully_connected(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.FullyConnectedOp) and stage.split is not None
    w = const_array(op.filter)
    bias = const_array(op.bias)
    if w is None or (op.bias is not None and bias is None):
        raise TqcError("verilog backend: tqi.fully_connected needs constant weights and bias")
    units, depth = w.shape
    if dims(op.input)[-1] != depth:
        raise TqcError("verilog backend: tqi.fully_connected input depth does not match weights")
    ww, wsigned = bits(op.filter)
    if ww != 8:
        raise TqcError(f"verilog backend: {element(op.filter)} weights are not supported")
    xw, xsigned = bits(op.input)
    xoff, woff = integer(op.input_offset), integer(op.filter_offset)
    xlo, xhi = (-(1 << (xw - 1)), (1 << (xw - 1)) - 1) if xsigned else (0, (1 << xw) - 1)
    xvw = max(signed_width(xlo + xoff, xhi + xoff), xw + 1)
    wvw = max(signed_width(int(w.min()) + woff, int(w.max()) + woff), ww + 1)
    if xvw + wvw > 32:
        raise TqcError("verilog backend: tqi.fully_connected products wider than 32 bits")

    pu, pk = stage.split.pu, stage.split.pk
    ng, nk = -(-units // pu), -(-depth // pk)
    lanes = np.zeros((ng * pu, nk * pk), dtype=np.int64)
    lanes[:units, :depth] = w
    # word (g, kk) lane (u, j) = w[g*pu + u, kk*pk + j]
    words = lanes.reshape(ng, pu, nk, pk).transpose(0, 2, 1, 3).reshape(ng * nk, pu * pk)
    wfile = f"{e.plan.name}_{stage.name}_w.hex"
    e.files[wfile] = rom_lines(words & 0xFF, 8)
    bfile = f"{e.plan.name}_{stage.name}_b.hex"
    if bias is not None:
        b = np.zeros(ng * pu, dtype=np.int64)
        b[:units] = bias.reshape(-1)
        e.files[bfile] = rom_lines(b.reshape(ng, pu) & 0xFFFFFFFF, 32)

    params = {
        "K": depth, "UNITS": units, "PU": pu, "PK": pk, "NK": nk, "NG": ng,
        "KAW": clog2(nk), "LW": clog2(pk), "GAW": clog2(ng), "WAW": clog2(ng * nk),
        "OCW": clog2(pu), "XW": xw, "XSIGNED": int(xsigned), "XVW": xvw, "XOFF": xoff,
        "WW": ww, "WSIGNED": int(wsigned), "WVW": wvw, "WOFF": woff,
        "HAS_BIAS": int(bias is not None), "WFILE": f'"{wfile}"', "BFILE": f'"{bfile}"',
    }
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    e.template("tqc_fc.v")
    src, dst = e.connect(stage, 32)
    return e.instance("tqc_fc", f"u_{stage.name}", src, dst, text)
