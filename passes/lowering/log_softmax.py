"""LOG_SOFTMAX (int8, uint8; last axis) → `tqi.log_softmax`.

Reference: TFLM micro/kernels/log_softmax.cc + `reference_ops::LogSoftmaxQuantized` (int8) and
LiteRT activations.cc `LogSoftmaxPrepare<kReference>` + `reference_ops::LogSoftmax` (uint8); the
two Eval loops are the same arithmetic (`tqc.semantics.log_softmax`).
Prepare (PreprocessLogSoftmaxScalingExp with beta = 1, in double):
    real = min(double(S_in) · 2^26, 2^31 − 1)
    (m, left_shift) = QuantizeMultiplierGreaterThanOne(real)          (CHECK real > 1)
    (reverse_divisor, s) = QuantizeMultiplierSmallerThanOneExp(2^(31 − left_shift) / double(m))
                                                     (CHECK 0 < value < 1 and s ≤ 0)
    reverse_right_shift = −s
    diff_min = −floor(31 · 2^26 / 2^left_shift)                       (CalculateInputRadius)
Output: both runtimes require scale == 16/256 (float32 equality) and zero point 127 (int8) or
255 (uint8); input and output types equal.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_attr
from tqc.dialects.element import kind, storage_name
from tqc.passes.lowering import Builder, lowers, plain, qtype
from tqc.passes.lowering.softmax import softmax_params
from tqc.semantics.quant_math import f32, quantize_multiplier


def reverse_scaling(multiplier: int, left_shift: int) -> tuple[int, int] | None:
    """(reverse_scaling_divisor, reverse_scaling_right_shift), or None where the reference's
    QuantizeMultiplierSmallerThanOneExp CHECKs fail (the value is not below 1)."""
    real = (1 << (31 - left_shift)) / float(multiplier)
    if not 0.0 < real < 1.0:
        return None
    divisor, shift = quantize_multiplier(real)
    return (divisor, -shift) if shift <= 0 else None


@lowers(tq.LogSoftmaxOp)
def lower_log_softmax(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.LogSoftmaxOp)
    qi, qo = qtype(op.input), qtype(op.output)
    element = storage_name(qi)
    if element not in ("i8", "ui8") or storage_name(qo) != element:
        raise b.error(f"{element} → {storage_name(qo)} is not supported (TFLM runs int8, "
                      "LiteRT REF uint8)")
    zero_point = kind(element).hi
    if qi.per_axis or qo.per_axis or qo.zero_point != zero_point or f32(qo.scale) != 16 / 256:
        raise b.error(f"output must have scale 16/256 and zero point {zero_point} (the "
                      f"reference kernels check it), got {qo.scale} and {qo.zero_point}")
    params = softmax_params(1.0, qi.scale)
    reverse = None if params is None else reverse_scaling(params[0], params[1])
    if params is None or reverse is None:
        raise b.error(f"input scale {qi.scale!r} is too small: S_in · 2^26 must be > 1 (the "
                      "reference kernel's QuantizeMultiplierGreaterThanOne check)")
    multiplier, left_shift, diff_min = params
    divisor, right_shift = reverse
    b.note(f"S_in={qi.scale:.6g}: S_in*2^26 ~ {multiplier}*2^({left_shift}-31) (Q5.26 "
           f"differences); reverse {divisor}*2^(-{right_shift}-31); diff_min={diff_min}; "
           f"output {element} zero point {zero_point}, scale 16/256")
    out = b.value(tqi.LogSoftmaxOp, [b.operands[0]], plain(op.output.type),
                  input_multiplier=int_attr(multiplier), input_left_shift=int_attr(left_shift),
                  reverse_scaling_divisor=int_attr(divisor),
                  reverse_scaling_right_shift=int_attr(right_shift), diff_min=int_attr(diff_min))
    return [out]
