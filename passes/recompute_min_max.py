"""recompute-min-max: quantize the float weights and bias of a CONV_2D / DEPTHWISE_CONV_2D /
FULLY_CONNECTED again, the way TFLite's quantizer does (the step users otherwise do by hand after
folding or QAT). Runs after `fold-batch-norm`; ops whose weights are already quantized are left
alone, so on an unfolded model it changes nothing.

Arithmetic, in float32 as `lite/tools/optimize/quantization_utils.cc` computes it:

- weights, per output channel c (axis 0 for OHWI and [units, K], axis 3 for depthwise 1HWC),
  symmetric int8 (SymmetricPerChannelQuantization):
      half = max(|min_c|, |max_c|);  S_w[c] = half / 127;  q = clamp(round(w · (127 / half)), −127, 127)
  (round = half away from zero on the float32 product; a zero channel gets S_w = 0, q = 0),
  after AdjustWeightsForBiasScale: if |bias[c]| ≥ 0.5 · S_in · S_w[c] · (2^31 − 1), half is raised to
  2·|bias[c]| / (2^31 − 1) · (127 / S_in) so that the bias cannot overflow.
- bias, int32 per channel (SymmetricPerChannelBiasQuantize): S_b[c] = float32(S_in · S_w[c]),
  q = clamp(round(bias · float32(1 / S_b[c])), −(2^31 − 1), 2^31 − 1).

Only int8 activations (inputs) are supported. One line per op on stderr (`report=false` silences it).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import IntegerType, ModuleOp, TensorType
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from tqc.dialects import tq
from tqc.dialects.accessors import const_value, dense_attr
from tqc.dialects.element import storage_name
from tqc.dialects.quant_type import QuantType
from tqc.errors import TqcError
from tqc.passes.fold_batch_norm import describe, weight_axis
from tqc.passes.lowering import quant_of

K_SCALE = np.float32(2**31 - 1)  # std::numeric_limits<int32_t>::max() as float
Q_MAX = np.float32(127)


def round_away(x: np.ndarray) -> np.ndarray:
    """TfLiteRound on float32 values (exact: float32 → float64 widening is exact)."""
    x = np.asarray(x, np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def channel_view(w: np.ndarray, axis: int) -> np.ndarray:
    """[channels, rest] view of `w` with channel axis `axis`."""
    return np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)


def quantize_weights(w: np.ndarray, axis: int, bias: np.ndarray | None,
                     s_in: np.float32) -> tuple[np.ndarray, np.ndarray]:
    """(int8 weights, float32 per-channel scales) for float32 weights `w`."""
    per = channel_view(w, axis)
    half = np.maximum(np.abs(per.min(axis=1)), np.abs(per.max(axis=1))).astype(np.float32)
    if bias is not None:  # AdjustWeightsForBiasScale: double comparisons, float storage
        b = np.abs(bias.astype(np.float32)).astype(np.float64)
        scales = (half / Q_MAX).astype(np.float64)
        k = float(2**31 - 1)
        grow = b >= 0.5 * float(s_in) * scales * k
        raised = (2.0 * b / k * float(np.float32(Q_MAX / s_in))).astype(np.float32)
        half = np.where(grow, raised, half).astype(np.float32)
    scales = (half / Q_MAX).astype(np.float32)
    with np.errstate(divide="ignore"):
        inv = np.where(half == 0, np.float32(0), Q_MAX / np.where(half == 0, 1, half)).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    prod = (w.astype(np.float32) * inv.reshape(shape)).astype(np.float32)
    q = np.clip(round_away(prod), -127, 127).astype(np.int8)
    return q, scales


def quantize_bias(bias: np.ndarray, s_in: np.float32, s_w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int32 bias, float32 per-channel bias scales)."""
    scales = (s_in * s_w.astype(np.float32)).astype(np.float32)
    safe = np.where(scales == 0, 1, scales).astype(np.float64)
    inv = np.where(scales == 0, 0, (1.0 / safe)).astype(np.float32)
    prod = (bias.astype(np.float32) * inv).astype(np.float32)
    q = np.clip(round_away(prod), -float(K_SCALE), float(K_SCALE)).astype(np.int32)
    return q, scales


