"""ABS (int8, int16) and ELU (int8) → `tqi.table`, the reference kernel run on every input value.

ABS (TFLM `AbsEvalQuantized`, micro/kernels/elementwise.cc; `tables.abs_table`):
    v = |x − zp_in|;  out = clamp(v + zp_out) when S_in == S_out (float32), else
    clamp(MultiplyByQuantizedMultiplier(v, QM(double(S_in) / double(S_out))) + zp_out)
    (the wheel divides in double; see `tables.abs_table`)
    int16: zero points 0 (TFLM's Prepare refuses others), a 65536-entry table.
ELU (TFLM `PopulateLookupTable<int8_t>`, micro/kernels/elu.cc; `tables.elu_table`): the float32
    LUT: y = v < 0 ? expf(v) − 1 : v with v = f32(S_in · (x − zp_in)),
    out = clamp(int32(roundf(y · f32(1 / S_out)) + zp_out)).  int8 only (TFLM has no other).
No run-time rounding: independent of `--rounding`.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq
from tqc.dialects.element import storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activations import table_op
from tqc.semantics import tables


@lowers(tq.AbsOp, tq.EluOp)
def lower_abs_elu(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, (tq.AbsOp, tq.EluOp))
    qi, qo = qtype(op.input), qtype(op.output)
    element = storage_name(qi)
    allowed = ("i8", "i16") if isinstance(op, tq.AbsOp) else ("i8",)
    if element not in allowed or storage_name(qo) != element:
        raise b.error(f"{element} → {storage_name(qo)} is not supported (TFLM runs "
                      f"{' and '.join(allowed)})")
    if qi.per_axis or qo.per_axis:
        raise b.error("per-axis quantization is not supported")
    if element == "i16" and (qi.zero_point, qo.zero_point) != (0, 0):
        raise b.error(f"int16 needs zero points 0 (TFLM refuses others), not {qi.zero_point} -> "
                      f"{qo.zero_point}")
    build = tables.abs_table if isinstance(op, tq.AbsOp) else tables.elu_table
    return [table_op(b, op, build(element, qi.scale, qi.zero_point, qo.scale, qo.zero_point))]
