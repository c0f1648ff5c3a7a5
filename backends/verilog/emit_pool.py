"""AVERAGE_POOL_2D / MAX_POOL_2D (`tqi.avg_pool`, `tqi.max_pool`) → an instance of `tqc_pool`
(templates/tqc_pool.v); the window, strides and padding come from the op's attributes."""

from __future__ import annotations

from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind, ring_rows
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.accessors import ints
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal


def divider_width(taps: int, xw: int) -> int:
    """Bits of the average's dividend |sum| + count/2 (the divider's cycles per output)."""
    return max(2, (taps * (1 << xw) + taps).bit_length())


@emits(tqi.AvgPoolOp, tqi.MaxPoolOp)
def pool(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.WindowOp)
    n, h, w, c = dims(op.input)
    _, oh, ow, _ = dims(op.output)
    if n != 1:
        raise refusal(op, f"batch {n}: no Verilog hardware yet")
    kh, kw = ints(op.filter_size)
    top, _, left, _ = ints(op.pad)
    sh, sw = ints(op.stride)
    xkind = hw_kind(op.input)
    xw, xsigned = xkind.bits, xkind.signed
    is_max = isinstance(op, tqi.MaxPoolOp)
    outw = hw_kind(op.output).bits
    if outw != (xw if is_max else 32):
        raise refusal(op, f"result width {outw}: no Verilog hardware yet")
    taps = kh * kw
    dvw = divider_width(taps, xw)
    if not is_max and dvw > 31:
        raise refusal(op, "window too large for the divider: no Verilog hardware yet")
    er = ring_rows(h, oh, kh, sh, 1, top)
    params = {
        "H": h, "W": w, "C": c, "OH": oh, "OW": ow, "KH": kh, "KW": kw,
        "SH": sh, "SW": sw, "PT": top, "PL": left,
        "MAX": int(is_max), "ER": er, "AW": clog2((h + er) * w * c), "YW": clog2(oh), "XCW": clog2(ow),
        "ICW": clog2(w), "CW": clog2(c), "KYW": clog2(kh), "KXW": clog2(kw), "RW": clog2(h + 1),
        "CNW": clog2(taps + 1), "DVW": 2 if is_max else dvw, "XW": xw,
        "XSIGNED": int(xsigned), "OUTW": outw,
    }
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    e.template("tqc_pool.v")
    e.template("tqc_frame.v")
    src, dst = e.connect(stage, outw)
    return e.instance("tqc_pool", f"u_{stage.name}", src, dst, text)
