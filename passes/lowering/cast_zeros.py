"""CAST and ZEROS_LIKE: no arithmetic, only stored integers.

CAST (TFLM micro/kernels/cast.cc `copyCast`; LiteRT REF alike for uint8): static_cast<To>(x) of
the stored value, whatever the quantization says: `tqi.cast` (narrowing wraps, as the C cast
does on every target tqc runs on).
ZEROS_LIKE (TFLM micro/kernels/zeros_like.cc `resetZeros`, int8): stored zeros, not the zero
point: a constant.
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq
from tqc.dialects.accessors import shape
from tqc.dialects.element import element
from tqc.passes.lowering import Builder, lowers


@lowers(tq.CastOp)
def lower_cast(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.CastOp)
    target = element(op.output)
    if element(b.operands[0]) == target:
        return [b.operands[0]]
    return [b.cast(b.operands[0], target)]


@lowers(tq.ZerosLikeOp)
def lower_zeros_like(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.ZerosLikeOp)
    return [b.const(np.zeros(shape(op.output), np.int64), element(op.output))]
