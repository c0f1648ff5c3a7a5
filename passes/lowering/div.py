"""DIV (int8, NumPy broadcasting) → a 65536-entry table indexed by both inputs.

Reference: TFLM micro/kernels/div.cc (`CalculateOpDataDiv`, `EvalQuantized`) and
`reference_ops::DivElementwise` / `BroadcastDivSlowQuantized`; int8 only (TFLM refuses uint8
and quantized int16; LiteRT's REF kernel is not the reference for int8).
Prepare: (m, shift) = QuantizeMultiplier(S1 / (S2 · S_out)), the quotient in double from the
float32 scales (measured: the float32 quotient the source shows gives other ties, 717 of 65536
pairs differ at S1 = 3, S2 = 0.02, S_out = 200); clamp bounds from the fused activation.
Eval per element: `tqc.semantics.divide` (reciprocal of the divisor by Newton-Raphson, the
dividend shifted by its headroom, two SaturatingRoundingDoublingHighMul, one
RoundingDivideByPOT whose exponent may exceed 31 and then behaves as x86 makes it).

The output depends only on the pair of stored int8 inputs, so the rule tabulates it at compile
time: index = (x1 + 128) · 256 + (x2 + 128), taken as int16 (index − 32768 = 256 · x1 + x2 + 128),
looked up in a `tqi.table` of 65536 int8 entries. Every backend that prints `tqi.cast`,
`tqi.shift_left`, `tqi.add` (broadcasting), `tqi.add_const` and `tqi.table` runs it.

int16 (LiteRT REF, tflite/kernels/div.cc with `reference_ops::DivElementwise` /
`BroadcastDivSlowQuantized<int16_t>`, ai-edge-litert 2.3.0; TFLM refuses int16): the same
per-element arithmetic with two differences, both measured on 131072 random pairs:
  - the multiplier: `real = S1 / (S2 · S_out)` is evaluated in float32 (the C source's float
    operands; only then widened to double for QuantizeMultiplier). The double quotient gives
    other results (10 of 131072 pairs differ at S1 = 1e-4, S2 = 3e-4, S_out = 1e-4; 4 at
    S1 = 3, S2 = 0.02, S_out = 200);
  - a divisor at its zero point anywhere in the tensor fails the whole inference (CheckNonZero):
    `tqi.nonzero_check` on x2 − zp2 (a run-time error: NumPy raises, C returns 1; a constant
    divisor is checked here).
Zero points and scales are free (no equality needed); any int16 zero point. 65536² pairs do not
tabulate, so it lowers to `tqi.divide` on (x1 − zp1, x2 − zp2), then + zp_out, clamp (int16 range
∩ fused activation), cast. (LiteRT's source after 2.3.0 divides non-broadcast int16 in float32
instead, `EvalDiv16AffineFloat`; 2.3.0 does not: the integer arithmetic matches every pair,
the float one differs on 1-145 of 20000.)
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import dense_attr, int_array, int_attr, shape
from tqc.dialects.element import kind, storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activation import clamp_bounds
from tqc.semantics.divide import divide_table
from tqc.semantics.quant_math import f32


@lowers(tq.DivOp)
def lower_div(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.DivOp)
    q1, q2, qo = qtype(op.lhs), qtype(op.rhs), qtype(op.output)
    elements = {storage_name(q1), storage_name(q2), storage_name(qo)}
    if elements not in ({"i8"}, {"i16"}):
        raise b.error(f"{storage_name(q1)} / {storage_name(q2)} → {storage_name(qo)} is not "
                      "supported (TFLM divides int8 only, LiteRT REF int16)")
    if q1.per_axis or q2.per_axis or qo.per_axis:
        raise b.error("per-axis quantization is not supported")
    if elements == {"i16"}:
        return [_lower_div_int16(b, op)]
    real = f32(q1.scale) / (f32(q2.scale) * f32(qo.scale))
    multiplier, shift = b.multiplier(real, "S1/(S2·S_out)")
    lo, hi = kind("i8").range
    clamp = clamp_bounds(op, op.output)
    table = divide_table(lo, hi, q1.zero_point, q2.zero_point, qo.zero_point, multiplier, shift,
                         clamp)
    b.note(f"S1={q1.scale:.6g} S2={q2.scale:.6g} S_out={qo.scale:.6g}: S1/(S2*S_out) ~ "
           f"{multiplier}*2^({shift}-31); the quotient of every int8 pair tabulated "
           "(index 256*x1 + x2 + 128 as int16)")
    out_shape = shape(op.output)
    high = b.value(tqi.ShiftLeftOp, [b.widen(b.operands[0])], b.tensor("i32", shape(op.lhs)),
                   amount=int_array([8]))
    index = b.value(tqi.AddOp, [high, b.widen(b.operands[1])], b.tensor("i32", out_shape))
    index = b.add_const(index, [(-lo) * (hi - lo + 1) - lo - 32768])
    looked = b.value(tqi.TableOp, [b.cast(index, "i16")], b.tensor("i8", out_shape),
                     table=dense_attr(np.asarray(table, dtype=np.int8), "i8"))
    return [looked]


def _lower_div_int16(b: Builder, op: tq.DivOp) -> SSAValue:
    """LiteRT REF's int16 DIV (module docstring): tqi.divide on the offset inputs."""
    q1, q2, qo = qtype(op.lhs), qtype(op.rhs), qtype(op.output)
    real = float(np.float32(q1.scale) / (np.float32(q2.scale) * np.float32(qo.scale)))
    multiplier, shift = b.multiplier(real, "S1/(S2·S_out) in float32")
    divisor = b.constant(op.rhs)
    if divisor is not None and np.any(divisor.astype(np.int64) == q2.zero_point):
        raise b.error(f"the constant divisor '{op.rhs.name_hint}' holds its zero point "
                      f"{q2.zero_point} (the reference fails: division by 0)")
    b.note(f"S1={q1.scale:.6g} S2={q2.scale:.6g} S_out={qo.scale:.6g}: float32 S1/(S2*S_out) ~ "
           f"{multiplier}*2^({shift}-31); per element: reciprocal of x2-zp2, x1-zp1 at its "
           "headroom, two SRDHM, RoundingDivideByPOT")
    v1 = b.add_const(b.widen(b.operands[0]), [-q1.zero_point])
    v2 = b.add_const(b.widen(b.operands[1]), [-q2.zero_point])
    if divisor is None:
        v2 = b.value(tqi.NonzeroCheckOp, [v2], v2.type)
    out_shape = shape(op.output)
    q = b.value(tqi.DivideOp, [v1, v2], b.tensor("i32", out_shape),
                output_multiplier=int_attr(multiplier), output_shift=int_attr(shift))
    lo, hi = clamp_bounds(op, op.output)
    y = b.value(tqi.ClampOp, [b.add_const(q, [qo.zero_point])], q.type, min=int_attr(lo),
                max=int_attr(hi))
    return b.cast(y, "i16")
