"""L2_NORMALIZATION (int8, uint8; last axis) → `tqi.l2_norm`.

Reference: TFLM micro/kernels/l2norm.cc + `reference_integer_ops::L2Normalization` (int8) and
LiteRT l2norm.cc `Eval<kReference>` + `reference_ops::L2Normalization` (uint8); the arithmetic,
and where the two differ, is in `tqc.semantics.l2_norm`. No epsilon in the quantized kernels
(a zero row gives multiplier INT32_MAX, shift 0). Neither reads the input scale.
Prepare: rank ≤ 4, fused activation NONE (the importer checks it), input and output types
equal. LiteRT checks the output scale 1/128 and zero point 0 (int8) / 128 (uint8); TFLM
checks nothing, but its kernel writes that encoding: tqc requires it for both rather than
mislabel the output.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_attr, shape
from tqc.dialects.element import storage_name
from tqc.passes.lowering import Builder, lowers, plain, qtype
from tqc.semantics.quant_math import f32

OUTPUT_ZERO_POINT = {"i8": 0, "ui8": 128}


@lowers(tq.L2NormalizationOp)
def lower_l2_norm(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.L2NormalizationOp)
    qi, qo = qtype(op.input), qtype(op.output)
    element = storage_name(qi)
    if element not in OUTPUT_ZERO_POINT or storage_name(qo) != element:
        raise b.error(f"{element} → {storage_name(qo)} is not supported (TFLM runs int8, "
                      "LiteRT REF uint8)")
    if len(shape(op.input)) > 4:
        raise b.error(f"rank {len(shape(op.input))} is not supported (the reference kernels "
                      "take at most 4 dimensions)")
    zero_point = OUTPUT_ZERO_POINT[element]
    if qi.per_axis or qo.per_axis or qo.zero_point != zero_point or f32(qo.scale) != 1 / 128:
        raise b.error(f"output must have scale 1/128 and zero point {zero_point} (what the "
                      f"reference kernel writes), got {qo.scale} and {qo.zero_point}")
    b.note(f"input zero point {qi.zero_point}; 1/sqrt(sum of squares) per row by "
           f"GetInvSqrtQuantizedMultiplierExp; output {element} scale 1/128, zero point {zero_point}")
    out = b.value(tqi.L2NormOp, [b.operands[0]], plain(op.output.type),
                  input_zero_point=int_attr(qi.zero_point))
    return [out]
