"""Build small .tflite models programmatically (no TensorFlow), for tests.

Example::

    build_model([Tensor("x", (1, 4), "int8", 0.5, -3), Tensor("y", (1, 4), "int8", 0.25, 7)],
                [Op("RELU", ["x"], ["y"])], inputs=["x"], outputs=["y"])

Options are written generically through the ``tflite`` package's builder functions: an opcode maps
to its options table (``CONV_2D`` -> ``Conv2DOptions``, ``AVERAGE_POOL_2D`` -> ``Pool2DOptions``,
``MEAN`` -> ``ReducerOptions`` ...), option names are snake_case (``stride_w``, ``keep_dims``,
``new_shape``), enum values may be strings (``"SAME"``, ``"RELU6"``, ``"INT64"``) or ints. A few
defaults that the schema leaves at 0 but every converter writes are filled in (strides and dilations
1, softmax beta 1, depthwise depth_multiplier from the shapes). Buffer 0 is the empty sentinel;
every constant tensor gets its own 16-byte aligned buffer. Operator codes are version 1 unless
``Op.version`` says otherwise (TFLM ignores versions; LiteRT accepts version 1 for int8 kernels of the
ops tested here, see tests/test_tflite_writer.py).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Mapping, Sequence

import flatbuffers
import numpy as np

DTYPES: dict[str, tuple[int, type]] = {  # name -> (TensorType, numpy dtype)
    "float32": (0, np.float32), "int32": (2, np.int32), "uint8": (3, np.uint8), "int64": (4, np.int64),
    "bool": (6, np.bool_), "int16": (7, np.int16), "int8": (9, np.int8), "uint32": (15, np.uint32),
    "uint16": (16, np.uint16),
}


@dataclass
class Tensor:
    """A tensor; ``data`` makes it a constant. A list ``scale`` means per-channel quantization."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: float | Sequence[float] | None = None
    zero_point: int | Sequence[int] | None = None
    quantized_dimension: int = 0
    data: np.ndarray | None = None
    shape_signature: tuple[int, ...] | None = None  # -1 marks a dynamic dimension
    is_variable: bool = False  # state kept across invocations (SVDF's activation state, LSTM's h and c)


@dataclass
class Op:
    """An operator; ``""`` in ``inputs`` is an absent optional input (index -1)."""

    opcode: str
    inputs: Sequence[str]
    outputs: Sequence[str]
    options: Mapping[str, Any] = field(default_factory=dict)
    version: int = 1


_OPTIONS_OVERRIDE = {
    "AVERAGE_POOL_2D": "Pool2DOptions", "MAX_POOL_2D": "Pool2DOptions", "L2_POOL_2D": "Pool2DOptions",
    "MEAN": "ReducerOptions", "SUM": "ReducerOptions", "REDUCE_MAX": "ReducerOptions",
    "REDUCE_MIN": "ReducerOptions", "REDUCE_PROD": "ReducerOptions", "REDUCE_ANY": "ReducerOptions",
    "MAXIMUM": "MaximumMinimumOptions", "MINIMUM": "MaximumMinimumOptions",
    "UNIDIRECTIONAL_SEQUENCE_LSTM": "UnidirectionalSequenceLSTMOptions", "LSTM": "LSTMOptions",
    "L2_NORMALIZATION": "L2NormOptions",
}
_DEFAULTS: dict[str, dict[str, Any]] = {
    "CONV_2D": {"stride_w": 1, "stride_h": 1, "dilation_w_factor": 1, "dilation_h_factor": 1},
    "DEPTHWISE_CONV_2D": {"stride_w": 1, "stride_h": 1, "dilation_w_factor": 1, "dilation_h_factor": 1},
    "AVERAGE_POOL_2D": {"stride_w": 1, "stride_h": 1}, "MAX_POOL_2D": {"stride_w": 1, "stride_h": 1},
    "SOFTMAX": {"beta": 1.0}, "TRANSPOSE_CONV": {"stride_w": 1, "stride_h": 1},
}
_ENUMS = {  # option name -> enum class holding its string values
    "padding": "Padding", "fused_activation_function": "ActivationFunctionType",
    "output_type": "TensorType", "out_type": "TensorType", "in_data_type": "TensorType",
    "out_data_type": "TensorType", "quantized_bias_type": "TensorType",
    "weights_format": "FullyConnectedOptionsWeightsFormat", "mode": "MirrorPadMode",
    "combiner": "CombinerType", "type": "LSHProjectionType", "kernel_type": "LSTMKernelType",
}


def _mod(name: str) -> ModuleType:
    return importlib.import_module(f"tflite.{name}")


def _enum(cls: str) -> dict[str, int]:
    c = getattr(_mod(cls), cls)
    return {k: v for k, v in vars(c).items() if not k.startswith("_")}


_OPCODES = _enum("BuiltinOperator")
_UNION = _enum("BuiltinOptions")
_UNION_BY_KEY = {k.lower(): k for k in _UNION}


