"""Data movement: RESHAPE, TRANSPOSE, STRIDED_SLICE, PAD, CONCATENATION, PACK, SPLIT.

These move stored integers without arithmetic, so quantization must carry through unchanged
(CONCATENATION with differing input quantization is refused).
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.passes.lowering import Builder, int_attr, lowers, plain, qtype, storage_name
from tqc.passes.lowering.activation import clamp_bounds
from tqc.dialects.quant_type import QuantType


def _same_quant(a: QuantType, c: QuantType) -> bool:
    return (a.scale, a.zero_point, storage_name(a)) == (c.scale, c.zero_point, storage_name(c))


@lowers(tq.ReshapeOp, tq.TransposeOp, tq.SliceOp, tq.PadOp)
def lower_movement(b: Builder, op: Operation) -> list[SSAValue]:
    cls = {tq.ReshapeOp: tqi.ReshapeOp, tq.TransposeOp: tqi.TransposeOp,
           tq.SliceOp: tqi.SliceOp, tq.PadOp: tqi.PadOp}[type(op)]
    props = {k: v for k, v in op.properties.items() if k != "tfl_index"}
    return [b.value(cls, [b.operands[0]], plain(op.results[0].type), **props)]


@lowers(tq.ConcatenationOp)
def lower_concat(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.ConcatenationOp)
    out_q = qtype(op.output)
    for v in op.inputs:
        if not _same_quant(qtype(v), out_q):
            raise b.error("CONCATENATION inputs with quantization different from the output "
                          "are not supported yet")
    out = b.value(tqi.ConcatOp, [b.operands], plain(op.output.type), axis=op.axis)
    lo, hi = clamp_bounds(op, op.output)
    lo_t, hi_t = {"i8": (-128, 127), "ui8": (0, 255), "i16": (-32768, 32767)}[storage_name(out_q)]
    if (lo, hi) != (lo_t, hi_t):
        out = b.value(tqi.ClampOp, [out], out.type, min=int_attr(lo), max=int_attr(hi))
    return [out]


@lowers(tq.PackOp)
def lower_pack(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.PackOp)
    return [b.value(tqi.PackOp, [b.operands], plain(op.output.type), axis=op.axis)]


@lowers(tq.SplitOp)
def lower_split(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.SplitOp)
    types = [plain(r.type) for r in op.outputs]
    new = b.emit(tqi.SplitOp, [b.operands[0]], [types], axis=op.axis)
    return list(new.results)
