"""A typed, validated view of a .tflite flatbuffer (subgraph 0), built on the `tflite` package.

Everything the importer needs is read here once, options tables included (`tflite_options`); a
truncated or corrupt file raises one TqcError naming the part being read (tensor, op, buffer)
instead of an exception from deep inside the flatbuffer accessors. Indices are checked before
they are followed (the generated accessors do no bounds checks: an index past a vector reads
whatever bytes lie there). What the values mean (quantization, shapes, the graph) is checked by
`tflite_check`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tflite

from tqc.errors import TqcError
from tqc.tflite_options import read_options

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
    options: Any = None  # OptionValues (the BuiltinOptions, read eagerly) or None; Any: handlers call getters
    version: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ModelInfo:
    path: str
    tensors: list[TensorInfo]
    ops: list[OpInfo]
    inputs: list[int]
    outputs: list[int]


TYPE_NAMES: dict[int, str] = {
    v: k for k, v in vars(tflite.TensorType).items() if isinstance(v, int)
}


def printable(name: str, limit: int = 200) -> str:
    """A tensor name fit for a one-line message: control characters and undecodable bytes as
    '?', at most `limit` characters (a damaged file can name a tensor with any bytes)."""
    clean = "".join(c if c.isprintable() and c != "\ufffd" else "?" for c in name)
    return clean if len(clean) <= limit else clean[:limit] + "…"


class Location:
    """The part of the file being read, for the message when the file turns out corrupt."""

    def __init__(self) -> None:
        self.where = "the model header"


def _tensor(model: Any, graph: Any, index: int, buf: bytes) -> TensorInfo:
    t = graph.Tensors(index)
    name = printable((t.Name() or b"").decode("utf-8", "replace"))
    dtype = TENSOR_DTYPES.get(t.Type())
    if dtype is None:
        type_name = TYPE_NAMES.get(t.Type(), str(t.Type()))
        raise TqcError(f"tensor #{index} '{name}': unsupported tensor type {type_name} "
                       f"(supported: {', '.join(TENSOR_DTYPES.values())})")
    stored = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
    signature = tuple(int(d) for d in t.ShapeSignatureAsNumpy()) if t.ShapeSignatureLength() else ()
    # A dynamic dimension (-1) is a batch of 1 here; the importer resolves the dimensions that
    # depend on it (a RESHAPE to [batch, -1] stores a placeholder shape).
    shape = tuple(1 if d < 0 else d for d in stored)
    info = TensorInfo(index, name, shape, dtype, dynamic=min((*stored, *signature), default=0) < 0)
    info.is_variable = bool(t.IsVariable())
    q = t.Quantization()
    if q is not None and q.ScaleLength() > 0:
        with np.errstate(invalid="ignore"):  # a signalling NaN raises "invalid" when widened;
            # NaN scales are refused by tflite_check with the tensor's name
            info.scales = scales = q.ScaleAsNumpy().astype(np.float32).astype(np.float64)
        zps = q.ZeroPointAsNumpy() if q.ZeroPointLength() else np.zeros(1, np.int64)
        info.zero_points = zero_points = np.asarray(zps, dtype=np.int64)
        if len(zero_points) == 1 and len(scales) > 1:
            info.zero_points = np.repeat(zero_points, len(scales))
        info.quantized_dimension = int(q.QuantizedDimension())
    for d in stored:  # 0 is legal (an empty intermediate of the LSTM)
        if d < -1:
            raise TqcError(f"tensor #{index} '{name}': dimension {d} in shape {list(stored)}")
    if t.Buffer() >= model.BuffersLength():
        raise TqcError(f"tensor #{index} '{name}': buffer index {t.Buffer()} out of range "
                       f"(the file has {model.BuffersLength()} buffers)")
    raw = _buffer_bytes(model.Buffers(t.Buffer()), buf)
    if raw:
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        itemsize = np.dtype(dtype).itemsize
        if len(raw) != count * itemsize:
            raise TqcError(
                f"tensor #{index} '{name}': buffer {t.Buffer()} holds {len(raw)} bytes, shape "
                f"{list(shape)} of {dtype} needs {count * itemsize}"
            )
        array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
        info.data = array.reshape(shape).astype(dtype)
    return info


def _buffer_bytes(buffer: Any, buf: bytes) -> bytes:
    """A buffer's contents: inline data, or (files over 2 GB) `offset`/`size` into the file."""
    if buffer is None:
        return b""
    if buffer.DataLength() > 0:
        return buffer.DataAsNumpy().tobytes()
    offset, size = int(buffer.Offset()), int(buffer.Size())
    if offset <= 1 or size == 0:
        return b""
    if offset + size > len(buf):
        raise TqcError(f"buffer data at bytes {offset}..{offset + size} lies past the end of "
                       f"the file ({len(buf)} bytes)")
    return buf[offset:offset + size]


