"""fold-pad: `tqi.pad` → `tqi.conv_2d` / `tqi.depthwise_conv_2d` whose pad value is the conv's
input zero point → the conv alone, with the PAD's rows and columns added to its own padding.

Why it is exact. The conv accumulates (x + input_offset)·(w + filter_offset) over its taps and
skips taps outside its input (`tqi.ConvLikeOp`: padded positions contribute nothing, as the
reference kernels skip them). A padded element is the pad value v; when v = −input_offset (the
zero point the conv reads its input with: PAD / PADV2 pad with the output zero point, which is
the conv's input zero point), it contributes (v + input_offset)·(…) = 0 exactly, like a skipped
tap. The output size is unchanged: the padded height H + a + b with pad (t, u) equals H with
pad (t + a, u + b). Only padding of the H and W axes of an NHWC input folds, and only where the
PAD feeds nothing else.

Every backend gets the same arithmetic and less work: no padded copy (the Verilog backend would
otherwise keep the padded tensor twice in a gather engine's buffer).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tqc.dialects import tqi
from tqc.dialects.accessors import int_array, int_value, ints, shape


def folded_pad(pad: tqi.PadOp, conv: tqi.ConvLikeOp) -> tuple[int, int, int, int] | None:
    """The conv's [top, bottom, left, right] with the PAD's added, or None if it does not fold."""
    if len(shape(pad.input)) != 4 or len(list(pad.output.uses)) != 1:
        return None
    if int_value(pad.pad_value) != -int_value(conv.input_offset):
        return None
    n0, n1, t, b, l, r, c0, c1 = ints(pad.paddings)
    if (n0, n1, c0, c1) != (0, 0, 0, 0):
        return None
    top, bottom, left, right = ints(conv.pad)
    return top + t, bottom + b, left + l, right + r


class FoldPad(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, conv: tqi.ConvLikeOp, rewriter: PatternRewriter, /) -> None:
        pad = conv.input.owner
        if not isinstance(pad, tqi.PadOp) or conv.input is not conv.operands[0]:
            return
        new_pad = folded_pad(pad, conv)
        if new_pad is None:
            return
        props = dict(conv.properties)
        props["pad"] = int_array(new_pad)
        attrs = dict(conv.attributes)
        layer = pad.attributes.get("tqc.layer")
        if isinstance(layer, StringAttr):  # keep the PAD's note: its layer is now the conv's
            note = attrs.get("tqc.layer")
            text = note.data if isinstance(note, StringAttr) else ""
            attrs["tqc.layer"] = StringAttr(f"{text} | {layer.data} (folded into the padding)"
                                            if text else layer.data)
        folded = type(conv).build(operands=[pad.input, conv.filter, conv.bias],
                                  result_types=[conv.output.type], properties=props,
                                  attributes=attrs)
        folded.output.name_hint = conv.output.name_hint
        rewriter.replace(conv, folded)
        rewriter.erase(pad)


@dataclass(frozen=True)
class FoldPadPass(ModulePass):
    name = "fold-pad"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        walker = PatternRewriteWalker(GreedyRewritePatternApplier([FoldPad()]),
                                      apply_recursively=False)
        walker.rewrite_module(op)
