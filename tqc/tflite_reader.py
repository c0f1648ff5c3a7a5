"""A typed, validated view of a .tflite flatbuffer (subgraph 0), built on the `tflite` package.

Everything the importer needs is read here once; a truncated or corrupt file raises TqcError
instead of an exception from deep inside the flatbuffer accessors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tflite

from tqc.errors import TqcError

TENSOR_DTYPES: dict[int, str] = {
    tflite.TensorType.FLOAT32: "float32",
    tflite.TensorType.INT32: "int32",
    tflite.TensorType.UINT8: "uint8",
    tflite.TensorType.INT64: "int64",
    tflite.TensorType.BOOL: "bool",
    tflite.TensorType.INT16: "int16",
    tflite.TensorType.INT8: "int8",
}

BUILTIN_NAMES: dict[int, str] = {
    value: name
    for name, value in vars(tflite.BuiltinOperator).items()
    if not name.startswith("_") and isinstance(value, int)
}


@dataclass
class TensorInfo:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    scales: np.ndarray | None = None  # float64 holding the float32 values
    zero_points: np.ndarray | None = None
    quantized_dimension: int = 0
    data: np.ndarray | None = None  # constant contents, shaped
    dynamic: bool = False  # shape_signature (or the stored shape) holds -1 somewhere
    is_variable: bool = False  # a variable tensor: state the runtime keeps across invocations (SVDF, LSTM)

    @property
    def quantized(self) -> bool:
        return self.scales is not None and len(self.scales) > 0

    @property
    def is_const(self) -> bool:
        return self.data is not None


@dataclass
class OpInfo:
    index: int
    opcode: str
    inputs: list[int]  # -1 = optional input absent
    outputs: list[int]
    options: Any = None  # the flatbuffer table of the op's BuiltinOptions, or None
    version: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ModelInfo:
    path: str
    tensors: list[TensorInfo]
    ops: list[OpInfo]
    inputs: list[int]
    outputs: list[int]


def _options(op: Any) -> Any:
    table = op.BuiltinOptions()
    if table is None:
        return None
    option_type = op.BuiltinOptionsType()
    names = {v: k for k, v in vars(tflite.BuiltinOptions).items() if isinstance(v, int)}
    cls = getattr(tflite, names.get(option_type, ""), None)
    if cls is None:
        return None
    options = cls()
    options.Init(table.Bytes, table.Pos)
    return options


def _tensor(model: Any, graph: Any, index: int) -> TensorInfo:
    t = graph.Tensors(index)
    name = (t.Name() or b"").decode("utf-8", "replace")
    dtype = TENSOR_DTYPES.get(t.Type())
    if dtype is None:
        raise TqcError(f"tensor #{index} '{name}': unsupported tensor type {t.Type()}")
    stored = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
    signature = tuple(int(d) for d in t.ShapeSignatureAsNumpy()) if t.ShapeSignatureLength() else ()
    # A dynamic dimension (-1) is a batch of 1 here; the importer resolves the dimensions that
    # depend on it (a RESHAPE to [batch, -1] stores a placeholder shape).
    shape = tuple(1 if d < 0 else d for d in stored)
    info = TensorInfo(index, name, shape, dtype, dynamic=min((*stored, *signature), default=0) < 0)
    info.is_variable = bool(t.IsVariable())
    q = t.Quantization()
    if q is not None and q.ScaleLength() > 0:
        info.scales = scales = q.ScaleAsNumpy().astype(np.float32).astype(np.float64)
        zps = q.ZeroPointAsNumpy() if q.ZeroPointLength() else np.zeros(1, np.int64)
        info.zero_points = zero_points = np.asarray(zps, dtype=np.int64)
        if len(zero_points) == 1 and len(scales) > 1:
            info.zero_points = np.repeat(zero_points, len(scales))
        info.quantized_dimension = int(q.QuantizedDimension())
    buffer = model.Buffers(t.Buffer())
    if buffer is not None and buffer.DataLength() > 0:
        raw = buffer.DataAsNumpy().tobytes()
        count = int(np.prod(shape)) if shape else 1
        array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
        if array.size != count:
            raise TqcError(
                f"tensor #{index} '{name}': buffer holds {array.size} values, shape "
                f"{list(shape)} needs {count}"
            )
        info.data = array.reshape(shape).astype(dtype)
    return info


def read_model(path: str | Path) -> ModelInfo:
    """Read and validate subgraph 0 of a .tflite file."""
    try:
        buf = Path(path).read_bytes()
    except OSError as e:
        raise TqcError(f"cannot read '{path}': {e.strerror}") from None
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise TqcError(f"'{path}' is not a .tflite file (no TFL3 identifier)")
    try:
        return _read(str(path), buf)
    except TqcError:
        raise
    except Exception as e:  # corrupt offsets surface as any exception type
        raise TqcError(f"'{path}' is truncated or corrupt ({type(e).__name__})") from None


def _read(path: str, buf: bytes) -> ModelInfo:
    model: Any = tflite.Model.GetRootAs(buf, 0)  # generated code: Optional / 0-or-array results
    if model.SubgraphsLength() < 1:
        raise TqcError(f"'{path}' has no subgraph")
    graph = model.Subgraphs(0)
    tensors = [_tensor(model, graph, i) for i in range(graph.TensorsLength())]
    ops: list[OpInfo] = []
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        builtin = max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode()))
        opcode = BUILTIN_NAMES.get(builtin, f"BUILTIN_{builtin}")
        if builtin == tflite.BuiltinOperator.CUSTOM:
            opcode = f"CUSTOM({(code.CustomCode() or b'').decode()})"
        inputs = [int(x) for x in op.InputsAsNumpy()] if op.InputsLength() else []
        outputs = [int(x) for x in op.OutputsAsNumpy()] if op.OutputsLength() else []
        for t in inputs + outputs:
            if t >= len(tensors):
                raise TqcError(f"op #{i} {opcode}: tensor index {t} out of range")
        ops.append(OpInfo(i, opcode, inputs, outputs, _options(op), int(code.Version())))
    g_inputs = [int(x) for x in graph.InputsAsNumpy()]
    g_outputs = [int(x) for x in graph.OutputsAsNumpy()]
    return ModelInfo(path, tensors, ops, g_inputs, g_outputs)
