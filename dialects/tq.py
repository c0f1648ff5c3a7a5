"""The `tq` dialect: quantized TFLite operators, one op per TFLite builtin.

Values are tensors of `!tq.q` (quantized), integer (indices, shapes) or f32 (float I/O edges).
Ops keep the TFLite options as properties and the operator's index in the .tflite subgraph
(`tfl_index`) so that diagnostics name the place. RESHAPE, SQUEEZE and EXPAND_DIMS all import
as `tq.reshape`; STRIDED_SLICE imports as `tq.slice` with normalised begin/end/strides; SHAPE
and shape arithmetic on constants fold away at import.

Fused activations: `activation` holds the TFLite name ("NONE", "RELU", "RELU6",
"RELU_N1_TO_1"); the `fuse-activation` pass turns it into integer `clamp` bounds, as
`CalculateActivationRangeQuantized` (lite/kernels/kernel_util.cc) computes them.
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
)
from xdsl.ir import Dialect, Operation
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure

from tqc.dialects.quant_type import QuantType
from tqc.dialects.traits import AcceptsInt16


class TqOp(IRDLOperation):
    """Base of all tq ops: side-effect free, remembers its TFLite operator index."""

    traits = traits_def(Pure())
    tfl_index = opt_prop_def(IntegerAttr)
    OPCODE: ClassVar[str | None] = None  # the TFLite opcode where it is not the name upper-cased


def opcode(op: Operation) -> str:
    """The TFLite opcode a `tq` op names in diagnostics and layer titles ('tq.add' → ADD,
    'tq.dynamic_gather' → GATHER)."""
    return getattr(type(op), "OPCODE", None) or op.name.removeprefix("tq.").upper()


class ActivationMixin(TqOp):
    """An op with a TFLite fused activation, resolved to clamp bounds by fuse-activation."""

    activation = opt_prop_def(StringAttr)
    clamp = opt_prop_def(DenseArrayBase)


@irdl_op_definition
class ConstOp(TqOp):
    """A constant tensor (weights, biases, tables); data stays bytes-backed."""

    name = "tq.const"
    traits = traits_def(AcceptsInt16())
    value = prop_def(DenseIntOrFPElementsAttr)
    output = result_def()


class ConvLikeOp(ActivationMixin):
    input = operand_def()
    filter = operand_def()
    bias = opt_operand_def()
    output = result_def()
    stride = prop_def(DenseArrayBase)
    dilation = prop_def(DenseArrayBase)
    padding = prop_def(StringAttr)


@irdl_op_definition
class Conv2DOp(ConvLikeOp):
    """CONV_2D: input NHWC, filter OHWI, bias int32 [O] (int64 for int16 activations)."""

    name = "tq.conv_2d"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class DepthwiseConv2DOp(ConvLikeOp):
    """DEPTHWISE_CONV_2D: filter 1HW(C*M); depth multiplier M = filter channels / input channels."""

    name = "tq.depthwise_conv_2d"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class TransposeConvOp(ActivationMixin):
    """TRANSPOSE_CONV: input NHWC, filter OHWI, optional bias [O] (int32 for int8 and uint8
    activations, int64 or int16 for int16); the output size is the result type's (TFLM reads the output
    tensor's shape, not the output_shape input, which the importer drops)."""

    name = "tq.transpose_conv"
    traits = traits_def(AcceptsInt16())
    input = operand_def()
    filter = operand_def()
    bias = opt_operand_def()
    output = result_def()
    stride = prop_def(DenseArrayBase)
    padding = prop_def(StringAttr)


@irdl_op_definition
class FullyConnectedOp(ActivationMixin):
    """FULLY_CONNECTED: input flattened to [rows, K], weights [units, K], bias [units]."""

    name = "tq.fully_connected"
    traits = traits_def(AcceptsInt16())
    input = operand_def()
    filter = operand_def()
    bias = opt_operand_def()
    output = result_def()


@irdl_op_definition
class BatchMatMulOp(TqOp):
    """BATCH_MATMUL: lhs [..., M, K] (adj_x: [..., K, M]) times rhs [..., K, N] (adj_y:
    [..., N, K]) → [..., M, N], the batch dimensions broadcast (NumPy rules)."""

    name = "tq.batch_matmul"
    traits = traits_def(AcceptsInt16())
    lhs = operand_def()
    rhs = operand_def()
    output = result_def()
    adj_x = prop_def(IntegerAttr)
    adj_y = prop_def(IntegerAttr)


