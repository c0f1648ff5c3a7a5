"""`tqi.resize_bilinear` on int8 / int16 images → an instance of `tqc_resize`
(templates/tqc_resize.v): ResizeBilinearInteger (TFLM, LiteRT REF), four taps per output with
10-bit weights, round half away from zero. The per-row and per-column (lower, upper, fraction)
come from the reference's index rules (`tqc.semantics.resize.bilinear_axis_int`) as two ROM
files. uint8 (LiteRT REF's float32 kernel) goes to `tqc_resize_f32` (emit_resize_f32.py)."""

from __future__ import annotations

import numpy as np

from tqc.backends.verilog.emit_resize_f32 import resize_bilinear_f32
from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind, resize_ring_rows
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal
from tqc.semantics.resize import bilinear_axis_int


def index_rom(lower: np.ndarray, upper: np.ndarray, frac: np.ndarray, iw: int) -> str:
    """$readmemh text: one word {lower, upper, frac} (iw, iw and 11 bits) per output index;
    frac is two's complement (half-pixel centers give -512..-1 at the first positions, where
    lower = upper = 0 and the two weights 1024 - frac and frac still add up to 1024)."""
    digits = (2 * iw + 11 + 3) // 4
    words = ((lower.astype(np.int64) << (iw + 11)) | (upper.astype(np.int64) << 11)
             | (frac.astype(np.int64) & 0x7FF))
    return "".join(f"{int(v):0{digits}x}\n" for v in words)


@emits(tqi.ResizeBilinearOp)
def resize_bilinear(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.ResizeBilinearOp)
    kind = hw_kind(op.input)
    if kind.name == "ui8":
        return resize_bilinear_f32(e, stage)
    if kind.name not in ("i8", "i16"):
        raise refusal(op, f"{kind.name} input: no Verilog hardware")
    n, h, w, c = dims(op.input)
    _, oh, ow, _ = dims(op.output)
    if n != 1:
        raise refusal(op, f"batch {n}: no Verilog hardware yet")
    align, half = bool(int_value(op.align_corners)), bool(int_value(op.half_pixel_centers))
    y0, y1, fy = bilinear_axis_int(h, oh, align, half)
    x0, x1, fx = bilinear_axis_int(w, ow, align, half)
    iyw, ixw = clog2(h), clog2(w)
    yfile, xfile = f"{e.plan.name}_{stage.name}_y.hex", f"{e.plan.name}_{stage.name}_x.hex"
    e.files[yfile] = index_rom(y0, y1, fy, iyw)
    e.files[xfile] = index_rom(x0, x1, fx, ixw)
    er = resize_ring_rows(h, y0, y1)
    params = {
        "H": h, "W": w, "C": c, "OH": oh, "OW": ow, "ER": er, "AW": clog2((h + er) * w * c),
        "YW": clog2(oh), "XCW": clog2(ow), "ICW": clog2(w), "CW": clog2(c), "RW": clog2(h + 1),
        "IYW": iyw, "IXW": ixw, "XW": kind.bits, "SW": kind.bits + 26,
        "YFILE": f'"{yfile}"', "XFILE": f'"{xfile}"',
    }
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    e.template("tqc_resize.v")
    e.template("tqc_frame.v")
    src, dst = e.connect(stage, kind.bits)
    return e.instance("tqc_resize", f"u_{stage.name}", src, dst, text)
