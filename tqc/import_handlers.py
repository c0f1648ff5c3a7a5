"""Per-operator import handlers: TFLite builtin → `tq` op (registered with `@handles`)."""

from __future__ import annotations

import math

import numpy as np
from xdsl.dialects.builtin import FloatAttr, StringAttr, TensorType, f64
from xdsl.ir import Attribute

from tqc.dialects import tq
from tqc.dialects.accessors import int_array as ints
from tqc.dialects.accessors import int_attr
from tqc.import_context import (
    ACTIVATIONS,
    PADDINGS,
    Importer,
    dense,
    element_type,
    handles,
    tensor_type,
    value_name,
)
from tqc.tflite_reader import OpInfo

FOLDABLE = {"SHAPE", "RESHAPE", "SQUEEZE", "EXPAND_DIMS", "STRIDED_SLICE", "PACK",
            "CONCATENATION", "GATHER", "TRANSPOSE", "EMBEDDING_LOOKUP"}


def _opt(op: OpInfo, getter: str, default: object) -> object:
    return default if op.options is None else getattr(op.options, getter)()


def _axis(axis: int, rank: int) -> int:
    return axis + rank if axis < 0 else axis


def _fold(imp: Importer, op: OpInfo) -> bool:
    """Evaluate shape arithmetic on constant integer tensors at import; True if folded."""
    if op.opcode not in FOLDABLE:
        return False
    ins = [i for i in op.inputs if i >= 0]
    if op.opcode == "SHAPE":
        shape = imp.tensor(op.inputs[0]).shape
        out = imp.tensor(op.outputs[0])
        if tuple(out.shape) != (len(shape),):
            raise imp.error(f"output shape {list(out.shape)} should be [{len(shape)}] (the "
                            f"rank of {list(shape)})", out.index)
        imp.consts[op.outputs[0]] = np.array(shape, dtype=out.dtype)
        return True
    if not all(i in imp.consts for i in ins):
        return False
    try:
        imp.consts[op.outputs[0]] = _fold_constants(imp, op, [imp.consts[i] for i in ins])
    except (ValueError, IndexError, TypeError) as e:  # numpy on inconsistent constants/shapes
        raise imp.error(f"cannot evaluate on its constant inputs: {str(e).splitlines()[0]}",
                        op.outputs[0]) from None
    return True


def _fold_constants(imp: Importer, op: OpInfo, data: list[np.ndarray]) -> np.ndarray:
    out = imp.tensor(op.outputs[0])
    if op.opcode in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS"):
        result = data[0].reshape(out.shape)
    elif op.opcode == "TRANSPOSE":
        result = np.transpose(data[0], data[1])
    elif op.opcode == "PACK":
        axis = _axis(int(_opt(op, "Axis", 0)), data[0].ndim + 1)  # type: ignore[arg-type]
        result = np.stack(data, axis=axis)
    elif op.opcode == "CONCATENATION":
        axis = _axis(int(_opt(op, "Axis", 0)), data[0].ndim)  # type: ignore[arg-type]
        result = np.concatenate(data, axis=axis)
    elif op.opcode == "GATHER":
        result = np.take(data[0], data[1], axis=int(_opt(op, "Axis", 0)))  # type: ignore[arg-type]
    elif op.opcode == "EMBEDDING_LOOKUP":
        result = np.take(data[1], data[0], axis=0)
    else:  # STRIDED_SLICE
        begin, end, strides, _ = _strided_slice(imp, op, data[0].shape)
        index = tuple(
            list(range(b, e, s)) for b, e, s in zip(begin, end, strides)  # the kernel's loop
        )
        result = data[0][np.ix_(*index)] if index else data[0]
    return np.asarray(result).reshape(out.shape).astype(out.dtype)


