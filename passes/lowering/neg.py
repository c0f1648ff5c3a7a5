"""NEG (int8, int16) → `tqi.table` of the stored values negated.

TFLM has no int8/int16 NEG kernel. LiteRT REF (ai-edge-litert 2.3.0, measured on every int8 and
int16 value with zero points -3 → 5, 7 → -9, -128 → 127 and scales 0.05 → 0.1) negates the
stored values and ignores the quantization: out = (T)(−x), so −(−128) wraps to −128 (int8) and
−(−32768) to −32768 (int16). That is the negation of the real values only when both zero points
are 0 and the scales are equal; tqc compiles NEG there (and reproduces the wrap) and refuses
other quantizations rather than copy a result that means nothing.
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq
from tqc.dialects.element import kind, storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activations import table_op


def neg_table(element: str) -> np.ndarray:
    """(T)(−x) for every stored value x of `element`, in order from the lowest."""
    lo, hi = kind(element).range
    x = np.arange(lo, hi + 1, dtype=np.int64)
    return np.where(x == lo, lo, -x)


@lowers(tq.NegOp)
def lower_neg(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.NegOp)
    qi, qo = qtype(op.input), qtype(op.output)
    element = storage_name(qi)
    if element not in ("i8", "i16") or storage_name(qo) != element:
        raise b.error(f"{element} → {storage_name(qo)} is not supported (int8 or int16 in and out)")
    if qi.per_axis or qo.per_axis:
        raise b.error("per-axis quantization is not supported")
    if (qi.zero_point, qo.zero_point) != (0, 0) or np.float32(qi.scale) != np.float32(qo.scale):
        raise b.error("needs zero points 0 and equal input and output scales: LiteRT REF negates "
                      "the stored values and ignores the quantization, which is the negation "
                      f"only then (here S {qi.scale:g} -> {qo.scale:g}, zero points "
                      f"{qi.zero_point} -> {qo.zero_point})")
    return [table_op(b, op, neg_table(element))]
