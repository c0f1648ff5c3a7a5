"""SQUARED_DIFFERENCE (int8, int16) and ADD_N (int8) → fixed-point element-wise ops, ADD's
input rescaling.

SQUARED_DIFFERENCE (TFLM micro/kernels/squared_difference.cc, `PrepareQuantized` and
`SquaredDifference<T>(x, y, params)`; NumPy broadcasting):
    left_shift = 7 (int8), 0 (int16: all zero points 0, TFLM's Prepare)
    twice_max = 2·max(S1, S2)                                               (double)
    m_i = QM(S_i / twice_max)  (≤ 0.5: shift ≤ 0),  mo = QM(twice_max² / double(f32(2^(2·ls)·So)))
    s_i = RDBPOT(SRDHM((x_i − zp_i) · 2^ls, m_i), −shift_i)   (MBQMSmallerThanOneExp)
    d = s1 − s2;  out = clamp(MultiplyByQuantizedMultiplier(d · d, mo) + zp_o, type range)
ADD_N (TFLM micro/kernels/add_n.cc, `reference_ops::AddN` int8; all inputs one shape and one
quantization, TFLM checks it):
    left_shift = 20;  m_in = QM(S_in / (2·S_in)) = QM(0.5),  mo = QM(2·S_in / (2^20·S_out))
    acc = s(−zp_in) + Σ_j s(x_j − zp_in),  s(v) = RDBPOT(SRDHM(v · 2^20, m_in), −shift_in)
      (the kernel starts the sum at the scaled input offset, not at 0: reproduced)
    out = clamp(RDBPOT(SRDHM(acc, mo), −shift_o) + zp_out, int8 range)
    mo must be < 1 (MultiplyByQuantizedMultiplierSmallerThanOneExp; a larger one shifts by a
    negative amount in C): refused.
`--rounding single` uses single rounding for every fixed-point multiply, as for ADD.
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import shape
from tqc.dialects.element import kind, storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activation import clamp_bounds
from tqc.passes.lowering.elementwise import rescaled_input
from tqc.semantics.fixedpoint import mul_shift_round, multiply_by_quantized_multiplier
from tqc.semantics.quant_math import quantize_multiplier


@lowers(tq.SquaredDifferenceOp)
def lower_squared_difference(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.SquaredDifferenceOp)
    q1, q2, qo = qtype(op.lhs), qtype(op.rhs), qtype(op.output)
    element = storage_name(qo)
    if not storage_name(q1) == storage_name(q2) == element or element not in ("i8", "i16"):
        raise b.error(f"{storage_name(q1)}, {storage_name(q2)} → {element} is not supported "
                      "(TFLM runs int8 and int16)")
    if element == "i16" and (q1.zero_point, q2.zero_point, qo.zero_point) != (0, 0, 0):
        raise b.error("int16 needs zero points 0 (TFLM refuses others)")
    left_shift = 7 if element == "i8" else 0
    twice_max = 2 * max(q1.scale, q2.scale)
    m1, m2 = quantize_multiplier(q1.scale / twice_max), quantize_multiplier(q2.scale / twice_max)
    real_out = twice_max * twice_max / float(np.float32((1 << 2 * left_shift) * np.float32(qo.scale)))
    mo = b.multiplier(real_out, "twice_max²/(2^(2·left_shift)·S_out)")
    s1 = rescaled_input(b, b.operands[0], q1.zero_point, left_shift, *m1)
    s2 = rescaled_input(b, b.operands[1], q2.zero_point, left_shift, *m2)
    out_shape = shape(op.output)
    diff = b.value(tqi.SubOp, [s1, s2], b.tensor("i32", out_shape))
    square = b.value(tqi.MulOp, [diff, diff], b.tensor("i32", out_shape))
    return [b.requantize(square, [mo[0]], [mo[1]], qo.zero_point, clamp_bounds(op, op.output),
                         element)]  # a fused RELU's clamp (fuse-activation) or the type range


@lowers(tq.AddNOp)
def lower_add_n(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.AddNOp)
    qs, qo = [qtype(v) for v in op.inputs], qtype(op.output)
    if any(storage_name(q) != "i8" for q in [*qs, qo]):
        raise b.error("supported for int8 only (TFLM runs int8)")
    if len({(q.scale, q.zero_point) for q in qs}) != 1:
        raise b.error("needs one quantization for every input (TFLM refuses others)")
    q, left_shift = qs[0], 20
    m_in, s_in = quantize_multiplier(q.scale / (2 * q.scale))
    m_out, s_out = quantize_multiplier(2 * q.scale / ((1 << left_shift) * qo.scale))
    if s_out > 0:
        raise b.error(f"output scale {qo.scale!r} is too small for the input scale {q.scale!r}: "
                      "the kernel's multiplier must be below 1")
    scale = mul_shift_round if b.single_rounding else multiply_by_quantized_multiplier
    start = int(scale(np.array(-q.zero_point << left_shift), m_in, s_in))
    total = None
    for x in b.operands:
        term = rescaled_input(b, x, q.zero_point, left_shift, m_in, s_in)
        total = term if total is None else b.value(tqi.AddOp, [total, term], term.type)
    assert total is not None
    total = b.add_const(total, [start])
    return [b.requantize(total, [m_out], [s_out], qo.zero_point, clamp_bounds(op, op.output), "i8")]