def const_op(array: np.ndarray, element: QuantType, name: str | None) -> tq.ConstOp:
    """A bytes-backed `tq.const` of quantized type `element` (stored as its storage type)."""
    value = dense_attr(array, storage_name(element))
    op = tq.ConstOp.build(properties={"value": value},
                          result_types=[TensorType(element, value.get_shape())])
    op.output.name_hint = name
    return op


def float_const(value: SSAValue | None) -> np.ndarray | None:
    """The data of an f32 `tq.const`, None for anything else."""
    if value is None or quant_of(value) is not None:
        return None
    data = const_value(value)
    return None if data is None or data.dtype.kind != "f" else data


def quantized_consts(op: tq.ConvLikeOp | tq.FullyConnectedOp
                     ) -> tuple[tq.ConstOp, tq.ConstOp | None, str] | None:
    """The int8 weights and int32 bias (None: the bias stays) that replace `op`'s float ones, and
    the report line; None if its weights are not float."""
    w = float_const(op.filter)
    if w is None:
        return None
    qx = quant_of(op.input)
    if qx is None or storage_name(qx) != "i8":
        kind = "float" if qx is None else storage_name(qx)
        raise TqcError(f"recompute-min-max: {describe(op)} has {kind} input; only int8 is supported")
    if op.bias is not None and float_const(op.bias) is None and quant_of(op.bias) is not None:
        raise TqcError(f"recompute-min-max: {describe(op)} has float weights but a quantized bias")
    bias = float_const(op.bias)
    s_in = np.float32(qx.scale)
    axis = weight_axis(op)
    q, s_w = quantize_weights(w, axis, bias, s_in)
    w_type = QuantType(IntegerType(8), [float(s) for s in s_w], [0] * len(s_w), axis)
    weights = const_op(q, w_type, op.filter.name_hint)
    bias_op = None
    if bias is not None and op.bias is not None:
        qb, s_b = quantize_bias(bias, s_in, s_w)
        b_type = QuantType(IntegerType(32), [float(s) for s in s_b], [0] * len(s_b), 0)
        bias_op = const_op(qb, b_type, op.bias.name_hint)
    zero = int(np.count_nonzero(s_w == 0))
    line = (f"recompute-min-max: {describe(op)}: int8 symmetric weights, {len(s_w)} channel scales "
            f"in [{float(s_w.min()):.3g}, {float(s_w.max()):.3g}]"
            + (f" ({zero} all-zero channels)" if zero else "")
            + (", int32 bias at S_in*S_w" if bias is not None else "")
            + f"; S_in={float(s_in):.6g}")
    return weights, bias_op, line


@dataclass
class QuantizeFloatWeights(RewritePattern):
    """A conv/FC with float weights reads new quantized constants (inserted before it; the old
    ones are erased when unused); ops with quantized weights are left alone. `lines` collects one
    report line per op, in block order."""

    lines: list[str] = field(default_factory=list[str])

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: tq.Conv2DOp | tq.DepthwiseConv2DOp | tq.FullyConnectedOp,
                          rewriter: PatternRewriter, /) -> None:
        found = quantized_consts(op)
        if found is None:
            return
        weights, bias, line = found
        old = [v.owner for v in op.operands[1:]]
        rewriter.insert([weights, *([bias] if bias else [])], InsertPoint.before(op))
        op.operands[1] = weights.output
        if bias is not None:
            op.operands[2] = bias.output
        rewriter.notify_op_modified(op)
        for owner in old:
            if isinstance(owner, tq.ConstOp) and not owner.output.uses:
                rewriter.erase(owner)
        self.lines.append(line)


def recompute_min_max(module: ModuleOp) -> list[str]:
    """Requantize every conv/FC with float weights; returns the report lines."""
    pattern = QuantizeFloatWeights()
    PatternRewriteWalker(pattern).rewrite_module(module)
    return pattern.lines


@dataclass(frozen=True)
class RecomputeMinMaxPass(ModulePass):
    """Quantize float conv/FC weights (left by fold-batch-norm) per channel; see module docstring."""

    name = "recompute-min-max"

    report: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        lines = recompute_min_max(op)
        if self.report:
            for line in lines:
                print(line, file=sys.stderr)

