"""Constants, QUANTIZE and DEQUANTIZE.

QUANTIZE float → int (TFLM `reference_ops::AffineQuantize`):
    q = clamp(round_half_away(float32(x) / float32(S)) + zp)      float32 division
QUANTIZE int → int (`reference_ops::Requantize`):
    q = clamp(MultiplyByQuantizedMultiplier(x − zp_in, QM(S_in / S_out)) + zp_out)   (double)
DEQUANTIZE (`reference_ops::Dequantize`): float32(double(S) · (x − zp)).
`--reference xnnpack`: QUANTIZE float → 8-bit as XNNPACK converts, rint(float32(x · float32(1/S)))
+ zp, ties to even (`tqi.quantize_rne`); QUANTIZE int8 → int8 and uint8 → uint8 as XNNPACK converts
(`xnnpack.lower_requantize`: a 9-bit multiplier, one half-up shift by 8).
"""

from __future__ import annotations


from xdsl.dialects.builtin import FloatAttr, f64
from xdsl.dialects.builtin import f32 as f32_type
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_attr
from tqc.dialects.element import kind, storage_name
from tqc.passes.lowering import Builder, lowers, plain, qtype, quant_of
from tqc.passes.lowering.xnnpack import lower_requantize, requantize_multiplier, uses_xnnpack
from tqc.semantics.quant_math import f32, quantize_multiplier


@lowers(tq.ConstOp)
def lower_const(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.ConstOp)
    return [b.value(tqi.ConstOp, [], plain(op.output.type), value=op.value)]


@lowers(tq.QuantizeOp)
def lower_quantize(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.QuantizeOp)
    qo = qtype(op.output)
    out_type = plain(op.output.type)
    if quant_of(op.input) is None and uses_xnnpack(b, storage_name(qo)):
        inv = f32(f32(1.0) / f32(qo.scale))
        b.note(f"XNNPACK convert: out = rint(float32(x*{inv!r})) ties to even + {qo.zero_point}")
        return [b.value(tqi.QuantizeRneOp, [b.operands[0]], out_type,
                        inv_scale=FloatAttr(inv, f32_type), zero_point=int_attr(qo.zero_point))]
    if quant_of(op.input) is None:
        return [b.value(tqi.QuantizeOp, [b.operands[0]], out_type,
                        scale=FloatAttr(qo.scale, f64), zero_point=int_attr(qo.zero_point))]
    qi = qtype(op.input)
    element = storage_name(qo)
    xnn = requantize_multiplier(qi.scale, qo.scale)
    if uses_xnnpack(b, element) and storage_name(qi) == element and xnn is not None:
        return [lower_requantize(b, b.operands[0], (qi.zero_point, qo.zero_point), xnn,
                                 kind(element).range, element)]
    m, s = quantize_multiplier(qi.scale / qo.scale, b.single_rounding)
    x = b.add_const(b.widen(b.operands[0]), [-qi.zero_point])
    return [b.requantize(x, [m], [s], qo.zero_point, kind(element).range, element)]


@lowers(tq.DequantizeOp)
def lower_dequantize(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.DequantizeOp)
    qi = qtype(op.input)
    if qi.per_axis:
        raise b.error("per-axis DEQUANTIZE is not supported")
    return [b.value(tqi.DequantizeOp, [b.operands[0]], op.output.type,
                    scale=FloatAttr(qi.scale, f64), zero_point=int_attr(qi.zero_point))]