def read_model(path: str | Path) -> ModelInfo:
    """Read and validate subgraph 0 of a .tflite file."""
    try:
        buf = Path(path).read_bytes()
    except OSError as e:
        raise TqcError(f"cannot read '{path}': {e.strerror}") from None
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise TqcError(f"'{path}' is not a .tflite file (no TFL3 identifier)")
    at = Location()
    try:
        return _read(str(path), buf, at)
    except TqcError:
        raise
    except Exception as e:  # noqa: BLE001  (corrupt offsets surface as any exception type)
        raise TqcError(f"'{path}' is truncated or corrupt: reading {at.where}: "
                       f"{_corruption(e, len(buf))}") from None


def _corruption(e: Exception, size: int) -> str:
    """What a flatbuffer accessor's exception says about the file, in the file's terms."""
    text = str(e)
    if "unpack_from requires a buffer" in text and "at offset" in text:
        offset = text.split("at offset")[1].split()[0]
        return f"an offset points to byte {offset}, past the end of the file ({size} bytes)"
    if isinstance(e, UnicodeDecodeError):
        return "a string is not UTF-8"
    first = text.splitlines()[0] if text else ""
    return f"a table or vector is malformed ({type(e).__name__}: {first[:80]})"


def _indices(vector: Any, length: int) -> list[int]:
    """An int32 index vector (`op.InputsAsNumpy()`, ...) as a list; absent = empty."""
    return [int(x) for x in vector()] if length else []


def _read(path: str, buf: bytes, at: Location) -> ModelInfo:
    model: Any = tflite.Model.GetRootAs(buf, 0)  # generated code: Optional / 0-or-array results
    if model.SubgraphsLength() < 1:
        raise TqcError(f"'{path}' has no subgraph")
    at.where = "subgraph 0"
    graph = model.Subgraphs(0)
    tensors = []
    for i in range(graph.TensorsLength()):
        at.where = f"tensor #{i}"
        tensors.append(_tensor(model, graph, i, buf))
    ops: list[OpInfo] = []
    for i in range(graph.OperatorsLength()):
        at.where = f"op #{i}"
        ops.append(_op(model, graph.Operators(i), i, len(tensors), at))
    at.where = "the subgraph's inputs and outputs"
    g_inputs = _indices(graph.InputsAsNumpy, graph.InputsLength())
    g_outputs = _indices(graph.OutputsAsNumpy, graph.OutputsLength())
    for what, indices in (("input", g_inputs), ("output", g_outputs)):
        for t in indices:
            if not 0 <= t < len(tensors):
                raise TqcError(f"graph {what} tensor index {t} out of range "
                               f"(the subgraph has {len(tensors)} tensors)")
    return ModelInfo(path, tensors, ops, g_inputs, g_outputs)


def _op(model: Any, op: Any, i: int, tensor_count: int, at: Location) -> OpInfo:
    if op.OpcodeIndex() >= model.OperatorCodesLength():
        raise TqcError(f"op #{i}: opcode index {op.OpcodeIndex()} out of range "
                       f"(the file has {model.OperatorCodesLength()} operator codes)")
    code = model.OperatorCodes(op.OpcodeIndex())
    builtin = max(int(code.BuiltinCode()), int(code.DeprecatedBuiltinCode()))
    opcode = BUILTIN_NAMES.get(builtin, f"BUILTIN_{builtin}")
    if builtin == tflite.BuiltinOperator.CUSTOM:
        opcode = f"CUSTOM({printable((code.CustomCode() or b'').decode('utf-8', 'replace'), 60)})"
    at.where = f"op #{i} {opcode}"
    inputs = _indices(op.InputsAsNumpy, op.InputsLength())
    outputs = _indices(op.OutputsAsNumpy, op.OutputsLength())
    for t in inputs + outputs:
        if not -1 <= t < tensor_count or (t == -1 and t in outputs):
            raise TqcError(f"op #{i} {opcode}: tensor index {t} out of range "
                           f"(the subgraph has {tensor_count} tensors)")
    at.where = f"the options of op #{i} {opcode}"
    return OpInfo(i, opcode, inputs, outputs, read_options(op), int(code.Version()))
