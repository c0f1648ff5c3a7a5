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
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from tqc.dialects import tq
from tqc.passes.lowering import array_ints, ints, qtype, storage_name
from tqc.passes.lowering.activation import op_activation_range
from tqc.quant_math import activation_range

RELU_NAMES = {tq.ReluOp: "RELU", tq.Relu6Op: "RELU6", tq.ReluN1To1Op: "RELU_N1_TO_1"}


def resolve_clamp(op: tq.ActivationMixin) -> tuple[int, int]:
    """Set `clamp` from `activation` (idempotent) and return it."""
    if op.clamp is not None:
        lo, hi = array_ints(op.clamp)
        return int(lo), int(hi)
    name = op.activation.data if op.activation is not None else "NONE"
    lo, hi = op_activation_range(op, name, qtype(op.results[0]))
    op.clamp = ints([lo, hi])
    op.activation = StringAttr("NONE") if op.activation is not None else None
    return lo, hi


REQUANTIZING = (tq.Conv2DOp, tq.DepthwiseConv2DOp, tq.FullyConnectedOp, tq.AddOp, tq.SubOp,
                tq.MulOp)


def fold_requantizing_relu(relu: tq.ReluFamilyOp, producer: tq.ActivationMixin) -> bool:
    """requantize=true: the producer writes the RELU's quantization; True if folded."""
    qi, qo = qtype(relu.input), qtype(relu.output)
    if not isinstance(producer, REQUANTIZING) or storage_name(qi) != storage_name(qo):
        return False
    if resolve_clamp(producer) != activation_range("NONE", qi.scale, qi.zero_point, storage_name(qi)):
        return False
    Rewriter.replace_value_with_new_type(producer.results[0], relu.output.type)
    producer.clamp = ints(op_activation_range(relu, RELU_NAMES[type(relu)], qo, fused=False))
    relu.output.replace_all_uses_with(producer.results[0])
    if relu.output.name_hint:
        producer.results[0].name_hint = relu.output.name_hint
    Rewriter.erase_op(relu)
    return True


def fold_relu(relu: tq.ReluFamilyOp, requantize: bool = False) -> bool:
    """Fold a standalone RELU into its producer's clamp; True if folded."""
    producer = relu.input.owner
    if not isinstance(producer, tq.ActivationMixin) or len(producer.results) != 1:
        return False
    if sum(1 for _ in producer.results[0].uses) != 1:
        return False
    qi, qo = qtype(relu.input), qtype(relu.output)
    if (qi.scale, qi.zero_point, storage_name(qi)) != (qo.scale, qo.zero_point, storage_name(qo)):
        return requantize and fold_requantizing_relu(relu, producer)
    lo, hi = resolve_clamp(producer)
    r_lo, r_hi = op_activation_range(relu, RELU_NAMES[type(relu)], qo, fused=False)
    producer.clamp = ints([max(lo, r_lo), min(hi, r_hi)])
    relu.output.replace_all_uses_with(producer.results[0])
    if relu.output.name_hint:
        producer.results[0].name_hint = relu.output.name_hint
    relu.detach()
    relu.erase()
    return True


@dataclass(frozen=True)
class FuseActivationPass(ModulePass):
    name = "fuse-activation"

    requantize: bool = False  # also fuse RELUs that requantize (opt-in, not bit-exact)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        ops: list[Operation] = list(op.walk())
        for o in ops:
            if isinstance(o, tq.ActivationMixin):
                resolve_clamp(o)
        for o in ops:
            if isinstance(o, tq.ReluFamilyOp):
                fold_relu(o, self.requantize)