class BinaryOp(ActivationMixin):
    lhs = operand_def()
    rhs = operand_def()
    output = result_def()


@irdl_op_definition
class AddOp(BinaryOp):
    name = "tq.add"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class SubOp(BinaryOp):
    name = "tq.sub"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class MulOp(BinaryOp):
    name = "tq.mul"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class MaximumOp(BinaryOp):
    name = "tq.maximum"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class MinimumOp(BinaryOp):
    name = "tq.minimum"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class SquaredDifferenceOp(BinaryOp):
    name = "tq.squared_difference"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class FloorDivOp(BinaryOp):
    """FLOOR_DIV: floor(lhs / rhs) of the STORED integers (scales and zero points ignored),
    NumPy broadcasting; a zero divisor is a run-time error (LiteRT REF, int8 and int16)."""

    name = "tq.floor_div"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class FloorModOp(BinaryOp):
    """FLOOR_MOD: lhs − floor(lhs / rhs)·rhs of the stored integers, as FLOOR_DIV."""

    name = "tq.floor_mod"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class DivOp(BinaryOp):
    """DIV: lhs / rhs, NumPy broadcasting (TFLM runs int8 only; int16: LiteRT REF)."""

    name = "tq.div"
    traits = traits_def(AcceptsInt16())


class CompareOp(TqOp):
    """A comparison: a bool tensor, NumPy broadcasting (int16: LiteRT REF's arithmetic, see
    passes/lowering/compare_select.py)."""

    traits = traits_def(AcceptsInt16())

    lhs = operand_def()
    rhs = operand_def()
    output = result_def()


@irdl_op_definition
class EqualOp(CompareOp):
    name = "tq.equal"


@irdl_op_definition
class NotEqualOp(CompareOp):
    name = "tq.not_equal"


@irdl_op_definition
class LessOp(CompareOp):
    name = "tq.less"


@irdl_op_definition
class LessEqualOp(CompareOp):
    name = "tq.less_equal"


@irdl_op_definition
class GreaterOp(CompareOp):
    name = "tq.greater"


@irdl_op_definition
class GreaterEqualOp(CompareOp):
    name = "tq.greater_equal"


class LogicalOp(TqOp):
    """LOGICAL_AND / LOGICAL_OR of bool tensors, NumPy broadcasting."""

    lhs = operand_def()
    rhs = operand_def()
    output = result_def()


@irdl_op_definition
class LogicalAndOp(LogicalOp):
    name = "tq.logical_and"


@irdl_op_definition
class LogicalOrOp(LogicalOp):
    name = "tq.logical_or"


@irdl_op_definition
class LogicalNotOp(TqOp):
    """LOGICAL_NOT of a bool tensor."""

    name = "tq.logical_not"
    input = operand_def()
    output = result_def()


@irdl_op_definition
class SelectV2Op(TqOp):
    """SELECT / SELECT_V2: cond ? x : y (bool cond), stored values copied, NumPy broadcasting."""

    name = "tq.select_v2"
    traits = traits_def(AcceptsInt16())
    cond = operand_def()
    if_true = operand_def()
    if_false = operand_def()
    output = result_def()


@irdl_op_definition
class AddNOp(TqOp):
    """ADD_N: the element-wise sum of two or more inputs of one shape and quantization."""

    name = "tq.add_n"
    inputs = var_operand_def()
    output = result_def()


@irdl_op_definition
class PreluOp(BinaryOp):
    """PRELU: lhs is the input, rhs the (broadcast) alpha tensor."""

    name = "tq.prelu"
    traits = traits_def(AcceptsInt16())


class PoolOp(ActivationMixin):
    input = operand_def()
    output = result_def()
    filter_size = prop_def(DenseArrayBase)
    stride = prop_def(DenseArrayBase)
    padding = prop_def(StringAttr)


@irdl_op_definition
class AveragePool2DOp(PoolOp):
    name = "tq.average_pool_2d"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class MaxPool2DOp(PoolOp):
    name = "tq.max_pool_2d"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class MeanOp(TqOp):
    """MEAN over `axes` (normalised, sorted); the result type says whether dims are kept."""

    name = "tq.mean"
    traits = traits_def(AcceptsInt16())
    input = operand_def()
    output = result_def()
    axes = prop_def(DenseArrayBase)


