"""ADD, SUB, MUL, MAXIMUM, MINIMUM (NumPy broadcasting) → fixed-point element-wise ops.

ADD / SUB (TFLM `reference_integer_ops::Add`, `reference_ops::Sub`; LiteRT uint8 alike):
    left_shift = 20 (15 for int16); twice_max = 2·max(S1, S2)            (double)
    m1 = QM(S1 / twice_max), m2 = QM(S2 / twice_max), mo = QM(twice_max / (2^left_shift · So))
    s_i = RoundingDivideByPOT(SRDHM((x_i − zp_i) · 2^left_shift, m_i), −shift_i)
    out = clamp(RoundingDivideByPOT(SRDHM(s1 ± s2, mo), −shift_o) + zp_o)
MUL (`reference_integer_ops::Mul`):
    out = clamp(MultiplyByQuantizedMultiplier((x1 − zp1)·(x2 − zp2), QM(S1·S2/So)) + zp_o)
    with S1·S2/So in double.
`--reference xnnpack` (8-bit): ADD, SUB and MUL as XNNPACK computes them (`xnnpack.py`: ADD in
integers with 21-bit multipliers and one floor shift, SUB as ADD with the second multiplier
negated, MUL with the float32 requantize); out-of-range scales keep the reference arithmetic.
MAXIMUM / MINIMUM compare the stored integers and copy the larger/smaller; the reference kernels
never rescale, even when the quantization of inputs and output differs, and neither do we.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, shape
from tqc.dialects.element import storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activation import clamp_bounds, clamp_result
from tqc.passes.lowering.xnnpack import (
    MAX_SCALE,
    add_parameters,
    lower_add,
    requantize_f32,
    uses_xnnpack,
)
from tqc.semantics.quant_math import quantize_multiplier, xnnpack_scale


def _out_shape(op: tq.BinaryOp) -> list[int]:
    return list(shape(op.output))


def rescaled_input(b: Builder, x: SSAValue, zero_point: int, left_shift: int, m: int,
                   s: int) -> SSAValue:
    """MultiplyByQuantizedMultiplierSmallerThanOneExp((x − zp) · 2^left_shift, m, s) in int32:
    how ADD-like kernels (ADD/SUB, SQUARED_DIFFERENCE, ADD_N, comparisons) bring an input to
    their shared scale."""
    v = b.add_const(b.widen(x), [-zero_point])
    if left_shift:
        v = b.value(tqi.ShiftLeftOp, [v], v.type, amount=int_array([left_shift]))
    return b.scale(v, [m], [s], b.single_rounding)


@lowers(tq.AddOp, tq.SubOp)
def lower_add_sub(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.BinaryOp)
    q1, q2, qo = qtype(op.lhs), qtype(op.rhs), qtype(op.output)
    xnnpack = uses_xnnpack(b, storage_name(qo))
    params = add_parameters(q1.scale, q2.scale, qo.scale) if xnnpack else None
    if xnnpack and params is not None:
        if isinstance(op, tq.SubOp):  # XNNPACK subtracts as an ADD with S2 negated
            params = (params[0], -params[1], params[2])
        return [lower_add(b, b.operands[0], b.operands[1], (q1.zero_point, q2.zero_point),
                          params, _out_shape(op), qo.zero_point, clamp_bounds(op, op.output),
                          storage_name(qo))]
    left_shift = 15 if storage_name(qo) == "i16" else 20
    twice_max = 2 * max(q1.scale, q2.scale)
    m1 = quantize_multiplier(q1.scale / twice_max)
    m2 = quantize_multiplier(q2.scale / twice_max)
    mo = quantize_multiplier(twice_max / ((1 << left_shift) * qo.scale))
    scaled = [rescaled_input(b, x, q.zero_point, left_shift, m, s)
              for x, q, (m, s) in ((b.operands[0], q1, m1), (b.operands[1], q2, m2))]
    cls = tqi.AddOp if isinstance(op, tq.AddOp) else tqi.SubOp
    total = b.value(cls, scaled, b.tensor("i32", _out_shape(op)))
    out = b.requantize(total, [mo[0]], [mo[1]], qo.zero_point, clamp_bounds(op, op.output),
                       storage_name(qo))
    return [out]


@lowers(tq.MulOp)
def lower_mul(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.BinaryOp)
    q1, q2, qo = qtype(op.lhs), qtype(op.rhs), qtype(op.output)
    if storage_name(q1) == "i16" and (q1.zero_point, q2.zero_point, qo.zero_point) != (0, 0, 0):
        raise b.error("int16 MUL needs zero points 0 (the reference refuses others), not "
                      f"{q1.zero_point}, {q2.zero_point} -> {qo.zero_point} "
                      f"(tensor '{op.output.name_hint}')")
    m, s = quantize_multiplier(q1.scale * q2.scale / qo.scale, b.single_rounding)
    x1 = b.add_const(b.widen(b.operands[0]), [-q1.zero_point])
    x2 = b.add_const(b.widen(b.operands[1]), [-q2.zero_point])
    product = b.value(tqi.MulOp, [x1, x2], b.tensor("i32", _out_shape(op)))
    scale = xnnpack_scale(q1.scale, q2.scale, qo.scale)
    if uses_xnnpack(b, storage_name(qo)) and 2.0**-16 <= scale < MAX_SCALE:
        return [requantize_f32(b, product, [scale], qo.zero_point, clamp_bounds(op, op.output),
                               storage_name(qo))]
    out = b.requantize(product, [m], [s], qo.zero_point, clamp_bounds(op, op.output),
                       storage_name(qo))
    return [out]


@lowers(tq.MaximumOp, tq.MinimumOp)
def lower_min_max(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.BinaryOp)
    q1, q2, qo = qtype(op.lhs), qtype(op.rhs), qtype(op.output)
    if not storage_name(q1) == storage_name(q2) == storage_name(qo):
        raise b.error("MAXIMUM/MINIMUM need one storage type for inputs and output")
    cls = tqi.MaxOp if isinstance(op, tq.MaximumOp) else tqi.MinOp
    out = b.value(cls, b.operands[:2], b.tensor(storage_name(qo), _out_shape(op)))
    return [clamp_result(b, out, op)]
