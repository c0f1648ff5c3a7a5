"""What a .tflite model's values must mean before the importer builds IR from them.

`tflite_reader` guarantees the file parses and every index points inside its vector; this module
checks the meaning, so that a hostile or damaged model is refused with one line naming the tensor
or op instead of failing somewhere in the lowering:

- quantization: scales finite and > 0, zero points inside the storage type, as many zero points
  as scales, a per-channel axis inside the shape whose length is the channel count, and every
  int8 / uint8 / int16 tensor quantized (TFLM's kernels read a scale from each);
- operand and result counts of the ops tqc imports (`ARITY`), the ranks their kernels need
  (`RANKS`), options tables of the op's kind;
- the graph: each tensor written by at most one op and never a graph input or a constant, ops in
  an order where every operand exists when it is read (a cycle cannot be ordered), every operand a
  graph input, a constant, a variable (SVDF / LSTM state) or an earlier op's output, every graph
  output produced, at least one graph output.

Per-op shape rules are the `tq` ops' verifiers (the importer reports the first failing op).
"""

from __future__ import annotations

import math

from tqc.errors import TqcError
from tqc.tflite_reader import ModelInfo, TensorInfo

INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767),
    "int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1),
}
NEEDS_QUANTIZATION = ("int8", "uint8", "int16")


def check_model(model: ModelInfo) -> None:
    """Raise TqcError at the first tensor or op whose values make no sense."""
    for t in model.tensors:
        check_quantization(t)
    check_arity(model)
    check_ranks_and_options(model)
    check_graph(model)


def _where(t: TensorInfo) -> str:
    return f"tensor #{t.index} '{t.name}'"


def check_quantization(t: TensorInfo) -> None:
    if not t.quantized:
        if t.dtype in NEEDS_QUANTIZATION:
            raise TqcError(f"{_where(t)}: {t.dtype} tensor without quantization parameters "
                           "(scale, zero point)")
        return
    assert t.scales is not None and t.zero_points is not None
    if t.dtype not in INTEGER_RANGES:
        return  # quantization on a float or bool tensor is ignored, as TFLite does
    for s in t.scales:
        if not (math.isfinite(s) and s > 0):
            raise TqcError(f"{_where(t)}: scale {s} (must be finite and > 0)")
    lo, hi = INTEGER_RANGES[t.dtype]
    for zp in t.zero_points:
        if not lo <= zp <= hi:
            raise TqcError(f"{_where(t)}: zero point {zp} outside {t.dtype} [{lo}, {hi}]")
    if len(t.zero_points) != len(t.scales):
        raise TqcError(f"{_where(t)}: {len(t.scales)} scales but {len(t.zero_points)} zero points")
    if len(t.scales) == 1:
        return
    axis = t.quantized_dimension
    if len(t.shape) == 1 and axis > 0:
        axis = 0  # TFLM reads 1-D per-channel biases with any axis as their only one
    if not 0 <= axis < len(t.shape):
        raise TqcError(f"{_where(t)}: per-channel axis {t.quantized_dimension} outside shape "
                       f"{list(t.shape)}")
    if t.shape[axis] != len(t.scales):
        raise TqcError(f"{_where(t)}: {len(t.scales)} per-channel scales for {t.shape[axis]} "
                       f"channels (axis {axis} of shape {list(t.shape)})")


def check_graph(model: ModelInfo) -> None:
    tensors = model.tensors
    producer: dict[int, int] = {}
    for op in model.ops:
        for t in op.outputs:
            where = f"op #{op.index} {op.opcode}, tensor '{tensors[t].name}'"
            if t in producer:
                raise TqcError(f"{where}: also written by op #{producer[t]}")
            if t in model.inputs:
                raise TqcError(f"{where}: writes a graph input")
            if tensors[t].is_const:
                raise TqcError(f"{where}: writes a constant tensor")
            producer[t] = op.index
    available = set(model.inputs)
    available.update(t.index for t in tensors if t.is_const or t.is_variable)
    for op in model.ops:
        for t in op.inputs:
            if t < 0 or t in available:
                continue
            where = f"op #{op.index} {op.opcode}, tensor '{tensors[t].name}'"
            if t in producer:
                later = producer[t]
                what = "itself (a cycle)" if later == op.index else f"the later op #{later}"
                raise TqcError(f"{where}: reads a tensor written by {what}")
            if op.opcode in OPTIONAL_INSIDE:
                continue  # its handler names a state operand that is not a variable tensor
            raise TqcError(f"{where}: reads a tensor that no op writes and that is neither a "
                           "constant nor a graph input")
        available.update(op.outputs)
    if not model.outputs:
        raise TqcError("the model has no outputs")
    for t in model.outputs:
        if t not in available:
            raise TqcError(f"graph output tensor #{t} '{tensors[t].name}' is written by no op")