@irdl_op_definition
class SumOp(TqOp):
    """SUM over `axes` (normalised, sorted); the result type says whether dims are kept."""

    name = "tq.sum"
    traits = traits_def(AcceptsInt16())
    input = operand_def()
    output = result_def()
    axes = prop_def(DenseArrayBase)


class UnaryOp(TqOp):
    input = operand_def()
    output = result_def()


@irdl_op_definition
class LogSoftmaxOp(UnaryOp):
    """LOG_SOFTMAX over the last axis (beta 1; the output quantization is fixed: scale 16/256,
    zero point the type's maximum)."""

    name = "tq.log_softmax"


@irdl_op_definition
class L2NormalizationOp(UnaryOp):
    """L2_NORMALIZATION over the last axis (output scale 1/128, zero point 0 for int8 and
    128 for uint8)."""

    name = "tq.l2_normalization"


@irdl_op_definition
class SoftmaxOp(UnaryOp):
    name = "tq.softmax"
    traits = traits_def(AcceptsInt16())
    beta = prop_def(FloatAttr)


@irdl_op_definition
class LogisticOp(UnaryOp):
    name = "tq.logistic"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class TanhOp(UnaryOp):
    name = "tq.tanh"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class HardSwishOp(UnaryOp):
    name = "tq.hard_swish"


@irdl_op_definition
class AbsOp(UnaryOp):
    name = "tq.abs"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class NegOp(UnaryOp):
    """NEG: the stored values negated (LiteRT REF ignores the quantization; see
    passes/lowering/neg.py)."""

    name = "tq.neg"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class ExpOp(UnaryOp):
    """EXP: a lookup table of LiteRT's float32 expf (passes/lowering/exp_log_rsqrt.py)."""

    name = "tq.exp"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class LogOp(UnaryOp):
    """LOG: a lookup table of LiteRT's float32 logf, the output minimum for inputs <= 0
    (passes/lowering/exp_log_rsqrt.py)."""

    name = "tq.log"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class RsqrtOp(UnaryOp):
    """RSQRT: int8 a table of the fixed-point 1/sqrt of TFLM / LiteRT, int16 LiteRT's float32
    LUT (passes/lowering/exp_log_rsqrt.py)."""

    name = "tq.rsqrt"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class EluOp(UnaryOp):
    name = "tq.elu"


@irdl_op_definition
class LeakyReluOp(UnaryOp):
    name = "tq.leaky_relu"
    traits = traits_def(AcceptsInt16())
    alpha = prop_def(FloatAttr)


class ReluFamilyOp(UnaryOp):
    """Standalone RELU-like ops; fuse-activation may fold them into their producer."""

    clamp = opt_prop_def(DenseArrayBase)


@irdl_op_definition
class ReluOp(ReluFamilyOp):
    name = "tq.relu"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class Relu6Op(ReluFamilyOp):
    name = "tq.relu6"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class ReluN1To1Op(ReluFamilyOp):
    name = "tq.relu_n1_to_1"


@irdl_op_definition
class QuantizeOp(UnaryOp):
    """QUANTIZE: float → quantized, or quantized → quantized (requantize, e.g. uint8 ↔ int8)."""

    name = "tq.quantize"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class DequantizeOp(UnaryOp):
    name = "tq.dequantize"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class CastOp(UnaryOp):
    """CAST: static_cast of the stored integers to the result's element type (the quantization,
    if any, is not read)."""

    name = "tq.cast"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class ZerosLikeOp(UnaryOp):
    """ZEROS_LIKE: stored zeros of the input's shape and type (not the zero point)."""

    name = "tq.zeros_like"


@irdl_op_definition
class DynamicUpdateSliceOp(TqOp):
    """DYNAMIC_UPDATE_SLICE with constant `start` indices (already clamped to [0, dim − update
    dim] as the kernel does): the input with `update` written at `start`; stored values copied."""

    name = "tq.dynamic_update_slice"
    traits = traits_def(AcceptsInt16())
    input = operand_def()
    update = operand_def()
    output = result_def()
    start = prop_def(DenseArrayBase)


