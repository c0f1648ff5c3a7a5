"""EXP, LOG and RSQRT (int8, int16) → `tqi.table`: the reference kernel on every input value.

RSQRT int8 (TFLM, the reference; LiteRT REF with `--reference litert-ref`): the fixed-point
1/sqrt of `tables.rsqrt_table_int8`; int16 (LiteRT only): its float32 LUT of 1/sqrtf(v)
(`tables.rsqrt_table_int16`, zero points 0). Inputs below the input zero point make both
runtimes fail the invocation; tqc's table gives the output for v = 0 there.

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


@lowers(tq.ExpOp, tq.LogOp, tq.RsqrtOp)
def lower_exp_log(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, (tq.ExpOp, tq.LogOp, tq.RsqrtOp))
    qi, qo = qtype(op.input), qtype(op.output)
    element = storage_name(qi)
    if element not in ("i8", "i16") or storage_name(qo) != element:
        raise b.error(f"{element} → {storage_name(qo)} is not supported (LiteRT runs int8 and "
                      "int16)")
    if qi.per_axis or qo.per_axis:
        raise b.error("per-axis quantization is not supported")
    if element == "i16" and (qi.zero_point, qo.zero_point) != (0, 0):
        raise b.error(f"int16 needs zero points 0 (LiteRT refuses others), not {qi.zero_point} "
                      f"-> {qo.zero_point}")
    if isinstance(op, tq.RsqrtOp):
        values = (tables.rsqrt_table_int16(qi.scale, qo.scale) if element == "i16" else
                  tables.rsqrt_table_int8(qi.scale, qi.zero_point, qo.scale, qo.zero_point,
                                          litert=b.reference == "litert-ref"))
        return [table_op(b, op, values)]
    build = tables.log_table if isinstance(op, tq.LogOp) else tables.exp_table
    return [table_op(b, op, build(element, qi.scale, qi.zero_point, qo.scale, qo.zero_point))]
