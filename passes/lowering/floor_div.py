"""FLOOR_DIV and FLOOR_MOD (int8, int16) → tqi.nonzero_check + tqi.floor_div / tqi.floor_mod in int32
+ a wrapping cast.

Reference: LiteRT BUILTIN_REF `tflite/kernels/floor_div.cc`, `floor_mod.cc` (TFLM has float32
only). Both work on the STORED integers: no scale, no zero point is read (the output's neither).
Eval first scans the whole divisor tensor and returns an error ("Division by 0") if any element
is 0; then, element-wise with broadcasting:

    FloorDiv<T>(a, b) = static_cast<T>(std::floor(double(a) / double(b)))       T = int8, int16
    FloorMod<T>(a, b) = r = a % b (int promotion); r != 0 && (b < 0) != (r < 0) ? r + b : r

floor(double(a)/double(b)) is the exact floor of a/b for |a|, |b| ≤ 2^15 (a non-integer
quotient lies at least 1/|b| from an integer, far beyond the double's rounding). The one
quotient outside the type, MIN / −1 = −MIN, converts through int32 and wraps to MIN
(measured: −32768 / −1 = −32768, −128 / −1 = −128; tests/test_floor_div_mod.py); FloorMod gives
0 there (int arithmetic). That conversion is undefined behaviour in C++, and the PyPI wheel
(x86-64) does not wrap everywhere: with same-shape operands the loop is vectorized by 8 and its
lanes saturate to MAX (127, 32767), only the scalar tail (the last n mod 8 elements) and the
broadcasting kernel wrap (measured: 20 elements of −32768 / −1 give 16 × 32767, then 4 ×
−32768; tests/test_verilog_floor_div.py). tqc wraps everywhere (the tests put MIN / −1 where the
reference wraps). TFLM has no integer kernel (the reference is LiteRT REF for both).
So: widen to int32, exact floor division / modulo, cast back with wrap-around.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import shape
from tqc.dialects.element import storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activation import clamp_result


@lowers(tq.FloorDivOp, tq.FloorModOp)
def lower_floor_div_mod(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.BinaryOp)
    kinds = {storage_name(qtype(v)) for v in (op.lhs, op.rhs, op.output)}
    if kinds not in ({"i8"}, {"i16"}):
        raise b.error(f"supported for int8 and int16 only (LiteRT REF on stored values), not "
                      f"{' x '.join(sorted(kinds))}")
    (element,) = kinds
    divisor = b.constant(op.rhs)
    if divisor is not None and not divisor.all():
        raise b.error(f"the constant divisor '{op.rhs.name_hint}' holds 0 (the reference "
                      f"fails: Division by 0)")
    rhs = b.operands[1]
    if divisor is None:
        rhs = b.value(tqi.NonzeroCheckOp, [rhs], rhs.type)
    a = b.cast(b.operands[0], "i32")
    d = b.cast(rhs, "i32")
    cls = tqi.FloorDivOp if isinstance(op, tq.FloorDivOp) else tqi.FloorModOp
    out = b.cast(b.value(cls, [a, d], b.tensor("i32", list(shape(op.output)))), element)
    return [clamp_result(b, out, op)]