@irdl_op_definition
class ReshapeOp(UnaryOp):
    """RESHAPE / SQUEEZE / EXPAND_DIMS: the new shape is the result type's."""

    name = "tq.reshape"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class DepthToSpaceOp(UnaryOp):
    """NHWC: output[b, h·bs + i, w·bs + j, c] = input[b, h, w, (i·bs + j)·C_out + c]."""

    name = "tq.depth_to_space"
    block_size = prop_def(IntegerAttr)


@irdl_op_definition
class SpaceToDepthOp(UnaryOp):
    """NHWC: output[b, h, w, (i·bs + j)·C_in + c] = input[b, h·bs + i, w·bs + j, c]."""

    name = "tq.space_to_depth"
    block_size = prop_def(IntegerAttr)


@irdl_op_definition
class SpaceToBatchNdOp(UnaryOp):
    """SPACE_TO_BATCH_ND on NHWC: pad H and W by `paddings` [top, bottom, left, right], then
    output[(i·bw + j)·N + n, h, w, c] = padded[n, h·bh + i, w·bw + j, c]. Only as the start of a
    dilated convolution, which fold-dilated-conv turns into one conv."""

    name = "tq.space_to_batch_nd"
    traits = traits_def(AcceptsInt16())
    block_shape = prop_def(DenseArrayBase)
    paddings = prop_def(DenseArrayBase)


@irdl_op_definition
class BatchToSpaceNdOp(UnaryOp):
    """BATCH_TO_SPACE_ND on NHWC, the inverse of SPACE_TO_BATCH_ND, then `crops` [top, bottom,
    left, right] removed."""

    name = "tq.batch_to_space_nd"
    traits = traits_def(AcceptsInt16())
    block_shape = prop_def(DenseArrayBase)
    crops = prop_def(DenseArrayBase)


@irdl_op_definition
class TransposeOp(UnaryOp):
    name = "tq.transpose"
    traits = traits_def(AcceptsInt16())
    perm = prop_def(DenseArrayBase)


@irdl_op_definition
class SliceOp(UnaryOp):
    """STRIDED_SLICE with static, normalised begin/end/strides per input axis; the result
    type drops shrunk axes."""

    name = "tq.slice"
    traits = traits_def(AcceptsInt16())
    begin = prop_def(DenseArrayBase)
    end = prop_def(DenseArrayBase)
    strides = prop_def(DenseArrayBase)


@irdl_op_definition
class PadOp(UnaryOp):
    """PAD / PADV2: `paddings` is [before0, after0, before1, after1, ...]; padded with
    `pad_value` (the zero point unless PADV2 gives a value)."""

    name = "tq.pad"
    traits = traits_def(AcceptsInt16())
    paddings = prop_def(DenseArrayBase)
    pad_value = prop_def(IntegerAttr)


@irdl_op_definition
class BroadcastToOp(UnaryOp):
    """BROADCAST_TO: the input repeated to the result type's shape (NumPy broadcasting, the
    input's dimensions right-aligned); stored values are copied."""

    name = "tq.broadcast_to"
    traits = traits_def(AcceptsInt16())


@irdl_op_definition
class MirrorPadOp(UnaryOp):
    """MIRROR_PAD: `paddings` [before0, after0, ...]; `offset` 1 for REFLECT (the edge is not
    repeated), 0 for SYMMETRIC. Stored values are copied: int16 is exact too (LiteRT REF runs
    it where TFLM does not)."""

    name = "tq.mirror_pad"
    traits = traits_def(AcceptsInt16())
    paddings = prop_def(DenseArrayBase)
    offset = prop_def(IntegerAttr)


@irdl_op_definition
class ResizeNearestNeighborOp(UnaryOp):
    name = "tq.resize_nearest_neighbor"
    traits = traits_def(AcceptsInt16())
    align_corners = prop_def(IntegerAttr)
    half_pixel_centers = prop_def(IntegerAttr)


@irdl_op_definition
class ResizeBilinearOp(UnaryOp):
    name = "tq.resize_bilinear"
    traits = traits_def(AcceptsInt16())
    align_corners = prop_def(IntegerAttr)
    half_pixel_centers = prop_def(IntegerAttr)


@irdl_op_definition
class GatherOp(UnaryOp):
    """GATHER / EMBEDDING_LOOKUP with constant indices: output = np.take(input, indices, axis)
    with `indices` flattened (the result type has their shape); stored values are copied, so
    int16 is exact too (LiteRT REF runs it where TFLM does not)."""

    name = "tq.gather"
    traits = traits_def(AcceptsInt16())
    axis = prop_def(IntegerAttr)
    indices = prop_def(DenseArrayBase)