@handles("CONV_2D", "DEPTHWISE_CONV_2D")
def conv(imp: Importer, op: OpInfo) -> None:
    if _fold(imp, op):
        return
    o = op.options
    props = {
        "stride": ints([o.StrideH(), o.StrideW()]),
        "dilation": ints([o.DilationHFactor(), o.DilationWFactor()]),
        "padding": StringAttr(PADDINGS[o.Padding()]),
        **imp.activation(o),
    }
    bias = imp.value(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    cls = tq.Conv2DOp if op.opcode == "CONV_2D" else tq.DepthwiseConv2DOp
    _check_quantized(imp, op)
    _check_bias_dtype(imp, op, 2, op.inputs[0])
    _check_bias_type_option(imp, op, bias is not None)
    imp.emit(cls, [imp.value(op.inputs[0]), imp.value(op.inputs[1]), bias], props)


@handles("TRANSPOSE_CONV")
def transpose_conv(imp: Importer, op: OpInfo) -> None:
    """Inputs (output_shape, weights, input[, bias]). TFLM sizes the output from the output
    tensor and never reads output_shape; a constant output_shape that disagrees is refused."""
    o = op.options
    shape_in, weights, x = op.inputs[:3]
    out = imp.tensor(op.outputs[0])
    if shape_in in imp.consts and tuple(int(v) for v in imp.consts[shape_in].reshape(-1)) \
            != tuple(out.shape):
        raise imp.error(f"output_shape {imp.consts[shape_in].reshape(-1).tolist()} differs from "
                        f"the output tensor's shape {list(out.shape)}", shape_in)
    for i in (x, weights, op.outputs[0]):
        if not imp.tensor(i).quantized:
            raise imp.error("float TRANSPOSE_CONV is not supported (tensor is not quantized)", i)
    if len(imp.tensor(x).shape) != 4 or len(imp.tensor(weights).shape) != 4:
        raise imp.error("needs a 4-D input and 4-D weights", x)
    has_bias = len(op.inputs) > 3 and op.inputs[3] >= 0
    _check_bias_dtype(imp, op, 3, x)
    bias = imp.value(op.inputs[3]) if has_bias else None
    get_activation = getattr(o, "FusedActivationFunction", None)
    props = {
        "stride": ints([o.StrideH(), o.StrideW()]),
        "padding": StringAttr(PADDINGS[o.Padding()]),
        **(imp.activation(o) if get_activation is not None else {"activation": StringAttr("NONE")}),
    }
    imp.emit(tq.TransposeConvOp, [imp.value(x), imp.value(weights), bias], props)


@handles("FULLY_CONNECTED")
def fully_connected(imp: Importer, op: OpInfo) -> None:
    o = op.options
    if o is not None and o.WeightsFormat() != 0:
        raise imp.error("shuffled weights format is not supported")
    bias = imp.value(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    _check_quantized(imp, op)
    _check_bias_dtype(imp, op, 2, op.inputs[0])
    _check_bias_type_option(imp, op, bias is not None)
    props = imp.activation(o) if o is not None else {"activation": StringAttr("NONE")}
    imp.emit(tq.FullyConnectedOp, [imp.value(op.inputs[0]), imp.value(op.inputs[1]), bias], props)


def _check_matmul_shapes(imp: Importer, op: OpInfo, adj_x: bool, adj_y: bool) -> None:
    """BATCH_MATMUL: x (..., R, K) (adj_x: (..., K, R)) by y (..., K, C) (adj_y: (..., C, K))
    gives (broadcast batch dims..., R, C)."""
    xs, ys = (tuple(imp.tensor(i).shape) for i in op.inputs[:2])
    (r, k), (k2, c) = (xs[-1:-3:-1] if adj_x else xs[-2:]), (ys[-1:-3:-1] if adj_y else ys[-2:])
    if k != k2:
        raise imp.error(f"inner dimensions differ: {list(xs)} by {list(ys)} (adj_x {adj_x}, "
                        f"adj_y {adj_y})", op.inputs[1])
    try:
        batch = np.broadcast_shapes(xs[:-2], ys[:-2])
    except ValueError:
        raise imp.error(f"batch dimensions of {list(xs)} and {list(ys)} do not broadcast",
                        op.inputs[1]) from None
    out = tuple(imp.tensor(op.outputs[0]).shape)
    if out != (*batch, r, c):
        raise imp.error(f"output shape {list(out)} should be {[*batch, r, c]}", op.outputs[0])


@handles("BATCH_MATMUL")
def batch_matmul(imp: Importer, op: OpInfo) -> None:
    """Both operands and the output quantized per tensor (TFLM reads `params.scale` only); ranks
    2 to 5, as TFLM checks."""
    for i in (*op.inputs[:2], op.outputs[0]):
        t = imp.tensor(i)
        if not t.quantized:
            raise imp.error("float BATCH_MATMUL is not supported (tensor is not quantized)", i)
        if len(t.scales or []) != 1:
            raise imp.error("per-axis quantization is not supported (TFLM's BATCH_MATMUL reads "
                            "one scale)", i)
        if not 2 <= len(t.shape) <= 5:
            raise imp.error(f"rank {len(t.shape)} is not supported (TFLM takes 2 to 5)", i)
    adj_x, adj_y = bool(_opt(op, "AdjX", False)), bool(_opt(op, "AdjY", False))
    _check_matmul_shapes(imp, op, adj_x, adj_y)
    props = {"adj_x": int_attr(int(adj_x)), "adj_y": int_attr(int(adj_y))}
    imp.emit(tq.BatchMatMulOp, [imp.value(op.inputs[0]), imp.value(op.inputs[1])], props)


def _check_bias_dtype(imp: Importer, op: OpInfo, slot: int, x: int) -> None:
    """The bias of a quantized conv / FC / transpose conv is int32 (int8 and uint8 inputs) or
    int32 / int64 (int16 inputs; TRANSPOSE_CONV also int16, which TFLM widens to int64), as the
    reference kernels read it."""
    if len(op.inputs) <= slot or op.inputs[slot] < 0:
        return
    bias, source = imp.tensor(op.inputs[slot]), imp.tensor(x)
    allowed: tuple[str, ...] = ("int32",)
    if source.dtype == "int16":
        allowed = ("int16", "int32", "int64") if op.opcode == "TRANSPOSE_CONV" else ("int32", "int64")
    if source.quantized and bias.dtype not in allowed:
        raise imp.error(f"bias of type {bias.dtype} for {source.dtype} inputs (the kernel reads "
                        f"{' or '.join(allowed)})", op.inputs[slot])


def _check_bias_type_option(imp: Importer, op: OpInfo, has_bias: bool) -> None:
    """An int16 CONV_2D / FULLY_CONNECTED without bias accumulates in int32 in TFLM when its
    options say quantized_bias_type = INT32 (else in int64); that variant is not lowered."""
    get = getattr(op.options, "QuantizedBiasType", None)
    if has_bias or get is None or imp.tensor(op.inputs[0]).dtype != "int16":
        return
    if get() == 2:  # TensorType.INT32
        raise imp.error("int16 activations without a bias tensor and quantized_bias_type INT32 "
                        "are not supported (give the op an int32 or int64 bias)", op.outputs[0])


def _check_quantized(imp: Importer, op: OpInfo) -> None:
    for i in op.inputs[:2] + op.outputs:
        if i >= 0 and not imp.tensor(i).quantized:
            raise imp.error(f"float {op.opcode} is not supported (tensor is not quantized)", i)


BINARY = {"ADD": tq.AddOp, "SUB": tq.SubOp, "MUL": tq.MulOp, "MAXIMUM": tq.MaximumOp,
          "MINIMUM": tq.MinimumOp, "PRELU": tq.PreluOp, "SQUARED_DIFFERENCE": tq.SquaredDifferenceOp,
          "DIV": tq.DivOp, "FLOOR_DIV": tq.FloorDivOp, "FLOOR_MOD": tq.FloorModOp}


@handles(*BINARY)
def binary(imp: Importer, op: OpInfo) -> None:
    props = {}
    if op.options is not None and hasattr(op.options, "FusedActivationFunction"):
        props = imp.activation(op.options)
    elif op.opcode in ("ADD", "SUB", "MUL", "DIV"):
        props = {"activation": StringAttr("NONE")}
    imp.emit(BINARY[op.opcode], [imp.value(op.inputs[0]), imp.value(op.inputs[1])], props)


COMPARISONS = {"EQUAL": tq.EqualOp, "NOT_EQUAL": tq.NotEqualOp, "LESS": tq.LessOp,
               "LESS_EQUAL": tq.LessEqualOp, "GREATER": tq.GreaterOp,
               "GREATER_EQUAL": tq.GreaterEqualOp}


@handles(*COMPARISONS)
def compare(imp: Importer, op: OpInfo) -> None:
    for i in op.inputs[:2]:
        if not imp.tensor(i).quantized:
            raise imp.error(f"{op.opcode} of unquantized tensors is not supported", i)
    imp.emit(COMPARISONS[op.opcode], [imp.value(op.inputs[0]), imp.value(op.inputs[1])])


LOGICAL = {"LOGICAL_AND": tq.LogicalAndOp, "LOGICAL_OR": tq.LogicalOrOp,
           "LOGICAL_NOT": tq.LogicalNotOp}


@handles(*LOGICAL)
def logical(imp: Importer, op: OpInfo) -> None:
    """LOGICAL_AND / LOGICAL_OR / LOGICAL_NOT of bool tensors (TFLM logical.cc, broadcasting)."""
    for i in [*op.inputs, *op.outputs]:
        if imp.tensor(i).dtype != "bool":
            raise imp.error(f"{op.opcode} of a {imp.tensor(i).dtype} tensor (bool only)", i)
    imp.emit(LOGICAL[op.opcode], [imp.value(i) for i in op.inputs])


@handles("SELECT", "SELECT_V2")
def select(imp: Importer, op: OpInfo) -> None:
    imp.emit(tq.SelectV2Op, [imp.value(i) for i in op.inputs[:3]])


@handles("ADD_N")
def add_n(imp: Importer, op: OpInfo) -> None:
    """Two or more inputs of one shape (TFLM's Prepare; no broadcasting)."""
    shapes = {tuple(imp.tensor(i).shape) for i in op.inputs}
    if len(op.inputs) < 2 or len(shapes) != 1:
        raise imp.error(f"needs two or more inputs of one shape, has {sorted(shapes)}")
    imp.emit(tq.AddNOp, [[imp.value(i) for i in op.inputs]])


@handles("AVERAGE_POOL_2D", "MAX_POOL_2D")
def pool(imp: Importer, op: OpInfo) -> None:
    o = op.options
    props = {
        "filter_size": ints([o.FilterHeight(), o.FilterWidth()]),
        "stride": ints([o.StrideH(), o.StrideW()]),
        "padding": StringAttr(PADDINGS[o.Padding()]),
        **imp.activation(o),
    }
    cls = tq.AveragePool2DOp if op.opcode == "AVERAGE_POOL_2D" else tq.MaxPool2DOp
    imp.emit(cls, [imp.value(op.inputs[0])], props)


@handles("MEAN", "SUM")
def mean(imp: Importer, op: OpInfo) -> None:
    rank = len(imp.tensor(op.inputs[0]).shape)
    axes = imp.const_data(op.inputs[1], f"{op.opcode} axes").reshape(-1)
    if any(not -rank <= int(a) < rank for a in axes):
        raise imp.error(f"axes {axes.tolist()} outside the input's rank {rank}", op.inputs[1])
    norm = sorted({_axis(int(a), rank) for a in axes})
    cls = tq.MeanOp if op.opcode == "MEAN" else tq.SumOp
    imp.emit(cls, [imp.value(op.inputs[0])], {"axes": ints(norm)})


UNARY = {"LOGISTIC": tq.LogisticOp, "TANH": tq.TanhOp, "HARD_SWISH": tq.HardSwishOp,
         "ABS": tq.AbsOp, "ELU": tq.EluOp, "NEG": tq.NegOp, "EXP": tq.ExpOp, "LOG": tq.LogOp,
         "RSQRT": tq.RsqrtOp,
         "RELU": tq.ReluOp, "RELU6": tq.Relu6Op, "RELU_N1_TO_1": tq.ReluN1To1Op,
         "QUANTIZE": tq.QuantizeOp, "DEQUANTIZE": tq.DequantizeOp}


@handles(*UNARY)
def unary(imp: Importer, op: OpInfo) -> None:
    imp.emit(UNARY[op.opcode], [imp.value(op.inputs[0])])


@handles("CAST", "ZEROS_LIKE")
def cast(imp: Importer, op: OpInfo) -> None:
    """CAST between integer types (static_cast of the stored values), or of a bool to an
    integer or float32 type (0 or 1); ZEROS_LIKE."""
    if op.opcode == "CAST":
        src, dst = op.inputs[0], op.outputs[0]
        if imp.tensor(src).dtype not in ("int8", "uint8", "int16", "int32", "bool"):
            raise imp.error(f"CAST of {imp.tensor(src).dtype} is not supported (int8, uint8, "
                            "int16, int32, bool only)", src)
        allowed = ("int8", "uint8", "int16", "int32") + (
            ("float32",) if imp.tensor(src).dtype == "bool" else ())
        if imp.tensor(dst).dtype not in allowed:
            raise imp.error(f"CAST to {imp.tensor(dst).dtype} is not supported (to "
                            f"{', '.join(allowed)} only)", dst)
    cls = tq.CastOp if op.opcode == "CAST" else tq.ZerosLikeOp
    imp.emit(cls, [imp.value(op.inputs[0])])


@handles("DYNAMIC_UPDATE_SLICE")
def dynamic_update_slice(imp: Importer, op: OpInfo) -> None:
    """Constant start indices, clamped to [0, dim − update dim] as TFLM's
    CalculateClampedStartIndices does."""
    shape, update = imp.tensor(op.inputs[0]).shape, imp.tensor(op.inputs[1]).shape
    start = imp.const_data(op.inputs[2], "DYNAMIC_UPDATE_SLICE start indices").reshape(-1)
    if len(update) != len(shape) or len(start) != len(shape) or any(
            u > d for u, d in zip(update, shape)):
        raise imp.error(f"cannot update {list(shape)} with {list(update)} at {start.tolist()}")
    clamped = [min(max(0, int(s)), d - u) for s, d, u in zip(start, shape, update)]
    imp.emit(tq.DynamicUpdateSliceOp, [imp.value(op.inputs[0]), imp.value(op.inputs[1])],
             {"start": ints(clamped)})


@handles("SOFTMAX")
def softmax(imp: Importer, op: OpInfo) -> None:
    beta = float(_opt(op, "Beta", 1.0))  # type: ignore[arg-type]
    imp.emit(tq.SoftmaxOp, [imp.value(op.inputs[0])], {"beta": FloatAttr(beta, f64)})


@handles("LOG_SOFTMAX", "L2_NORMALIZATION")
def row_normalization(imp: Importer, op: OpInfo) -> None:
    """LOG_SOFTMAX and L2_NORMALIZATION over the last axis; L2_NORMALIZATION's fused
    activation must be NONE (TFLM and LiteRT refuse others)."""
    if op.opcode == "L2_NORMALIZATION" and _opt(op, "FusedActivationFunction", 0):
        raise imp.error("L2_NORMALIZATION with a fused activation is not supported (the "
                        "reference kernels refuse it)")
    cls = tq.LogSoftmaxOp if op.opcode == "LOG_SOFTMAX" else tq.L2NormalizationOp
    imp.emit(cls, [imp.value(op.inputs[0])], {})


@handles("LEAKY_RELU")
def leaky_relu(imp: Importer, op: OpInfo) -> None:
    alpha = float(_opt(op, "Alpha", 0.2))  # type: ignore[arg-type]
    imp.emit(tq.LeakyReluOp, [imp.value(op.inputs[0])], {"alpha": FloatAttr(alpha, f64)})


@handles("GATHER", "EMBEDDING_LOOKUP")
def gather(imp: Importer, op: OpInfo) -> None:
    """GATHER (params, indices; axis, batch_dims) and EMBEDDING_LOOKUP (ids, value: axis 0).
    Constant indices: TFLM checks 0 <= index < the axis size at run time; an index outside is
    refused here. Run-time indices: `tq.dynamic_gather`."""
    lookup = op.opcode == "EMBEDDING_LOOKUP"
    data, where = (op.inputs[1], op.inputs[0]) if lookup else (op.inputs[0], op.inputs[1])
    src, dst = imp.tensor(data), imp.tensor(op.outputs[0])
    if int(_opt(op, "BatchDims", 0)):  # type: ignore[arg-type]
        raise imp.error("batch_dims other than 0 are not supported")
    if where not in imp.consts:
        axis = 0 if lookup else _axis(int(_opt(op, "Axis", 0)), len(src.shape))  # type: ignore[arg-type]
        if lookup and len(imp.tensor(where).shape) != 1:
            raise imp.error("EMBEDDING_LOOKUP needs 1-D ids", where)
        _dynamic_indices(imp, op, data, where)
        imp.emit(tq.DynamicGatherOp, [imp.value(data), imp.value(where)],
                 {"axis": int_attr(axis)})
        return
    indices = imp.consts[where].astype(np.int64)
    axis = 0 if lookup else _axis(int(_opt(op, "Axis", 0)), len(src.shape))  # type: ignore[arg-type]
    if not 0 <= axis < len(src.shape) or (lookup and indices.ndim != 1):
        raise imp.error(f"axis {axis} of {list(src.shape)} with indices of shape "
                        f"{list(indices.shape)} is not a {op.opcode}")
    bad = indices[(indices < 0) | (indices >= src.shape[axis])]
    if bad.size:
        raise imp.error(f"index {int(bad[0])} is outside [0, {src.shape[axis] - 1}]", where)
    if _fold(imp, op):
        return
    if not src.quantized or not dst.quantized:
        raise imp.error(f"float or hybrid {op.opcode} is not supported (tensor is not quantized)",
                        data if not src.quantized else dst.index)
    expected = (*src.shape[:axis], *indices.shape, *src.shape[axis + 1:])
    if tuple(dst.shape) != expected:
        raise imp.error(f"output shape {list(dst.shape)} should be {list(expected)}", dst.index)
    imp.emit(tq.GatherOp, [imp.value(data)],
             {"axis": int_attr(axis), "indices": ints(indices.reshape(-1))})


def _dynamic_indices(imp: Importer, op: OpInfo, data: int, where: int) -> None:
    """Run-time indices (GATHER, EMBEDDING_LOOKUP, GATHER_ND): plain int32 or int64 (TFLM
    takes int32, LiteRT REF also int64 and int16, but tqc refuses int16 tensors without
    quantization model-wide) into quantized data."""
    index = imp.tensor(where)
    if index.dtype not in ("int32", "int64") or index.quantized:
        raise imp.error(f"indices must be int32 or int64 (not quantized), not "
                        f"{'quantized ' if index.quantized else ''}{index.dtype}", where)
    for i in (data, op.outputs[0]):
        if not imp.tensor(i).quantized:
            raise imp.error(f"float or hybrid {op.opcode} is not supported (tensor is not "
                            "quantized)", i)


@handles("GATHER_ND")
def gather_nd(imp: Importer, op: OpInfo) -> None:
    """GATHER_ND (params, indices). Constant indices: TFLM returns an error at run time when an
    index tuple's flat position leaves the params (LiteRT REF alike); tqc refuses any component
    outside [0, dim). Run-time indices: `tq.dynamic_gather_nd`."""
    data, where = op.inputs[0], op.inputs[1]
    src = imp.tensor(data)
    if where not in imp.consts:
        _dynamic_indices(imp, op, data, where)
        imp.emit(tq.DynamicGatherNdOp, [imp.value(data), imp.value(where)])
        return
    indices = imp.consts[where].astype(np.int64)
    depth = indices.shape[-1] if indices.ndim else 0
    if indices.ndim < 1 or not 1 <= depth <= len(src.shape):
        raise imp.error(f"indices of shape {list(indices.shape)} cannot index "
                        f"{list(src.shape)}", where)
    tuples = indices.reshape(-1, depth)
    for axis, size in enumerate(src.shape[:depth]):
        bad = tuples[(tuples[:, axis] < 0) | (tuples[:, axis] >= size), axis]
        if bad.size:
            raise imp.error(f"index {int(bad[0])} is outside [0, {size - 1}] (axis {axis})",
                            where)
    imp.emit(tq.GatherNdOp, [imp.value(data)],
             {"index_depth": int_attr(depth), "indices": ints(tuples.reshape(-1))})


@handles("CUMSUM")
def cumsum(imp: Importer, op: OpInfo) -> None:
    """CUMSUM (input, axis: one constant int32, negative from the end; exclusive, reverse)."""
    src = imp.tensor(op.inputs[0])
    axis_data = imp.const_data(op.inputs[1], "CUMSUM axis").reshape(-1)
    if axis_data.size != 1 or not -len(src.shape) <= int(axis_data[0]) < len(src.shape):
        raise imp.error(f"axis {axis_data.tolist()} is not one axis of {list(src.shape)}",
                        op.inputs[1])
    imp.emit(tq.CumsumOp, [imp.value(op.inputs[0])],
             {"axis": int_attr(_axis(int(axis_data[0]), len(src.shape))),
              "exclusive": int_attr(int(bool(_opt(op, "Exclusive", False)))),
              "reverse": int_attr(int(bool(_opt(op, "Reverse", False))))})


@handles("RESHAPE", "SQUEEZE", "EXPAND_DIMS", "SHAPE")
def reshape(imp: Importer, op: OpInfo) -> None:
    if _fold(imp, op):
        return
    src, dst = imp.tensor(op.inputs[0]), imp.tensor(op.outputs[0])
    if op.opcode == "RESHAPE" and dst.dynamic:
        # A dynamic-batch export (Keras Flatten: SHAPE -> STRIDED_SLICE -> PACK([batch, -1]) ->
        # RESHAPE) stores a placeholder output shape; the folded new shape gives the real one.
        dst.shape = _reshape_target(imp, op, int(np.prod(src.shape))) or dst.shape
    if int(np.prod(src.shape)) != int(np.prod(dst.shape)):
        raise imp.error(f"cannot reshape {list(src.shape)} to {list(dst.shape)}", dst.index)
    imp.emit(tq.ReshapeOp, [imp.value(op.inputs[0])])


def _reshape_target(imp: Importer, op: OpInfo, count: int) -> tuple[int, ...] | None:
    """RESHAPE's new shape (the constant second input, else the options' new_shape) with its
    one -1 resolved from the element count; None when there is none to read."""
    if len(op.inputs) > 1 and op.inputs[1] in imp.consts:
        new = [int(v) for v in imp.consts[op.inputs[1]].reshape(-1)]
    elif op.options is not None and op.options.NewShapeLength() > 0:
        new = [int(v) for v in op.options.NewShapeAsNumpy()]
    else:
        return None
    known = int(np.prod([d for d in new if d != -1]))
    if new.count(-1) > 1 or known == 0 or (-1 in new and count % known):
        raise imp.error(f"cannot reshape {count} values to {new}")
    return tuple(count // known if d == -1 else d for d in new)


@handles("TRANSPOSE")
def transpose(imp: Importer, op: OpInfo) -> None:
    if _fold(imp, op):
        return
    perm = imp.const_data(op.inputs[1], "TRANSPOSE permutation").reshape(-1)
    imp.emit(tq.TransposeOp, [imp.value(op.inputs[0])], {"perm": ints(perm)})


@handles("DEPTH_TO_SPACE", "SPACE_TO_DEPTH")
def depth_space(imp: Importer, op: OpInfo) -> None:
    block = int(_opt(op, "BlockSize", 0))  # type: ignore[arg-type]
    shape = imp.tensor(op.inputs[0]).shape
    if len(shape) != 4 or block < 1:
        raise imp.error(f"needs a 4-D input and a block size >= 1, got {list(shape)} and {block}")
    cls = tq.DepthToSpaceOp if op.opcode == "DEPTH_TO_SPACE" else tq.SpaceToDepthOp
    imp.emit(cls, [imp.value(op.inputs[0])], {"block_size": int_attr(block)})


@handles("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND")
def space_batch(imp: Importer, op: OpInfo) -> None:
    """4-D NHWC only (a 3-D input would be NHC with W = 1 in TFLM), constant block shape and
    paddings / crops."""
    s2b = op.opcode == "SPACE_TO_BATCH_ND"
    what = "paddings" if s2b else "crops"
    block = imp.const_data(op.inputs[1], f"{op.opcode} block_shape").reshape(-1)
    edges = imp.const_data(op.inputs[2], f"{op.opcode} {what}").reshape(-1)
    if len(imp.tensor(op.inputs[0]).shape) != 4 or len(block) != 2 or len(edges) != 4:
        raise imp.error(f"needs a 4-D input, 2 block sizes and 2x2 {what}")
    if block.min() < 1 or edges.min() < 0:
        raise imp.error(f"block_shape {block.tolist()} and {what} {edges.tolist()} must be "
                        "positive and non-negative")
    cls = tq.SpaceToBatchNdOp if s2b else tq.BatchToSpaceNdOp
    imp.emit(cls, [imp.value(op.inputs[0])], {"block_shape": ints(block), what: ints(edges)})


@handles("CONCATENATION")
def concatenation(imp: Importer, op: OpInfo) -> None:
    if _fold(imp, op):
        return
    rank = len(imp.tensor(op.outputs[0]).shape)
    axis = _axis(int(_opt(op, "Axis", 0)), rank)  # type: ignore[arg-type]
    props: dict[str, Attribute] = {"axis": int_attr(axis)}
    if op.options is not None:
        props.update(imp.activation(op.options))
    imp.emit(tq.ConcatenationOp, [[imp.value(i) for i in op.inputs]], props)


@handles("PACK")
def pack(imp: Importer, op: OpInfo) -> None:
    if _fold(imp, op):
        return
    rank = len(imp.tensor(op.outputs[0]).shape)
    axis = _axis(int(_opt(op, "Axis", 0)), rank)  # type: ignore[arg-type]
    imp.emit(tq.PackOp, [[imp.value(i) for i in op.inputs]], {"axis": int_attr(axis)})


@handles("SPLIT")
def split(imp: Importer, op: OpInfo) -> None:
    rank = len(imp.tensor(op.inputs[1]).shape)
    axis = _axis(int(imp.const_data(op.inputs[0], "SPLIT axis").reshape(-1)[0]), rank)
    imp.emit(tq.SplitOp, [imp.value(op.inputs[1])], {"axis": int_attr(axis)})


@handles("PAD", "PADV2")
def pad(imp: Importer, op: OpInfo) -> None:
    dst = imp.tensor(op.outputs[0])  # the kernels pad with the OUTPUT zero point
    raw = imp.const_data(op.inputs[1], "PAD paddings")
    rank = len(imp.tensor(op.inputs[0]).shape)
    if raw.size != 2 * rank:
        raise imp.error(f"paddings of shape {list(raw.shape)} for a rank-{rank} input (needs "
                        f"[{rank}, 2])", op.inputs[1])
    paddings = raw.reshape(-1, 2)
    if paddings.min() < 0:
        raise imp.error("negative paddings are not supported", op.inputs[1])
    value = int(dst.zero_points[0]) if dst.quantized else 0  # type: ignore[index]
    if op.opcode == "PADV2" and len(op.inputs) > 2 and op.inputs[2] >= 0:
        value = int(imp.const_data(op.inputs[2], "PADV2 constant").reshape(-1)[0])
    props = {"paddings": ints(paddings.reshape(-1)), "pad_value": int_attr(value)}
    imp.emit(tq.PadOp, [imp.value(op.inputs[0])], props)


@handles("BROADCAST_TO")
def broadcast_to(imp: Importer, op: OpInfo) -> None:
    """A constant shape equal to the output tensor's, which the input broadcasts to (TFLM's
    checks, up to rank 5)."""
    src, dst = imp.tensor(op.inputs[0]), imp.tensor(op.outputs[0])
    target = [int(v) for v in imp.const_data(op.inputs[1], "BROADCAST_TO shape").reshape(-1)]
    padded = (1,) * (len(target) - len(src.shape)) + tuple(src.shape)
    if target != list(dst.shape) or len(target) > 5 or len(padded) != len(target) or any(
            s not in (1, t) for s, t in zip(padded, target)):
        raise imp.error(f"cannot broadcast {list(src.shape)} to {target} (output "
                        f"{list(dst.shape)}, rank at most 5)")
    imp.emit(tq.BroadcastToOp, [imp.value(op.inputs[0])])


@handles("FILL")
def fill(imp: Importer, op: OpInfo) -> None:
    """FILL(dims, value): TFLM / LiteRT `Fill` copy the stored scalar to every element of the
    output, no requantization (TFLM int8 copies it into any output quantization, measured;
    LiteRT's Prepare requires equal ones, int16 zero points 0). Constant dims equal to the output
    tensor's shape: a BROADCAST_TO of the value."""
    value, dst = imp.tensor(op.inputs[1]), imp.tensor(op.outputs[0])
    dims = [int(v) for v in imp.const_data(op.inputs[0], "FILL dims").reshape(-1)]
    if dims != list(dst.shape):
        raise imp.error(f"dims {dims} differ from the output shape {list(dst.shape)}",
                        op.inputs[0])
    if math.prod(value.shape) != 1:
        raise imp.error(f"the value must be a scalar, not of shape {list(value.shape)}",
                        op.inputs[1])
    imp.emit(tq.BroadcastToOp, [imp.value(op.inputs[1])])


@handles("MIRROR_PAD")
def mirror_pad(imp: Importer, op: OpInfo) -> None:
    """Constant paddings; mode REFLECT (0) or SYMMETRIC (1)."""
    shape = imp.tensor(op.inputs[0]).shape
    paddings = imp.const_data(op.inputs[1], "MIRROR_PAD paddings").reshape(-1)
    if len(paddings) != 2 * len(shape) or paddings.min(initial=0) < 0:
        raise imp.error(f"paddings {paddings.tolist()} are not two non-negative values per axis "
                        f"of {list(shape)}", op.inputs[1])
    mode = int(_opt(op, "Mode", 0))  # type: ignore[arg-type]
    if mode not in (0, 1):
        raise imp.error(f"unknown mirror padding mode {mode}")
    props = {"paddings": ints(paddings), "offset": int_attr(1 if mode == 0 else 0)}
    imp.emit(tq.MirrorPadOp, [imp.value(op.inputs[0])], props)


def _strided_slice(
    imp: Importer, op: OpInfo, shape: tuple[int, ...]
) -> tuple[list[int], list[int], list[int], int]:
    """Normalised begin/end/strides (end -1 with a negative stride means 'through index 0')."""
    o = op.options
    begin = imp.const_data(op.inputs[1], "STRIDED_SLICE begin").reshape(-1)
    end = imp.const_data(op.inputs[2], "STRIDED_SLICE end").reshape(-1)
    strides = imp.const_data(op.inputs[3], "STRIDED_SLICE strides").reshape(-1)
    bm, em, sm = o.BeginMask(), o.EndMask(), o.ShrinkAxisMask()
    if o.EllipsisMask() or o.NewAxisMask():
        raise imp.error("STRIDED_SLICE ellipsis/new-axis masks are not supported")
    offset = bool(o.Offset()) if hasattr(o, "Offset") else False
    nb, ne, ns = [], [], []
    for axis, dim in enumerate(shape):
        s = int(strides[axis]) if axis < len(strides) else 1
        if s == 0:
            raise imp.error("STRIDED_SLICE stride 0")
        lo, hi = (0, dim) if s > 0 else (-1, dim - 1)
        b = int(begin[axis]) if axis < len(begin) else 0
        b = b + dim if b < 0 else b
        b = (0 if s > 0 else dim - 1) if (bm >> axis) & 1 or axis >= len(begin) else min(max(b, lo), hi)
        if (sm >> axis) & 1:  # StridedSliceEndForAxis: start + 1 unless start is past the end
            if s < 0:
                raise imp.error("STRIDED_SLICE shrinks an axis with a negative stride (the "
                                "reference kernels write no output then)")
            e = b if b >= dim else b + 1
        elif (em >> axis) & 1 or axis >= len(end):
            e = dim if s > 0 else -1
        else:  # offset: end += start, then the negative-index fix-up as without offset
            e = int(end[axis]) + (b if offset else 0)
            e = e + dim if e < 0 else e
            e = min(max(e, lo), hi)
        nb.append(b)
        ne.append(e)
        ns.append(s)
    return nb, ne, ns, sm


@handles("STRIDED_SLICE")
def strided_slice(imp: Importer, op: OpInfo) -> None:
    if _fold(imp, op):
        return
    begin, end, strides, _ = _strided_slice(imp, op, imp.tensor(op.inputs[0]).shape)
    props = {"begin": ints(begin), "end": ints(end), "strides": ints(strides)}
    imp.emit(tq.SliceOp, [imp.value(op.inputs[0])], props)


@handles("RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR")
def resize(imp: Importer, op: OpInfo) -> None:
    props = {
        "align_corners": int_attr(int(bool(_opt(op, "AlignCorners", False)))),
        "half_pixel_centers": int_attr(int(bool(_opt(op, "HalfPixelCenters", False)))),
    }
    cls = tq.ResizeBilinearOp if op.opcode == "RESIZE_BILINEAR" else tq.ResizeNearestNeighborOp
    dst = imp.tensor(op.outputs[0])
    if op.inputs[1] in imp.consts:
        size = [int(v) for v in imp.consts[op.inputs[1]].reshape(-1)]
        if len(size) != 2 or list(dst.shape[1:3]) != size:
            raise imp.error(f"output shape {list(dst.shape)} does not have the size {size} "
                            "the op resizes to", dst.index)
    imp.emit(cls, [imp.value(op.inputs[0])], props)


@handles("ARG_MAX", "ARG_MIN")
def arg_max(imp: Importer, op: OpInfo) -> None:
    rank = len(imp.tensor(op.inputs[0]).shape)
    axis = _axis(int(imp.const_data(op.inputs[1], f"{op.opcode} axis").reshape(-1)[0]), rank)
    cls = tq.ArgMaxOp if op.opcode == "ARG_MAX" else tq.ArgMinOp
    imp.emit(cls, [imp.value(op.inputs[0])], {"axis": int_attr(axis)})


@handles("SVDF")
def svdf(imp: Importer, op: OpInfo) -> None:
    """The activation state (input 4, [B, M·F]) enters as a [B, F, M] constant: the value TFLM
    starts every invoke from after a reset (`ResetTensorData` memsets a variable tensor to its zero
    point when int8, to 0 otherwise, whatever its buffer holds): one invoke = one sample, see
    passes/lowering/svdf.py.
    The fused activation is recorded as written: TFLM's integer kernel does not apply it."""
    if len(op.inputs) != 5 or op.inputs[3] < 0:
        raise imp.error("SVDF without a bias tensor is not supported (TFLM's Prepare reads the "
                        "bias quantization unconditionally)")
    rank = int(_opt(op, "Rank", 0))  # type: ignore[arg-type]
    x, wf, wt, bias, state = (imp.tensor(i) for i in op.inputs)
    out = imp.tensor(op.outputs[0])
    if rank < 1 or len(x.shape) != 2 or len(wf.shape) != 2 or len(wt.shape) != 2 \
            or wf.shape[0] % rank:
        raise imp.error(f"rank {rank} with input {list(x.shape)}, weights_feature "
                        f"{list(wf.shape)} and weights_time {list(wt.shape)} is not an SVDF")
    (batch, depth), (filters, memory), units = x.shape, wt.shape, wf.shape[0] // rank
    expected = ((wf, (filters, depth)), (bias, (units,)), (state, (batch, memory * filters)),
                (out, (batch, units)))
    for t, dims in expected:
        if t.shape != dims:
            raise imp.error(f"shape {list(t.shape)} should be {list(dims)} for an SVDF of rank "
                            f"{rank} with input {list(x.shape)} and weights_time {list(wt.shape)}",
                            t.index)
    if not state.is_variable:
        raise imp.error("the activation state is not a variable tensor (TFLM requires one)",
                        state.index)
    reset = int(state.zero_points[0]) if state.dtype == "int8" and state.quantized else 0  # type: ignore[index]
    window = np.full((batch, filters, memory), reset, dtype=state.dtype)  # [B][F][M]
    const = tq.ConstOp.build(properties={"value": dense(state, window)},
                             result_types=[TensorType(element_type(state), window.shape)])
    const.output.name_hint = value_name(state.name)
    imp.block.add_op(const)
    code = int(_opt(op, "FusedActivationFunction", 0))  # type: ignore[arg-type]
    props = {"rank": int_attr(rank), "activation": StringAttr(ACTIVATIONS.get(code, str(code)))}
    imp.emit(tq.SvdfOp, [*(imp.value(i) for i in op.inputs[:4]), const.output], props)


# UNIDIRECTIONAL_SEQUENCE_LSTM inputs (TFLM micro/kernels/lstm_shared.h) that TFLM's kernel
# requires absent, and those it requires present (CIFG, without input gate, is refused).
LSTM_ABSENT = {(9, 10, 11): "peephole weights", (16, 17): "projection weights and bias",
               (20, 21, 22, 23): "layer normalization coefficients"}
LSTM_OPERANDS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 18, 19)


@handles("UNIDIRECTIONAL_SEQUENCE_LSTM")
def unidirectional_sequence_lstm(imp: Importer, op: OpInfo) -> None:
    """The states become constants holding TFLM's reset values (its interpreter resets variable
    tensors before the first invocation; tqc.reference resets between samples): the int8 zero
    point for an int8 tensor, 0 otherwise (MicroInterpreterGraph::ResetTensorData)."""
    if len(op.inputs) != 24:
        raise imp.error(f"needs 24 inputs, has {len(op.inputs)} (TFLM refuses others)")
    for indices, what in LSTM_ABSENT.items():
        if any(op.inputs[i] >= 0 for i in indices):
            raise imp.error(f"{what} (inputs {', '.join(map(str, indices))}) are not supported "
                            "(TFLM's LSTM refuses them)")
    missing = [i for i in LSTM_OPERANDS if op.inputs[i] < 0]
    if missing:
        what = " (coupled input and forget gate)" if set(missing) <= {1, 5, 12} else ""
        raise imp.error(f"inputs {', '.join(map(str, missing))} are absent{what}: not supported "
                        "(TFLM's LSTM refuses it)")
    for i in [*op.inputs[:9], *op.inputs[18:20], *op.outputs]:
        if not imp.tensor(i).quantized:
            raise imp.error("float or hybrid LSTM is not supported (tensor is not quantized)", i)
    activation = ACTIVATIONS.get(op.options.FusedActivationFunction(), "?")
    if activation != "TANH":  # the schema cannot say SIGMOID, TFLM's other choice
        raise imp.error(f"cell gate activation {activation} is not supported (TFLM's LSTM "
                        "computes TANH only)")
    for i in op.inputs[18:20]:
        t = imp.tensor(i)
        if not t.is_variable:
            raise imp.error("the hidden and cell state must be variable tensors (TFLM refuses "
                            "others)", i)
        reset = int(t.zero_points[0]) if t.dtype == "int8" and t.zero_points is not None else 0
        imp.consts[i] = np.full(t.shape, reset, dtype=t.dtype)
    props = {"time_major": int_attr(int(op.options.TimeMajor())),
             "cell_clip": FloatAttr(float(op.options.CellClip()), f64)}
    imp.emit(tq.UnidirectionalSequenceLstmOp, [imp.value(op.inputs[i]) for i in LSTM_OPERANDS],
             props)


def _slices(imp: Importer, op: OpInfo, axis: int, starts: list[int], sizes: list[int]) -> None:
    """One `tq.slice` per output: output k is the input from starts[k] for sizes[k] along `axis`.
    An output of lower rank (UNPACK drops the axis) is the slice, which keeps the rank, then a
    `tq.reshape`."""
    shape = imp.tensor(op.inputs[0]).shape
    for out, start, size in zip(op.outputs, starts, sizes):
        begin = [start if a == axis else 0 for a in range(len(shape))]
        end = [start + size if a == axis else d for a, d in enumerate(shape)]
        props = {"begin": ints(begin), "end": ints(end), "strides": ints([1] * len(shape))}
        if len(imp.tensor(out).shape) == len(shape):
            imp.emit(tq.SliceOp, [imp.value(op.inputs[0])], props, outputs=[out])
            continue
        kept = TensorType(tensor_type(imp.tensor(out)).element_type,
                          [size if a == axis else d for a, d in enumerate(shape)])
        part = tq.SliceOp.build(operands=[imp.value(op.inputs[0])], result_types=[kept],
                                properties={**props, "tfl_index": int_attr(op.index)})
        imp.block.add_op(part)
        imp.emit(tq.ReshapeOp, [part.output], outputs=[out])


@handles("SLICE")
def slice_(imp: Importer, op: OpInfo) -> None:
    """`reference_ops::Slice`: begin and size per axis, size −1 meaning to the end."""
    shape = imp.tensor(op.inputs[0]).shape
    begin = [int(v) for v in imp.const_data(op.inputs[1], "SLICE begin").reshape(-1)]
    size = [int(v) for v in imp.const_data(op.inputs[2], "SLICE size").reshape(-1)]
    if len(begin) != len(shape) or len(size) != len(shape):
        raise imp.error(f"begin {begin} and size {size} need one value per axis of {list(shape)}")
    end = [d if s == -1 else b + s for b, s, d in zip(begin, size, shape)]
    if any(b < 0 or e > d or e < b for b, e, d in zip(begin, end, shape)):
        raise imp.error(f"begin {begin} and size {size} are outside {list(shape)}")
    props = {"begin": ints(begin), "end": ints(end), "strides": ints([1] * len(shape))}
    imp.emit(tq.SliceOp, [imp.value(op.inputs[0])], props)


@handles("SPLIT_V")
def split_v(imp: Importer, op: OpInfo) -> None:
    """`reference_ops::Split` with the sizes of `size_splits` (one −1: the rest)."""
    shape = imp.tensor(op.inputs[0]).shape
    axis = _axis(int(imp.const_data(op.inputs[2], "SPLIT_V axis").reshape(-1)[0]), len(shape))
    sizes = [int(v) for v in imp.const_data(op.inputs[1], "SPLIT_V size_splits").reshape(-1)]
    if sizes.count(-1) == 1:
        sizes[sizes.index(-1)] = shape[axis] - (sum(sizes) + 1)
    if len(sizes) != len(op.outputs) or sum(sizes) != shape[axis] or min(sizes) < 0:
        raise imp.error(f"size_splits {sizes} do not split axis {axis} of {list(shape)} into "
                        f"{len(op.outputs)} outputs")
    _slices(imp, op, axis, [sum(sizes[:k]) for k in range(len(sizes))], sizes)


@handles("UNPACK")
def unpack(imp: Importer, op: OpInfo) -> None:
    """`reference_ops::Unpack`: output k is the input at index k of `axis`, the axis dropped."""
    shape = imp.tensor(op.inputs[0]).shape
    axis = _axis(int(_opt(op, "Axis", 0)), len(shape))  # type: ignore[arg-type]
    if not 0 <= axis < len(shape) or shape[axis] != len(op.outputs):
        raise imp.error(f"cannot unpack axis {axis} of {list(shape)} into {len(op.outputs)} outputs")
    _slices(imp, op, axis, list(range(len(op.outputs))), [1] * len(op.outputs))


@handles("REVERSE_V2")
def reverse_v2(imp: Importer, op: OpInfo) -> None:
    """`reference_ops::Reverse`: the listed axes reversed, a `tq.slice` with stride −1 on them
    (end −1: through index 0, as STRIDED_SLICE normalises it)."""
    shape = imp.tensor(op.inputs[0]).shape
    written = imp.const_data(op.inputs[1], "REVERSE_V2 axis").reshape(-1)
    axes = {_axis(int(a), len(shape)) for a in written}
    if not axes <= set(range(len(shape))):
        raise imp.error(f"axes {sorted(axes)} are outside the rank {len(shape)} input")
    if axes and max(axes) - min(axes) + 1 != len(axes):
        raise imp.error(f"non-contiguous axes {sorted(axes)} are not supported (TFLM and LiteRT "
                        "refuse them)")
    props = {"begin": ints([d - 1 if a in axes else 0 for a, d in enumerate(shape)]),
             "end": ints([-1 if a in axes else d for a, d in enumerate(shape)]),
             "strides": ints([-1 if a in axes else 1 for a in range(len(shape))])}
    imp.emit(tq.SliceOp, [imp.value(op.inputs[0])], props)


@handles("REDUCE_MAX", "REDUCE_MIN")
def reduce_max_min(imp: Importer, op: OpInfo) -> None:
    rank = len(imp.tensor(op.inputs[0]).shape)
    axes = imp.const_data(op.inputs[1], f"{op.opcode} axes").reshape(-1)
    norm = sorted({_axis(int(a), rank) for a in axes})
    cls = tq.ReduceMaxOp if op.opcode == "REDUCE_MAX" else tq.ReduceMinOp
    imp.emit(cls, [imp.value(op.inputs[0])], {"axes": ints(norm)})
