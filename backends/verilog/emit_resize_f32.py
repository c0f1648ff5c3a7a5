"""`tqi.resize_bilinear` on uint8 images → an instance of `tqc_resize_f32`
(templates/tqc_resize_f32.v): LiteRT REF's float kernel `reference_ops::ResizeBilinear<uint8_t>`,

    out = trunc(((((x00·ry)·rx + (x10·dy)·rx) + (x01·ry)·dx) + (x11·dy)·dx) + 0.5)

every operation a float32 operation rounded to nearest even (templates/tqc_f32_mul.v,
tqc_f32_add.v). The per-row (y0, y1, ry = 1 − dy, dy) and per-column (x0, x1, rx, dx) come
from the reference's index rules (`tqc.semantics.resize.bilinear_axis_float`) as two ROM files.

The float modules handle finite operands and results that are ±0 or normal only; `domain_check`
proves at compile time, from the weights alone, that no value leaves that domain whatever the
image (x an integer in 0..255):
- a nonzero product x·w_y is at least m_y (the least nonzero |w_y|) and (x·w_y)·w_x at least
  fl(m_y·m_x) (rounding is monotone); with m_y·m_x ≥ 2^-103 every nonzero term is a float of
  magnitude ≥ 2^-103, hence a multiple of 2^-126, and so is every exact sum of such terms
  (and 0.5): a sum is 0 or at least 2^-126 in magnitude, never subnormal, and it rounds to a
  multiple of 2^-126 again. Magnitudes stay below 255·4·max|w_y|·max|w_x| + 1, far from 2^128.
- the result lies in (−1, 256) (the truncation's domain): ry + dy = 1 within 2^-23, likewise
  for x, dy < 0 only where y0 = y1 (half-pixel edges, the two row taps read the same byte), and
  the float errors of the seven operations stay below 255·2.25·2^-21 < 0.001, so the sum is a
  weighted mean of the four bytes within 0.01 (then + 0.5 and truncation give 0..255).
"""

from __future__ import annotations

import numpy as np

from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, clog2, resize_ring_rows
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal
from tqc.semantics.resize import bilinear_axis_float

F32 = np.float32


def weight_rom(lower: np.ndarray, upper: np.ndarray, frac: np.ndarray, iw: int) -> str:
    """$readmemh text: one word {lower, upper, 1 − frac, frac} (iw, iw, 32 and 32 bits, the
    weights as float32 bit patterns) per output index."""
    rest = (F32(1) - frac.astype(F32)).view(np.uint32).astype(np.int64)
    bits = frac.astype(F32).view(np.uint32).astype(np.int64)
    digits = (2 * iw + 64 + 3) // 4
    return "".join(
        f"{(int(lo) << (iw + 64)) | (int(hi) << 64) | (int(r) << 32) | int(d):0{digits}x}\n"
        for lo, hi, r, d in zip(lower, upper, rest, bits, strict=True))


def _least_and_most(weights: np.ndarray) -> tuple[float, float]:
    mags = np.abs(weights.astype(np.float64))
    nonzero = mags[mags > 0]
    return (float(nonzero.min()) if nonzero.size else 1.0, float(mags.max(initial=0.0)))


def domain_check(ys: tuple[np.ndarray, np.ndarray, np.ndarray],
                 xs: tuple[np.ndarray, np.ndarray, np.ndarray]) -> str | None:
    """Why the weights could take the float datapath out of its domain (module docstring), or
    None when they cannot."""
    weights = []
    for axis, (lower, upper, frac) in (("row", ys), ("column", xs)):
        d = frac.astype(F32)
        r = F32(1) - d
        if not (np.isfinite(d).all() and np.isfinite(r).all()):
            return f"a {axis} weight is not finite"
        if np.any(np.abs(r.astype(np.float64) + d.astype(np.float64) - 1) > 2.0 ** -23):
            return f"{axis} weights do not add up to 1"
        if np.any((d < 0) & (lower != upper)) or np.any(r < 0):
            return f"a negative {axis} weight between two different {axis}s"
        weights.append(_least_and_most(np.concatenate([d, r])))
    (my, ty), (mx, tx) = weights
    if min(my, mx) < 2.0 ** -126 or my * mx < 2.0 ** -103:
        return f"weights as small as {my:g} and {mx:g} (subnormal products)"
    if 255 * 4 * ty * tx + 1 >= 2.0 ** 100:
        return "weights too large"
    return None


def resize_bilinear_f32(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.ResizeBilinearOp)
    n, h, w, c = dims(op.input)
    _, oh, ow, _ = dims(op.output)
    if n != 1:
        raise refusal(op, f"batch {n}: no Verilog hardware yet")
    align, half = bool(int_value(op.align_corners)), bool(int_value(op.half_pixel_centers))
    ys = bilinear_axis_float(h, oh, align, half)
    xs = bilinear_axis_float(w, ow, align, half)
    why = domain_check(ys, xs)
    if why is not None:
        raise refusal(op, f"ui8 input (LiteRT's float32 kernel): {why}: no Verilog hardware")
    iyw, ixw = clog2(h), clog2(w)
    yfile, xfile = f"{e.plan.name}_{stage.name}_y.hex", f"{e.plan.name}_{stage.name}_x.hex"
    e.files[yfile] = weight_rom(*ys, iyw)
    e.files[xfile] = weight_rom(*xs, ixw)
    er = resize_ring_rows(h, ys[0], ys[1])
    params = {
        "H": h, "W": w, "C": c, "OH": oh, "OW": ow, "ER": er, "AW": clog2((h + er) * w * c),
        "YW": clog2(oh), "XCW": clog2(ow), "ICW": clog2(w), "CW": clog2(c), "RW": clog2(h + 1),
        "IYW": iyw, "IXW": ixw, "YFILE": f'"{yfile}"', "XFILE": f'"{xfile}"',
    }
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    for template in ("tqc_resize_f32.v", "tqc_frame.v", "tqc_f32_mul.v", "tqc_f32_add.v",
                     "tqc_u8_to_f32.v", "tqc_f32_to_u8.v"):
        e.template(template)
    src, dst = e.connect(stage, 8)
    return e.instance("tqc_resize_f32", f"u_{stage.name}", src, dst, text)
