"""lower-requantize: every `tq` op → `tqi` integer ops, requantization spelled out.

Rules live in `passes/lowering/` (one module per op family). Options:
`rounding=double` (the reference, default) or `rounding=single` (one rounding step, as XNNPACK
and TFLITE_SINGLE_ROUNDING builds do; opt-in, not bit-exact with the reference).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import FunctionType, IntegerAttr, ModuleOp, StringAttr, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from tqc.dialects import tq
from tqc.errors import TqcError
from tqc.dialects.quant_type import QuantType
from tqc.dialects.traits import AcceptsInt16
from tqc.passes.lowering import RULES, Builder, load_rules, plain, storage_name


def _layer_title(op: Operation, notes: list[str]) -> str:
    """'CONV_2D #3 -> name: notes' for the first op of a lowered layer, ' | '-separated (a discardable
    attribute that printers turn into a comment)."""
    index = op.properties.get("tfl_index")
    title = op.name.removeprefix("tq.").upper()
    if isinstance(index, IntegerAttr):
        title += f" #{index.value.data}"
    if op.results and op.results[0].name_hint:
        title += f" -> {op.results[0].name_hint}"
    return " | ".join([title, *notes])


def _check_supported_types(b: Builder, op: Operation) -> None:
    """Refuse int16 activations (16x8 models) on ops without the AcceptsInt16 trait, naming the
    tensor."""
    if op.has_trait(AcceptsInt16):
        return
    for v in [*op.operands, *op.results]:
        t = v.type
        if isinstance(t, TensorType) and isinstance(t.element_type, QuantType):
            if storage_name(t.element_type) == "i16":
                raise b.error(f"int16 activations are not supported by this op yet "
                              f"(tensor '{v.name_hint}')")


def lower_function(fn: func.FuncOp, single_rounding: bool) -> None:
    block = fn.body.block
    mapping: dict[SSAValue, SSAValue] = {}
    old_ops: list[Operation] = []
    for op in list(block.ops):
        operands = [mapping.get(o, o) for o in op.operands]
        if isinstance(op, func.ReturnOp):
            for i, v in enumerate(operands):
                op.operands[i] = v
            continue
        rule = RULES.get(type(op))
        b = Builder(op, operands, single_rounding)
        if rule is None:
            raise b.error(f"no lowering for {op.name}")
        _check_supported_types(b, op)
        new_values = rule(b, op)
        if b.ops and not isinstance(op, tq.ConstOp):
            b.ops[0].attributes["tqc.layer"] = StringAttr(_layer_title(op, b.notes))
        Rewriter.insert_op(b.ops, InsertPoint.before(op))
        for old, new in zip(op.results, new_values, strict=True):
            if old.name_hint:
                new.name_hint = old.name_hint
            mapping[old] = new
        old_ops.append(op)
    for op in reversed(old_ops):
        op.detach()
        op.erase()
    for arg in list(block.args):
        Rewriter.replace_value_with_new_type(arg, plain(arg.type))
    for new_op in block.ops:
        for r in new_op.results:
            if isinstance(r.type, TensorType) and isinstance(r.type.element_type, QuantType):
                raise TqcError(f"lower-requantize left a quantized type on {new_op.name}")
    ret = block.last_op
    assert isinstance(ret, func.ReturnOp)
    fn.function_type = FunctionType.from_lists(
        [a.type for a in block.args], [v.type for v in ret.operands]
    )


@dataclass(frozen=True)
class LowerRequantizePass(ModulePass):
    name = "lower-requantize"

    rounding: str = "double"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.rounding not in ("double", "single"):
            raise TqcError(f"lower-requantize: rounding must be double or single, not {self.rounding}")
        load_rules()
        for fn in op.ops:
            if isinstance(fn, func.FuncOp):
                lower_function(fn, self.rounding == "single")