MANY = 1 << 30
# (fewest inputs, most inputs, fewest outputs, most outputs) of every builtin tqc imports (a
# test keeps this in step with the import handlers), from the TFLite schema and TFLM's / LiteRT's
# Prepare functions. The first `fewest inputs` must be present
# (index >= 0), except for LSTM and SVDF, whose handlers check their optional operands.
ARITY: dict[str, tuple[int, int, int, int]] = {
    **{op: (2, 2, 1, 1) for op in ("ADD", "SUB", "MUL", "DIV", "FLOOR_DIV", "FLOOR_MOD",
                                   "SQUARED_DIFFERENCE", "MAXIMUM", "MINIMUM", "PRELU",
                                   "ARG_MAX", "ARG_MIN", "EQUAL", "NOT_EQUAL", "LESS",
                                   "LESS_EQUAL", "GREATER", "GREATER_EQUAL", "LOGICAL_AND",
                                   "LOGICAL_OR", "BATCH_MATMUL", "BROADCAST_TO", "CUMSUM",
                                   "EXPAND_DIMS", "FILL", "GATHER", "GATHER_ND",
                                   "EMBEDDING_LOOKUP", "MEAN", "SUM", "REDUCE_MAX", "REDUCE_MIN",
                                   "MIRROR_PAD", "PAD", "REVERSE_V2", "TRANSPOSE",
                                   "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR")},
    **{op: (1, 1, 1, 1) for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D", "DEPTH_TO_SPACE",
                                   "SPACE_TO_DEPTH", "DEQUANTIZE", "QUANTIZE", "CAST",
                                   "HARD_SWISH", "LEAKY_RELU", "LOGISTIC", "RELU", "RELU6",
                                   "RELU_N1_TO_1", "TANH", "ELU", "ABS", "NEG", "EXP", "LOG",
                                   "RSQRT", "LOGICAL_NOT", "ZEROS_LIKE", "SHAPE", "SOFTMAX",
                                   "LOG_SOFTMAX", "L2_NORMALIZATION", "SQUEEZE")},
    **{op: (3, 3, 1, 1) for op in ("BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "SELECT",
                                   "SELECT_V2", "SLICE", "DYNAMIC_UPDATE_SLICE")},
    "CONCATENATION": (1, MANY, 1, 1), "PACK": (1, MANY, 1, 1), "ADD_N": (2, MANY, 1, 1),
    "CONV_2D": (2, 3, 1, 1), "DEPTHWISE_CONV_2D": (2, 3, 1, 1), "FULLY_CONNECTED": (2, 3, 1, 1),
    "PADV2": (2, 3, 1, 1), "RESHAPE": (1, 2, 1, 1), "SPLIT": (2, 2, 1, MANY),
    "SPLIT_V": (3, 3, 1, MANY), "UNPACK": (1, 1, 1, MANY),
    "STRIDED_SLICE": (4, 4, 1, 1), "TRANSPOSE_CONV": (3, 4, 1, 1),
    "SVDF": (1, 5, 1, 1), "UNIDIRECTIONAL_SEQUENCE_LSTM": (1, 24, 1, 1),
}
OPTIONAL_INSIDE = ("SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM")


def check_arity(model: ModelInfo) -> None:
    """Operand and result counts of the ops tqc imports (others are refused by the importer)."""
    for op in model.ops:
        if op.opcode not in ARITY:
            continue
        lo, hi, out_lo, out_hi = ARITY[op.opcode]
        where = f"op #{op.index} {op.opcode}"
        if not lo <= len(op.inputs) <= hi:
            raise TqcError(f"{where}: {len(op.inputs)} inputs (needs {_count(lo, hi)})")
        if not out_lo <= len(op.outputs) <= out_hi:
            raise TqcError(f"{where}: {len(op.outputs)} outputs (needs {_count(out_lo, out_hi)})")
        required = op.inputs[:1] if op.opcode in OPTIONAL_INSIDE else op.inputs[:lo]
        if any(i < 0 for i in required):
            raise TqcError(f"{where}: required input {required.index(-1)} is absent (-1)")


def _count(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"at least {lo}" if hi == MANY else f"{lo} to {hi}"


# Ranks the kernels require: (operand slot or "out") -> allowed ranks. TFLM's Prepare functions
# check the same (e.g. conv: input, filter and output 4-D, bias 1-D).
RANKS: dict[str, dict[int | str, tuple[int, ...]]] = {
    **{op: {0: (4,), 1: (4,), 2: (1,), "out": (4,)} for op in ("CONV_2D", "DEPTHWISE_CONV_2D")},
    "TRANSPOSE_CONV": {0: (1,), 1: (4,), 2: (4,), 3: (1,), "out": (4,)},
    "FULLY_CONNECTED": {1: (2,), 2: (1,)},
    **{op: {0: (4,), "out": (4,)} for op in ("AVERAGE_POOL_2D", "MAX_POOL_2D", "DEPTH_TO_SPACE",
                                             "SPACE_TO_DEPTH")},
    **{op: {0: (4,), 1: (1,), "out": (4,)} for op in ("RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR")},
    "CONCATENATION": {0: tuple(range(1, 7)), "out": tuple(range(1, 7))},
}
# The options table an op's handler reads unconditionally (others fall back to defaults).
REQUIRED_OPTIONS = ("CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV", "AVERAGE_POOL_2D",
                    "MAX_POOL_2D", "STRIDED_SLICE", "SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM",
                    "LEAKY_RELU", "DEPTH_TO_SPACE", "SPACE_TO_DEPTH")


def check_ranks_and_options(model: ModelInfo) -> None:
    """Operand ranks the kernels require (`RANKS`) and options tables of the right kind."""
    from tqc.tflite_writer import options_table

    for op in model.ops:
        where = f"op #{op.index} {op.opcode}"
        expected = options_table(op.opcode) if op.opcode in ARITY else None
        if op.options is not None and expected is not None and op.options.table != expected:
            raise TqcError(f"{where}: options table {op.options.table}, expected {expected}")
        if op.options is None and op.opcode in REQUIRED_OPTIONS:
            raise TqcError(f"{where}: options table {expected} is missing")
        for slot, ranks in RANKS.get(op.opcode, {}).items():
            indices = op.outputs[:1] if isinstance(slot, str) else op.inputs[slot:slot + 1]
            for t in (model.tensors[i] for i in indices if i >= 0):
                if len(t.shape) not in ranks:
                    wanted = " or ".join(map(str, ranks)) if len(ranks) < 3 else f"{ranks[0]}..{ranks[-1]}"
                    raise TqcError(f"{where}, tensor '{t.name}': rank {len(t.shape)} "
                                   f"(shape {list(t.shape)}), needs rank {wanted}")