@irdl_op_definition
class GatherNdOp(UnaryOp):
    """GATHER_ND with constant indices: with the index tuples of length `index_depth`
    (`indices` flattened, each component in [0, dim)), output[i, ...] = input[t_i0, ..., t_ik,
    ...]; the result type has the indices' leading shape followed by the input's trailing
    dims. Stored values are copied (LiteRT REF runs int16 and uint8, TFLM int8)."""

    name = "tq.gather_nd"
    traits = traits_def(AcceptsInt16())
    index_depth = prop_def(IntegerAttr)
    indices = prop_def(DenseArrayBase)


@irdl_op_definition
class DynamicGatherOp(TqOp):
    """GATHER / EMBEDDING_LOOKUP with run-time `indices` (int16, int32 or int64, a graph input
    or computed): output = np.take(input, indices, axis), the result type's shape being
    input.shape[:axis] + indices.shape + input.shape[axis+1:]. An index outside [0, dim) is a
    run-time error, as in TFLM and LiteRT REF (passes/lowering/dynamic_gather.py). Stored
    values are copied, so int16 and uint8 are exact too."""

    name = "tq.dynamic_gather"
    OPCODE: ClassVar[str | None] = "GATHER"
    traits = traits_def(AcceptsInt16())
    input = operand_def()
    indices = operand_def()
    output = result_def()
    axis = prop_def(IntegerAttr)


@irdl_op_definition
class DynamicGatherNdOp(TqOp):
    """GATHER_ND with run-time `indices` [..., d] (d <= rank of input): output[i, ...] =
    input[t_i0, ..., t_i(d-1), ...], the result type's shape being indices.shape[:-1] +
    input.shape[d:]. Out-of-range index tuples are a run-time error (which ones depends on the
    reference: passes/lowering/dynamic_gather.py)."""

    name = "tq.dynamic_gather_nd"
    OPCODE: ClassVar[str | None] = "GATHER_ND"
    traits = traits_def(AcceptsInt16())
    input = operand_def()
    indices = operand_def()
    output = result_def()


@irdl_op_definition
class CumsumOp(UnaryOp):
    """CUMSUM along `axis` (`exclusive`: the sum of the elements before, `reverse`: from the
    end), requantized as TFLM's int8 kernel does (passes/lowering/cumsum.py)."""

    name = "tq.cumsum"
    axis = prop_def(IntegerAttr)
    exclusive = prop_def(IntegerAttr)
    reverse = prop_def(IntegerAttr)


@irdl_op_definition
class ArgMaxOp(UnaryOp):
    name = "tq.arg_max"
    axis = prop_def(IntegerAttr)


@irdl_op_definition
class ArgMinOp(UnaryOp):
    name = "tq.arg_min"
    axis = prop_def(IntegerAttr)


@irdl_op_definition
class ReduceMaxOp(UnaryOp):
    """REDUCE_MAX over `axes` (sorted, non-negative); keep_dims is the result type's rank."""

    name = "tq.reduce_max"
    traits = traits_def(AcceptsInt16())
    axes = prop_def(DenseArrayBase)


@irdl_op_definition
class ReduceMinOp(UnaryOp):
    """REDUCE_MIN over `axes` (sorted, non-negative); keep_dims is the result type's rank."""

    name = "tq.reduce_min"
    traits = traits_def(AcceptsInt16())
    axes = prop_def(DenseArrayBase)


@irdl_op_definition
class ConcatenationOp(ActivationMixin):
    name = "tq.concatenation"
    traits = traits_def(AcceptsInt16())
    inputs = var_operand_def()
    output = result_def()
    axis = prop_def(IntegerAttr)


@irdl_op_definition
class PackOp(TqOp):
    name = "tq.pack"
    traits = traits_def(AcceptsInt16())
    inputs = var_operand_def()
    output = result_def()
    axis = prop_def(IntegerAttr)


@irdl_op_definition
class SplitOp(TqOp):
    name = "tq.split"
    traits = traits_def(AcceptsInt16())
    input = operand_def()
    outputs = var_result_def()
    axis = prop_def(IntegerAttr)


