"""fold-dilated-conv: SPACE_TO_BATCH_ND → CONV_2D / DEPTHWISE_CONV_2D → BATCH_TO_SPACE_ND, the
way TensorFlow's converter writes a dilated (atrous) Keras convolution, → one conv with
`dilation` = the block shape. Bit-exact; a pattern that would not be is refused by name.

Why it is exact. SPACE_TO_BATCH_ND pads x into P (pad value: the zero point; TFLM and LiteRT
REF measured equal) and splits P into block-strided sub-images; the inner stride-1 VALID conv
reads P[r + ky·d] for output row r of the re-assembled image (BATCH_TO_SPACE_ND), cropped by
`crops`. That is a dilated conv over x with top padding T = pad_top − crop_top, where a padded
value v contributes (v + input_offset)·w: 0 when v is the zero point (8-bit kernels), v·w for
the int16 kernels, which read no zero point (so int16 needs zero point 0). The folded conv
skips positions outside x, i.e. adds 0 too. But TFLM's SPACE_TO_BATCH_ND pads with
`params.output_offset`, which its Prepare never sets (uninitialized persistent memory; the
wheel's results differ from LiteRT REF's zero-point padding, measured): so where the padding is
read (SAME, kernel > 1) the input zero point must be 0, where every runtime agrees; otherwise the
pattern is refused. (TFLM has no int16 SPACE_TO_BATCH_ND; LiteRT REF pads int16 with 0.) It is a tq conv when T and the output size are
those of its padding: SAME, T = ((k − 1)·d) // 2 and out = in; VALID, T = 0 and
out = in − (k − 1)·d (both axes, TFLite's stride-1 padding arithmetic). Batch order, the
fused activation (an element-wise clamp) and the requantize commute with the moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from tqc.dialects import tq
from tqc.dialects.accessors import int_array, ints, shape
from tqc.dialects.element import storage_name
from tqc.errors import TqcError
from tqc.passes.lowering import op_error, quant_of, qtype


def _only_use(value: SSAValue) -> Operation | None:
    uses = list(value.uses)
    return uses[0].operation if len(uses) == 1 else None


def folded_padding(in_hw: Sequence[int], out_hw: Sequence[int], kernel: Sequence[int],
                   dilation: Sequence[int], top_left: Sequence[int]) -> str | None:
    """The padding ("SAME" or "VALID") of the stride-1 dilated conv that reads x from `top_left`
    and produces `out_hw`, or None if neither does."""
    span = [(k - 1) * d for k, d in zip(kernel, dilation)]
    if list(out_hw) == list(in_hw) and list(top_left) == [s // 2 for s in span]:
        return "SAME"
    if list(out_hw) == [i - s for i, s in zip(in_hw, span)] and list(top_left) == [0, 0]:
        return "VALID"
    return None


def _refusal(s2b: tq.SpaceToBatchNdOp, conv: tq.ConvLikeOp,
             b2s: tq.BatchToSpaceNdOp) -> str | None:
    """Why the pattern is not exactly one tq conv, or None."""
    if ints(b2s.block_shape) != ints(s2b.block_shape):
        return (f"block shapes differ ({list(ints(s2b.block_shape))} vs "
                f"{list(ints(b2s.block_shape))})")
    if ints(conv.stride) != (1, 1) or ints(conv.dilation) != (1, 1) or conv.padding.data != "VALID":
        return "the inner conv is not a stride-1, undilated VALID conv"
    if quant_of(s2b.input) != quant_of(s2b.output):
        return "SPACE_TO_BATCH_ND changes the quantization"
    if quant_of(conv.output) != quant_of(b2s.output):
        return "BATCH_TO_SPACE_ND changes the quantization"
    pads, crops = ints(s2b.paddings), ints(b2s.crops)
    top_left = (pads[0] - crops[0], pads[2] - crops[2])
    in_hw, out_hw = shape(s2b.input)[1:3], shape(b2s.output)[1:3]
    kernel = shape(conv.filter)[1:3]
    block = ints(s2b.block_shape)
    padding = folded_padding(in_hw, out_hw, kernel, block, top_left)
    if padding is None:
        return (f"paddings {list(pads)} and crops {list(crops)} are neither SAME nor VALID "
                f"padding of a {kernel[0]}x{kernel[1]} conv dilated by {list(block)}")
    q = qtype(s2b.input)
    reads_padding = padding == "SAME" and max(kernel) > 1
    if reads_padding and q.zero_point != 0 and storage_name(q) == "i16":
        return (f"int16 input zero point {q.zero_point} (the int16 conv kernels multiply the "
                "padding by the weights)")
    if reads_padding and q.zero_point != 0:
        return (f"input zero point {q.zero_point} with SAME padding (TFLM's SPACE_TO_BATCH_ND "
                "pads with a value it never sets, not with the zero point as LiteRT does: "
                "the references disagree)")
    return None


@dataclass
class FoldDilatedConv(RewritePattern):
    """Folds exact patterns; collects the refusals of the others (raised after the walk, so that
    the message stays one line rather than xDSL's IR dump of a pattern exception)."""

    refusals: list[TqcError] = field(default_factory=list)

    @op_type_rewrite_pattern
    def match_and_rewrite(self, b2s: tq.BatchToSpaceNdOp, rewriter: PatternRewriter, /) -> None:
        conv = b2s.input.owner
        if not isinstance(conv, (tq.Conv2DOp, tq.DepthwiseConv2DOp)):
            return
        s2b = conv.input.owner
        if not isinstance(s2b, tq.SpaceToBatchNdOp) or _only_use(conv.output) is not b2s \
                or _only_use(s2b.output) is not conv:
            return
        why = _refusal(s2b, conv, b2s)
        if why is not None:
            self.refusals.append(op_error(
                s2b, f"dilated convolution (SPACE_TO_BATCH_ND -> "
                     f"{conv.name.removeprefix('tq.').upper()} -> BATCH_TO_SPACE_ND) is not "
                     f"supported: {why}"))
            return
        pads, crops = ints(s2b.paddings), ints(b2s.crops)
        block = ints(s2b.block_shape)
        padding = folded_padding(shape(s2b.input)[1:3], shape(b2s.output)[1:3],
                                 shape(conv.filter)[1:3], block,
                                 (pads[0] - crops[0], pads[2] - crops[2]))
        assert padding is not None
        props = dict(conv.properties)
        props.update(dilation=int_array(block), padding=StringAttr(padding))
        folded = type(conv).build(operands=[s2b.input, conv.filter, conv.bias],
                                  result_types=[b2s.output.type], properties=props)
        folded.output.name_hint = b2s.output.name_hint
        rewriter.replace(b2s, folded)
        rewriter.erase(conv)
        rewriter.erase(s2b)


@dataclass(frozen=True)
class FoldDilatedConvPass(ModulePass):
    """The SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND it leaves are lowered as data movement
    (passes/lowering/space_batch.py)."""

    name = "fold-dilated-conv"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        pattern = FoldDilatedConv()
        PatternRewriteWalker(pattern, apply_recursively=False).rewrite_module(op)
        if pattern.refusals:
            raise pattern.refusals[0]
