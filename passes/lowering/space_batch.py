"""SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND outside a dilated convolution: refused (the
fold-dilated-conv pass folds the SPACE_TO_BATCH_ND → conv → BATCH_TO_SPACE_ND pattern into one
dilated conv before lowering; whatever is left has no lowering)."""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq
from tqc.passes.lowering import Builder, lowers


@lowers(tq.SpaceToBatchNdOp, tq.BatchToSpaceNdOp)
def refuse_space_batch(b: Builder, op: Operation) -> list[SSAValue]:
    raise b.error("supported only inside a dilated convolution (SPACE_TO_BATCH_ND -> CONV_2D or "
                  "DEPTHWISE_CONV_2D -> BATCH_TO_SPACE_ND), which fold-dilated-conv folds")
