"""EXP and LOG (int8, int16) → `tqi.table`: LiteRT's float32 lookup tables on every input value.

TFLM has no quantized EXP or LOG; LiteRT BUILTIN_REF runs both (kernels/exp.cc,
kernels/elementwise.cc `LogLUTPrepare`), so it is the reference. Both build a LUT in Prepare:
int8 (`LUTPopulateInt8`, every step float32):
    v = f32(S_in · (x − zp_in));  y = expf(v)  or  (v <= 0 ? output_min : logf(v))
    out = clamp(roundf(f32(y · f32(1 / S_out))) + zp_out)   (saturating, see below)
    with output_min = f32((−128 − zp_out) · S_out);
int16 (`LUTPopulateInt16<float>`): 512 samples of the same transform over the int16 input range,
each biased by half the midpoint interpolation error, plus the end point; read by `LUTLookup`
(index 256 + (x >> 7), base + ((slope · (x & 127) + 64) >> 7), int16 wrap). int16 needs zero
points 0 (LiteRT's Prepare refuses others). uint8: LiteRT refuses both, so does tqc.
A value beyond int32 (exp's overflow, +inf) gives the type's maximum in ai-edge-litert 2.3.0
(measured: not the x86 cast's INT32_MIN), so the int8 table saturates.
The transforms are the host C library's expf/logf, as LiteRT calls them (`tables._libm`).
No run-time rounding: independent of `--rounding`.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq
from tqc.dialects.element import storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activations import table_op
from tqc.semantics import tables


@lowers(tq.ExpOp, tq.LogOp)
def lower_exp_log(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, (tq.ExpOp, tq.LogOp))
    qi, qo = qtype(op.input), qtype(op.output)
    element = storage_name(qi)
    if element not in ("i8", "i16") or storage_name(qo) != element:
        raise b.error(f"{element} → {storage_name(qo)} is not supported (LiteRT runs int8 and "
                      "int16)")
    if qi.per_axis or qo.per_axis:
        raise b.error("per-axis quantization is not supported")
    log = isinstance(op, tq.LogOp)
    if element == "i16" and (qi.zero_point, qo.zero_point) != (0, 0):
        raise b.error(f"int16 needs zero points 0 (LiteRT refuses others), not {qi.zero_point} "
                      f"-> {qo.zero_point}")
    build = tables.log_table if log else tables.exp_table
    return [table_op(b, op, build(element, qi.scale, qi.zero_point, qo.scale, qo.zero_point))]