def options_table(opcode: str) -> str | None:
    """Name of the options table for ``opcode`` (None if the op has none)."""
    name = _OPTIONS_OVERRIDE.get(opcode) or _UNION_BY_KEY.get(opcode.replace("_", "").lower() + "options")
    return name if name in _UNION else None


def _camel(snake: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in snake.split("_"))


def _enum_value(key: str, v: Any) -> Any:
    if not isinstance(v, str):
        return v
    cls = _ENUMS.get(key)
    if cls is None:
        raise ValueError(f"option {key}: string value {v!r} for a non-enum option")
    vals = _enum(cls)
    if v.upper() not in vals:
        raise ValueError(f"option {key}: {v!r} is not one of {sorted(vals)}")
    return vals[v.upper()]


def _build_options(b: flatbuffers.Builder, op: Op, table: str, defaults: Mapping[str, Any]) -> int:
    m = _mod(table)
    opts = {**defaults, **op.options}
    vectors: dict[str, int] = {}
    adders: list[tuple[Callable[..., None], Any]] = []
    for key, v in opts.items():
        cam = _camel(key)
        add = getattr(m, f"{table}Add{cam}", None)
        if add is None:
            raise ValueError(f"{op.opcode}: {table} has no option {key!r}")
        if hasattr(m, f"{table}Start{cam}Vector"):  # vector options (new_shape, squeeze_dims): int32
            vals = [int(x) for x in v]
            b.StartVector(4, len(vals), 4)
            for x in reversed(vals):
                b.PrependInt32(x)
            vectors[key] = b.EndVector()
            adders.append((add, vectors[key]))
        else:
            v = _enum_value(key, v)
            adders.append((add, bool(v) if isinstance(v, (bool, np.bool_)) else v))
    getattr(m, f"{table}Start")(b)
    for add, v in adders:
        add(b, v)
    return int(getattr(m, f"{table}End")(b))


def _ivec(b: flatbuffers.Builder, xs: Sequence[int], size: int = 4) -> int:
    b.StartVector(size, len(xs), size)
    for x in reversed(list(xs)):
        (b.PrependInt32 if size == 4 else b.PrependInt64)(int(x))
    return int(b.EndVector())


def _fvec(b: flatbuffers.Builder, xs: Sequence[float]) -> int:
    b.StartVector(4, len(xs), 4)
    for x in reversed(list(xs)):
        b.PrependFloat32(float(x))
    return int(b.EndVector())


def _offvec(b: flatbuffers.Builder, offs: Sequence[int]) -> int:
    b.StartVector(4, len(offs), 4)
    for o in reversed(list(offs)):
        b.PrependUOffsetTRelative(o)
    return int(b.EndVector())


def _bytes_vec(b: flatbuffers.Builder, data: bytes) -> int:
    b.StartVector(1, len(data), 16)  # 16-byte alignment for constant data
    b.head = b.head - len(data)
    b.Bytes[b.head:b.head + len(data)] = data
    return int(b.EndVector())


def _tensor_bytes(t: Tensor) -> bytes:
    assert t.data is not None
    a = np.asarray(t.data)
    if a.size != int(np.prod(t.shape, dtype=np.int64)):
        raise ValueError(f"tensor {t.name}: data has {a.size} elements, shape {t.shape}")
    npd = np.dtype(DTYPES[t.dtype][1]).newbyteorder("<")
    if a.dtype.kind in "iub" and npd.kind in "iu" and a.size and (
            a.min() < np.iinfo(npd).min or a.max() > np.iinfo(npd).max):
        raise ValueError(f"tensor {t.name}: data out of range for {t.dtype}")
    return np.ascontiguousarray(a.astype(npd)).tobytes()