@irdl_op_definition
class SvdfOp(TqOp):
    """SVDF (integer): input [batch, input_size], weights_feature [filters, input_size], weights_time
    [filters, memory], bias [filters / rank], activation_state [batch, filters, memory] (the
    variable tensor's [batch, memory · filters] value before the invoke, one row per filter);
    `activation` is kept as written, the integer kernels do not apply it."""

    name = "tq.svdf"
    traits = traits_def(AcceptsInt16())
    input = operand_def()
    weights_feature = operand_def()
    weights_time = operand_def()
    bias = operand_def()
    activation_state = operand_def()
    output = result_def()
    rank = prop_def(IntegerAttr)
    activation = prop_def(StringAttr)


@irdl_op_definition
class UnidirectionalSequenceLstmOp(TqOp):
    """UNIDIRECTIONAL_SEQUENCE_LSTM, the standard (Keras) LSTM TFLM runs: no peephole, projection,
    layer normalization or coupled input-forget gate (the importer refuses them, as TFLM does).
    Input and output are [time, batch, features] when `time_major`, else [batch, time,
    features]; weights [units, features] per gate (input, forget, cell, output), biases [units];
    `hidden_state` and `cell_state` are the initial states: constants holding what TFLM's reset
    writes into the variable tensors. The cell gate's activation is TANH (the only one the
    schema and TFLM share); `cell_clip` > 0 clips the cell state. The cell state is int16, hence
    AcceptsInt16."""

    name = "tq.unidirectional_sequence_lstm"
    traits = traits_def(AcceptsInt16())
    input = operand_def()
    input_to_input_weights = operand_def()
    input_to_forget_weights = operand_def()
    input_to_cell_weights = operand_def()
    input_to_output_weights = operand_def()
    recurrent_to_input_weights = operand_def()
    recurrent_to_forget_weights = operand_def()
    recurrent_to_cell_weights = operand_def()
    recurrent_to_output_weights = operand_def()
    input_gate_bias = operand_def()
    forget_gate_bias = operand_def()
    cell_gate_bias = operand_def()
    output_gate_bias = operand_def()
    hidden_state = operand_def()
    cell_state = operand_def()
    output = result_def()
    time_major = prop_def(IntegerAttr)
    cell_clip = prop_def(FloatAttr)


TQ = Dialect(
    "tq",
    [
        ConstOp,
        Conv2DOp,
        DepthwiseConv2DOp,
        TransposeConvOp,
        FullyConnectedOp,
        BatchMatMulOp,
        AddOp,
        SubOp,
        MulOp,
        MaximumOp,
        MinimumOp,
        SquaredDifferenceOp,
        FloorDivOp,
        FloorModOp,
        DivOp,
        EqualOp,
        NotEqualOp,
        LessOp,
        LessEqualOp,
        GreaterOp,
        GreaterEqualOp,
        LogicalAndOp,
        LogicalOrOp,
        LogicalNotOp,
        SelectV2Op,
        AddNOp,
        PreluOp,
        AveragePool2DOp,
        MaxPool2DOp,
        MeanOp,
        SumOp,
        SoftmaxOp,
        LogSoftmaxOp,
        L2NormalizationOp,
        LogisticOp,
        TanhOp,
        HardSwishOp,
        AbsOp,
        NegOp,
        EluOp,
        ExpOp,
        LogOp,
        RsqrtOp,
        LeakyReluOp,
        ReluOp,
        Relu6Op,
        ReluN1To1Op,
        QuantizeOp,
        DequantizeOp,
        CastOp,
        ZerosLikeOp,
        DynamicUpdateSliceOp,
        ReshapeOp,
        DepthToSpaceOp,
        SpaceToDepthOp,
        SpaceToBatchNdOp,
        BatchToSpaceNdOp,
        TransposeOp,
        SliceOp,
        PadOp,
        MirrorPadOp,
        BroadcastToOp,
        ResizeNearestNeighborOp,
        ResizeBilinearOp,
        GatherOp,
        GatherNdOp,
        DynamicGatherOp,
        DynamicGatherNdOp,
        CumsumOp,
        ArgMaxOp,
        ArgMinOp,
        ReduceMaxOp,
        ReduceMinOp,
        ConcatenationOp,
        PackOp,
        SplitOp,
        SvdfOp,
        UnidirectionalSequenceLstmOp,
    ],
    [QuantType],
)
