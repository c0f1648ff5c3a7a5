"""fuse-activation: fused activation functions → integer clamp bounds; standalone RELU /
RELU6 / RELU_N1_TO_1 folded into their producer's clamp when that is exact.

A TFLite fused activation is an integer clamp of the op's requantized output, with bounds from
CalculateActivationRangeQuantized (lite/kernels/kernel_util.cc). A standalone RELU-family op
whose input and output quantization are equal computes the same clamp, so when its producer has
a clamp and no other user, the bounds intersect and the RELU disappears. Bit-exact.

Opt-in `requantize=true` (`-p 'fuse-activation{requantize=true}'`): a standalone RELU whose
quantization differs from its input's is fused too, when the producer requantizes an accumulator
(CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB, MUL) with no fused activation of its own:
the producer then writes the RELU's output quantization directly, clamped to the RELU's bounds.
One rounding instead of two: NOT bit-exact with the file.
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

from tqc.dialects import tq
from tqc.dialects.accessors import int_array, ints
from tqc.dialects.element import storage_name
from tqc.passes.lowering import qtype
from tqc.passes.lowering.activation import op_activation_range, relu_range
from tqc.semantics.quant_math import activation_range

REQUANTIZING = (tq.Conv2DOp, tq.DepthwiseConv2DOp, tq.FullyConnectedOp, tq.AddOp, tq.SubOp,
                tq.MulOp)


def resolve_clamp(op: tq.ActivationMixin) -> tuple[int, int]:
    """Set `clamp` from `activation` (idempotent) and return it."""
    if op.clamp is not None:
        lo, hi = ints(op.clamp)
        return lo, hi
    name = op.activation.data if op.activation is not None else "NONE"
    lo, hi = op_activation_range(op, name, qtype(op.results[0]))
    op.clamp = int_array([lo, hi])
    op.activation = StringAttr("NONE") if op.activation is not None else None
    return lo, hi


class ResolveClamp(RewritePattern):
    """A fused activation becomes the op's `clamp`; an op with a clamp is left alone."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: tq.ActivationMixin, rewriter: PatternRewriter, /) -> None:
        if op.clamp is not None:
            return
        resolve_clamp(op)
        rewriter.notify_op_modified(op)


def _replace_relu(relu: tq.ReluFamilyOp, producer: tq.ActivationMixin,
                  rewriter: PatternRewriter) -> None:
    """The producer's result takes the RELU's uses and (if it has one) its name."""
    if relu.output.name_hint:
        producer.results[0].name_hint = relu.output.name_hint
    rewriter.notify_op_modified(producer)
    rewriter.replace(relu, (), (producer.results[0],))


@dataclass(frozen=True)
class FoldRelu(RewritePattern):
    """A standalone RELU-family op folded into the clamp of its only-used producer."""

    requantize: bool = False  # also fold RELUs that requantize (opt-in, not bit-exact)

    @op_type_rewrite_pattern
    def match_and_rewrite(self, relu: tq.ReluFamilyOp, rewriter: PatternRewriter, /) -> None:
        producer = relu.input.owner
        if not isinstance(producer, tq.ActivationMixin) or len(producer.results) != 1:
            return
        if sum(1 for _ in producer.results[0].uses) != 1:
            return
        qi, qo = qtype(relu.input), qtype(relu.output)
        if (qi.scale, qi.zero_point, storage_name(qi)) != (qo.scale, qo.zero_point, storage_name(qo)):
            if self.requantize:
                self.fold_requantizing(relu, producer, rewriter)
            return
        lo, hi = resolve_clamp(producer)
        r_lo, r_hi = relu_range(relu, qo)
        producer.clamp = int_array([max(lo, r_lo), min(hi, r_hi)])
        _replace_relu(relu, producer, rewriter)

    @staticmethod
    def fold_requantizing(relu: tq.ReluFamilyOp, producer: tq.ActivationMixin,
                          rewriter: PatternRewriter) -> None:
        """requantize=true: the producer writes the RELU's quantization and clamps to its bounds."""
        qi, qo = qtype(relu.input), qtype(relu.output)
        if not isinstance(producer, REQUANTIZING) or storage_name(qi) != storage_name(qo):
            return
        if resolve_clamp(producer) != activation_range("NONE", qi.scale, qi.zero_point, storage_name(qi)):
            return
        rewriter.replace_value_with_new_type(producer.results[0], relu.output.type)
        producer.clamp = int_array(relu_range(relu, qo))
        _replace_relu(relu, producer, rewriter)


@dataclass(frozen=True)
class FuseActivationPass(ModulePass):
    name = "fuse-activation"

    requantize: bool = False  # also fuse RELUs that requantize (opt-in, not bit-exact)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        # No dead-code elimination: tq ops are Pure, and an unused op must stay (and be lowered).
        patterns = GreedyRewritePatternApplier([ResolveClamp(), FoldRelu(self.requantize)],
                                               dce_enabled=False)
        PatternRewriteWalker(patterns).rewrite_module(op)
