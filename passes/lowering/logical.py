"""LOGICAL_AND / LOGICAL_OR / LOGICAL_NOT on bool (i1, 0 or 1) tensors.

TFLM micro/kernels/logical.cc (reference_ops::BroadcastBinaryFunction4DSlow<bool>, NumPy
broadcasting) and LiteRT REF alike: a && b, a || b, !a. On 0/1 values: AND = min(a, b),
OR = max(a, b) (`tqi.min` / `tqi.max` on i1), NOT a = (0 − a >= 0) (`tqi.nonneg` of the
negated int32 value).
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import shape
from tqc.dialects.element import element
from tqc.passes.lowering import Builder, lowers


def _bools(b: Builder, values: list[SSAValue]) -> None:
    for v in values:
        if element(v) != "i1":
            raise b.error(f"tensor '{v.name_hint}' is {element(v)}, not bool")


@lowers(tq.LogicalAndOp, tq.LogicalOrOp)
def lower_and_or(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.LogicalOp)
    _bools(b, b.operands)
    cls = tqi.MinOp if isinstance(op, tq.LogicalAndOp) else tqi.MaxOp
    return [b.value(cls, b.operands, b.tensor("i1", shape(op.output)))]


@lowers(tq.LogicalNotOp)
def lower_not(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.LogicalNotOp)
    _bools(b, b.operands)
    x = b.cast(b.operands[0], "i32")
    zero = b.const(np.zeros([1] * len(shape(x)), np.int64), "i32")
    negated = b.value(tqi.SubOp, [zero, x], x.type)
    return [b.value(tqi.NonNegOp, [negated], b.tensor("i1", shape(op.output)))]
