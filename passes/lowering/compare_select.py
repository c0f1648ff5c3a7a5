"""Comparisons (int8, uint8) → a bool tensor or a SELECT_V2 condition; SELECT_V2 →
`tqi.select_nonneg`.

Comparisons (TFLM micro/kernels/comparisons.cc int8 `*WithScaling`; LiteRT REF uint8 alike):
    left_shift = 8;  m_i, s_i = QuantizeMultiplierSmallerThanOneExp(double(S_i))
    c_i = RDBPOT(SRDHM((x_i − zp_i) · 2^8, m_i), −s_i)          (int32)
    out = c1 OP c2                                              (NumPy broadcasting)
tqc computes an int32 condition k with out = (k >= 0):
    LESS: c2 − c1 − 1   LESS_EQUAL: c2 − c1   GREATER: c1 − c2 − 1   GREATER_EQUAL: c1 − c2
    EQUAL: min(c1 − c2, c2 − c1)   NOT_EQUAL: max(c1 − c2, c2 − c1) − 1
(|c_i| < 2^24, no overflow). When only SELECT_V2 conditions read the comparison, k is the
lowered value; otherwise (a graph output, a CAST, ...) it is the bool `tqi.nonneg(k)` (i1: one
byte 0/1 in C, np.bool_ in NumPy). Checked on all 256 × 256 pairs of stored values
(tests/test_compare_bool.py).

An int8/uint8 input scale S_i >= 1 (measured, tflite-micro 0.dev20261023, ai-edge-litert 2.3.0
x86-64; tests/test_compare_scale.py): TFLM's Prepare aborts on int8 (TFLITE_CHECK_LT in
QuantizeMultiplierSmallerThanOneExp, signal 6; uint8 it refuses at Invoke, any scale), so the
reference is LiteRT REF for both. LiteRT's QuantizeMultiplier takes
QuantizeMultiplierGreaterThanOne for S >= 1: at S = 1.0 exactly its TFLITE_CHECK_GT(S, 1)
aborts (refused: no runtime runs it); above 1, (m_i, s_i) = QuantizeMultiplier(S_i) with
s_i >= 1 and the kernel computes RDBPOT(SRDHM((x_i − zp_i) · 2^8, m_i), −s_i), a negative
exponent (undefined in C++). The x86-64 wheel evaluates it in four ways depending on the loop
(tqc/semantics/compare_scale.py); where all four agree on every stored value the result is
    c_i = 2·[x_i >= zp_i] − 1 = clamp(2·x_i + 1 − 2·zp_i, −1, 1)      (−1 or 1)
(always for S_i < 2^16, i.e. s_i <= 16; for s_i in 17..31 and 65..95 when every stored value
keeps |SRDHM| below 2^((−s_i) & 31)), compared with the other input's c as above. Elsewhere
(e.g. 2^20, 3e9, 1e12, 1e38, or 1e5 with zp −128) the reference's output depends on the shapes
and on the element's position (measured: same-shape and broadcast layouts differ), so tqc
refuses with one line. int16 EQUAL / NOT_EQUAL (LiteRT REF, the same ComparisonWithScaling)
follow the same rule: |SRDHM| < 2^24, so every int16 input with s_i <= 8 (S_i < 256) is
supported, larger ones where the stored range allows.

int16 (LiteRT REF, tflite/kernels/comparisons.cc, ai-edge-litert 2.3.0; TFLM refuses EQUAL,
NOT_EQUAL, LESS, LESS_EQUAL and GREATER_EQUAL on int16 and its GREATER reads parameters its
Prepare leaves at zero: every output false, a known TFLM bug, tqc.reference):
    EQUAL, NOT_EQUAL (quantized int16: `ComparisonQuantized<int16_t>`): rescaled exactly as
        int8 above, c_i = RDBPOT(SRDHM((x_i − zp_i) · 2^8, m_i), −s_i) (|x_i − zp_i| · 2^8
        < 2^24: no overflow); scales need not be equal.
    LESS, LESS_EQUAL, GREATER, GREATER_EQUAL (`Comparison<int16_t>`; GREATER is LESS with
        the inputs swapped): the STORED int16 values compared raw, scales and zero points
        ignored: c_i = x_i (widened to int32).
Measured against LiteRT REF on random int16 pairs (equal and different scales and zero points):
raw order predicates and rescaled (in)equality match on every pair, the other reading does not
(tests/test_compare_int16.py).

SELECT_V2 (TFLM micro/kernels/select.cc, any element type; x and y of one type): the stored
values copied, out = cond ? x : y, broadcasting. The condition is a comparison above or a
constant bool tensor (then the int8 constant 0 for true, −1 for false) or any other bool
tensor b (then cast(b, i32) − 1).
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, shape
from tqc.dialects.element import element, kind, storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.elementwise import rescaled_input
from tqc.semantics.compare_scale import large_scale_codes
from tqc.semantics.quant_math import quantize_multiplier


def _scaled(b: Builder, x: SSAValue, scale: float, zero_point: int) -> SSAValue:
    m, s = quantize_multiplier(scale)
    if s <= 0:
        return rescaled_input(b, x, zero_point, 8, m, s)
    lo, hi = kind(element(x)).range
    if scale == 1.0:
        raise b.error("input scale 1.0 is 1 or more: TFLM and LiteRT abort "
                      "(QuantizeMultiplierGreaterThanOne wants a scale above 1)")
    codes = large_scale_codes(lo, hi, zero_point, m, s)
    if codes is None:
        raise b.error(f"input scale {scale!r} with zero point {zero_point}: LiteRT's result "
                      f"(RoundingDivideByPOT by −{s}, undefined in C++) depends on how its loop "
                      "is vectorized, not supported")
    assert np.array_equal(codes, 2 * (np.arange(lo, hi + 1) >= zero_point) - 1)
    # 2·[x >= zp] − 1 = clamp(2·x + 1 − 2·zp, −1, 1)
    doubled = b.value(tqi.ShiftLeftOp, [b.widen(x)], b.tensor("i32", shape(x)),
                      amount=int_array([1]))
    shifted = b.add_const(doubled, [1 - 2 * zero_point])
    return b.value(tqi.ClampOp, [shifted], shifted.type, min=int_attr(-1), max=int_attr(1))


@lowers(tq.EqualOp, tq.NotEqualOp, tq.LessOp, tq.LessEqualOp, tq.GreaterOp, tq.GreaterEqualOp)
def lower_compare(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.CompareOp)
    k = _condition(b, op)
    if op.output.uses and all(isinstance(u.operation, tq.SelectV2Op) and u.index == 0
                              for u in op.output.uses):
        return [k]  # only SELECT_V2 reads it: the int32 condition itself
    return [b.value(tqi.NonNegOp, [k], b.tensor("i1", shape(op.output)))]


def _condition(b: Builder, op: tq.CompareOp) -> SSAValue:
    """The int32 condition k: the comparison is true where k >= 0."""
    q1, q2 = qtype(op.lhs), qtype(op.rhs)
    if not storage_name(q1) == storage_name(q2) or storage_name(q1) not in ("i8", "ui8", "i16"):
        raise b.error(f"{storage_name(q1)}, {storage_name(q2)} inputs are not supported (int8, "
                      "uint8 and int16 only)")
    if q1.per_axis or q2.per_axis:
        raise b.error("per-axis quantization is not supported")
    predicate = op.name.removeprefix("tq.").upper()
    if storage_name(q1) == "i16" and predicate not in ("EQUAL", "NOT_EQUAL"):
        c1, c2 = b.widen(b.operands[0]), b.widen(b.operands[1])  # LiteRT: raw stored values
    else:
        c1 = _scaled(b, b.operands[0], q1.scale, q1.zero_point)
        c2 = _scaled(b, b.operands[1], q2.scale, q2.zero_point)
    out = b.tensor("i32", shape(op.output))
    if predicate in ("LESS", "LESS_EQUAL"):
        c1, c2 = c2, c1
    d = b.value(tqi.SubOp, [c1, c2], out)
    if predicate in ("LESS", "GREATER"):
        return b.add_const(d, [-1])
    if predicate in ("LESS_EQUAL", "GREATER_EQUAL"):
        return d
    negated = b.value(tqi.SubOp, [c2, c1], out)
    if predicate == "EQUAL":
        return b.value(tqi.MinOp, [d, negated], out)
    return b.add_const(b.value(tqi.MaxOp, [d, negated], out), [-1])


@lowers(tq.SelectV2Op)
def lower_select_v2(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.SelectV2Op)
    cond, x, y = b.operands
    name = element(x)
    if element(y) != name or element(op.output) != name:
        raise b.error(f"selects between {name} and {element(y)} into {element(op.output)}")
    mask = b.constant(op.cond)
    if mask is not None:
        cond = b.const(np.where(mask.astype(bool), 0, -1), "i8")
    elif element(cond) == "i1":  # a bool tensor: true → 0, false → −1
        cond = b.add_const(b.cast(cond, "i32"), [-1])
    elif element(cond) != "i32":  # a lowered comparison's int32 condition
        raise b.error(f"the condition is {element(cond)}, not a bool")
    return [b.value(tqi.SelectPositiveOp, [cond, x, y], b.tensor(name, shape(op.output)))]