def _default_depth_multiplier(op: Op, shapes: Mapping[str, tuple[int, ...]]) -> dict[str, Any]:
    if op.opcode != "DEPTHWISE_CONV_2D" or len(op.inputs) < 2 or not op.inputs[1]:
        return {}
    cin, cout = shapes[op.inputs[0]][-1], shapes[op.inputs[1]][-1]
    return {"depth_multiplier": max(1, cout // max(1, cin))}


def build_model(tensors: Sequence[Tensor], ops: Sequence[Op], inputs: Sequence[str],
                outputs: Sequence[str], description: str = "tqc.tflite_writer") -> bytes:
    """Serialize a single-subgraph model and return the .tflite flatbuffer bytes."""
    idx = {t.name: i for i, t in enumerate(tensors)}
    if len(idx) != len(tensors):
        raise ValueError("duplicate tensor names")
    shapes = {t.name: tuple(t.shape) for t in tensors}
    for t in tensors:
        if t.dtype not in DTYPES:
            raise ValueError(f"tensor {t.name}: unsupported dtype {t.dtype}")

    def ref(name: str) -> int:
        if name == "":
            return -1
        if name not in idx:
            raise ValueError(f"unknown tensor {name!r}")
        return idx[name]

    b = flatbuffers.Builder(1024)
    Mt, Ms, Mb, Mq = _mod("Tensor"), _mod("SubGraph"), _mod("Buffer"), _mod("QuantizationParameters")
    Mo, Mc, Mm = _mod("Operator"), _mod("OperatorCode"), _mod("Model")

    # buffers: 0 = empty sentinel, then one per constant tensor
    buf_of: dict[str, int] = {}
    buf_offs: list[int] = []
    Mb.BufferStart(b)
    buf_offs.append(Mb.BufferEnd(b))
    for t in tensors:
        if t.data is not None:
            dv = _bytes_vec(b, _tensor_bytes(t))
            Mb.BufferStart(b)
            Mb.BufferAddData(b, dv)
            buf_of[t.name] = len(buf_offs)
            buf_offs.append(Mb.BufferEnd(b))

    t_offs = []
    for t in tensors:
        name = b.CreateString(t.name)
        shape = _ivec(b, t.shape)
        signature = _ivec(b, t.shape_signature) if t.shape_signature is not None else None
        q = None
        if t.scale is not None or t.zero_point is not None:
            sc = list(np.atleast_1d(np.asarray(t.scale if t.scale is not None else 1.0, np.float64)))
            zp = list(np.atleast_1d(np.asarray(t.zero_point if t.zero_point is not None else 0, np.int64)))
            if len(zp) == 1 and len(sc) > 1:
                zp = zp * len(sc)
            sv, zv = _fvec(b, sc), _ivec(b, zp, 8)
            Mq.QuantizationParametersStart(b)
            Mq.QuantizationParametersAddScale(b, sv)
            Mq.QuantizationParametersAddZeroPoint(b, zv)
            Mq.QuantizationParametersAddQuantizedDimension(b, t.quantized_dimension)
            q = Mq.QuantizationParametersEnd(b)
        Mt.TensorStart(b)
        Mt.TensorAddShape(b, shape)
        if signature is not None:
            Mt.TensorAddShapeSignature(b, signature)
        Mt.TensorAddType(b, DTYPES[t.dtype][0])
        Mt.TensorAddBuffer(b, buf_of.get(t.name, 0))
        Mt.TensorAddName(b, name)
        if q is not None:
            Mt.TensorAddQuantization(b, q)
        if t.is_variable:
            Mt.TensorAddIsVariable(b, True)
        t_offs.append(Mt.TensorEnd(b))

    codes: list[tuple[int, int]] = []
    op_offs = []
    for op in ops:
        if op.opcode not in _OPCODES:
            raise ValueError(f"unknown opcode {op.opcode!r}")
        key = (_OPCODES[op.opcode], op.version)
        if key not in codes:
            codes.append(key)
        table = options_table(op.opcode)
        if table is None and op.options:
            raise ValueError(f"{op.opcode} takes no options")
        oo = None
        if table is not None:
            defaults = {**_DEFAULTS.get(op.opcode, {}), **_default_depth_multiplier(op, shapes)}
            oo = _build_options(b, op, table, defaults)
        iv = _ivec(b, [ref(n) for n in op.inputs])
        ov = _ivec(b, [ref(n) for n in op.outputs])
        Mo.OperatorStart(b)
        Mo.OperatorAddOpcodeIndex(b, codes.index(key))
        Mo.OperatorAddInputs(b, iv)
        Mo.OperatorAddOutputs(b, ov)
        if oo is not None:
            Mo.OperatorAddBuiltinOptionsType(b, _UNION[table])  # type: ignore[index]
            Mo.OperatorAddBuiltinOptions(b, oo)
        op_offs.append(Mo.OperatorEnd(b))

    tv, ov_, iv_ = _offvec(b, t_offs), _offvec(b, op_offs), _ivec(b, [ref(n) for n in inputs])
    outv = _ivec(b, [ref(n) for n in outputs])
    sg_name = b.CreateString("main")
    Ms.SubGraphStart(b)
    Ms.SubGraphAddTensors(b, tv)
    Ms.SubGraphAddInputs(b, iv_)
    Ms.SubGraphAddOutputs(b, outv)
    Ms.SubGraphAddOperators(b, ov_)
    Ms.SubGraphAddName(b, sg_name)
    sg = Ms.SubGraphEnd(b)

    code_offs = []
    for code, version in codes:
        Mc.OperatorCodeStart(b)
        Mc.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
        Mc.OperatorCodeAddBuiltinCode(b, code)
        Mc.OperatorCodeAddVersion(b, version)
        code_offs.append(Mc.OperatorCodeEnd(b))
    cv, sv_, bv = _offvec(b, code_offs), _offvec(b, [sg]), _offvec(b, buf_offs)
    desc = b.CreateString(description)
    Mm.ModelStart(b)
    Mm.ModelAddVersion(b, 3)
    Mm.ModelAddOperatorCodes(b, cv)
    Mm.ModelAddSubgraphs(b, sv_)
    Mm.ModelAddDescription(b, desc)
    Mm.ModelAddBuffers(b, bv)
    b.Finish(Mm.ModelEnd(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def write_model(path: str | Path, tensors: Sequence[Tensor], ops: Sequence[Op], inputs: Sequence[str],
                outputs: Sequence[str]) -> None:
    """:func:`build_model` and write the bytes to ``path``."""
    Path(path).write_bytes(build_model(tensors, ops, inputs, outputs))
