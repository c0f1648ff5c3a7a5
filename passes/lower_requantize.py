"""lower-requantize: every `tq` op → `tqi` integer ops, requantization spelled out.

Rules live in `passes/lowering/` (one module per op family); one rewrite pattern dispatches on
their registry. Options: `rounding=double` (the reference, default) or `rounding=single` (one
rounding step, as XNNPACK and TFLITE_SINGLE_ROUNDING builds do; opt-in, not bit-exact with the
reference). `stream=true`: the ops with state (SVDF, LSTM) carry it from one invocation to the
next (`tqi.state_read` / `tqi.state_write`, passes/lowering/state.py) instead of starting every
invocation from the reset value; the reset constants they no longer read are dropped.
`reference=tflm` (default: TFLM for int8/int16, LiteRT BUILTIN_REF for legacy uint8, as the
rules' docstrings state), `litert-ref` (LiteRT BUILTIN_REF: int8 FULLY_CONNECTED rounds once,
passes/lowering/conv.py) or `xnnpack` (LiteRT's default CPU path:
the ops XNNPACK runs with its own arithmetic, `passes/lowering/xnnpack.py`; the others keep the
reference kernels' arithmetic, as LiteRT runs them with its builtin kernels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    FunctionType,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    UnrealizedConversionCastOp,
)
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern
from xdsl.rewriter import InsertPoint, Rewriter

from tqc.dialects import tq, tqi
from tqc.dialects.element import storage_name
from tqc.dialects.origin import LAYER, TFL_INDEX
from tqc.dialects.traits import AcceptsInt16
from tqc.errors import TqcError
from tqc.passes.lowering import (
    RULES,
    Builder,
    NotQuantized,
    load_rules,
    plain,
    quant_of,
)

# The runtimes whose arithmetic the lowering reproduces (`--reference`), the default first.
REFERENCES = ("tflm", "litert-ref", "xnnpack")


def _layer_title(op: Operation, notes: list[str]) -> str:
    """'CONV_2D #3 -> name: notes' for the first op of a lowered layer, ' | '-separated (a discardable
    attribute that printers turn into a comment)."""
    index = op.properties.get("tfl_index")
    title = tq.opcode(op)
    if isinstance(index, IntegerAttr):
        title += f" #{index.value.data}"
    if op.results and op.results[0].name_hint:
        title += f" -> {op.results[0].name_hint}"
    return " | ".join([title, *notes])


_TITLE = re.compile(r"(?P<opcode>\S+)(?: #(?P<index>\d+))?(?: -> (?P<name>.*))?")


def parse_layer_mark(mark: str) -> tuple[str, int | None, str | None, list[str]]:
    """The inverse of `_layer_title`: (opcode, TFLite op index, output name, notes)."""
    title, *notes = mark.split(" | ")
    m = _TITLE.fullmatch(title)
    if m is None:
        return title, None, None, notes
    index = m.group("index")
    return m.group("opcode"), int(index) if index else None, m.group("name"), notes


def _check_supported_types(b: Builder, op: Operation) -> None:
    """Refuse int16 activations (16x8 models) on ops without the AcceptsInt16 trait, naming the
    tensor."""
    if op.has_trait(AcceptsInt16):
        return
    for v in [*op.operands, *op.results]:
        q = quant_of(v)
        if q is not None and storage_name(q) == "i16":
            raise b.error(f"int16 activations are not supported by this op yet "
                          f"(tensor '{v.name_hint}')")


def _lowered(value: SSAValue) -> SSAValue:
    """The integer value behind a bridge (see LowerOp), or `value` itself."""
    owner = value.owner
    if isinstance(owner, UnrealizedConversionCastOp):
        return owner.inputs[0]
    return value


@dataclass(frozen=True)
class LowerOp(RewritePattern):
    """Replace an op of a function body by the `tqi` ops of its rule, inserted where it was.

    A rule reads the quantization of its op's operands from their `!tq.q` types, so a lowered
    result that changes type reaches the later users through a bridge
    (`builtin.unrealized_conversion_cast` back to the quantized type); the rules see the integer
    value behind it (`Builder.operands`), and `finish_function` removes the bridges.
    """

    single_rounding: bool
    stream: bool = False
    reference: str = "tflm"

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        if isinstance(op, func.ReturnOp) or not isinstance(op.parent_op(), func.FuncOp):
            return
        b = Builder(op, [_lowered(v) for v in op.operands], self.single_rounding, self.stream,
                    self.reference)
        rule = RULES.get(type(op))
        if rule is None:
            raise b.error(f"no lowering for {op.name}")
        _check_supported_types(b, op)
        try:
            new_values = rule(b, op)
        except NotQuantized as e:
            raise b.error(f"tensor '{e.value.name_hint}' of type {e.value.type} must be "
                          "quantized (an integer type with scale and zero point)") from None
        if b.ops and not isinstance(op, tq.ConstOp):
            b.ops[0].attributes[LAYER] = StringAttr(_layer_title(op, b.notes))
        index = op.properties.get("tfl_index")
        if isinstance(index, IntegerAttr):  # diagnostics of later stages name the operator
            for new_op in b.ops:
                new_op.attributes[TFL_INDEX] = index
        rewriter.insert(b.ops, InsertPoint.before(op))
        bridges: list[Operation] = []
        replacements: list[SSAValue] = []
        for old, new in zip(op.results, new_values, strict=True):
            if old.name_hint:
                new.name_hint = old.name_hint
            if new.type != old.type:
                bridges.append(UnrealizedConversionCastOp.get([new], [old.type]))
                new = bridges[-1].results[0]
            replacements.append(new)
        rewriter.replace(op, bridges, replacements)


def finish_function(fn: func.FuncOp) -> None:
    """After every op is lowered: drop the bridges, give the arguments their integer types and
    the function its new signature (not a local rewrite: the signature depends on every op)."""
    block = fn.body.block
    for bridge in [o for o in block.ops if isinstance(o, UnrealizedConversionCastOp)]:
        bridge.results[0].replace_all_uses_with(bridge.inputs[0])
        Rewriter.erase_op(bridge)
    for arg in list(block.args):
        Rewriter.replace_value_with_new_type(arg, plain(arg.type))
    for new_op in block.ops:
        for r in new_op.results:
            if quant_of(r) is not None:
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
    stream: bool = False
    reference: str = "tflm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.rounding not in ("double", "single"):
            raise TqcError(f"lower-requantize: rounding must be double or single, not {self.rounding}")
        if self.reference not in REFERENCES:
            raise TqcError(f"lower-requantize: reference must be one of {', '.join(REFERENCES)}, "
                           f"not {self.reference}")
        load_rules()
        # One sweep in block order: each op is lowered once, the tqi ops it creates are final.
        walker = PatternRewriteWalker(LowerOp(self.rounding == "single", self.stream,
                                              self.reference),
                                      apply_recursively=False)
        walker.rewrite_module(op)
        for fn in op.ops:
            if isinstance(fn, func.FuncOp):
                finish_function(fn)
                if self.stream:
                    _drop_unused_constants(fn)


def _drop_unused_constants(fn: func.FuncOp) -> None:
    """Erase the constants nothing reads (in stream mode, the reset values a state read
    replaced)."""
    for const in [o for o in fn.body.block.ops if isinstance(o, tqi.ConstOp)]:
        if not const.output.uses:
            Rewriter.erase_op(const)
