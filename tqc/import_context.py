"""What the .tflite import handlers share: the `Importer` that builds one model's `tq` ops,
the handler registry (`@handles("CONV_2D")`), and the tensor → IR type mapping.

The handlers live in `import_handlers.py`; `importer.py` is the entry point.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import tflite
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    BytesAttr,
    DenseIntOrFPElementsAttr,
    Float32Type,
    IntegerType,
    ModuleOp,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from tqc.dialects import tq, tq_shapes
from tqc.dialects.accessors import int_attr
from tqc.dialects.element import KINDS
from tqc.dialects.quant_type import QuantType
from tqc.errors import TqcError, at_op
from tqc.registry import Registry
from tqc.tflite_reader import ModelInfo, OpInfo, TensorInfo

# TFLite tensor type name ("int8", "uint8", "float32", "bool", ...) → IR element type.
STORAGE: dict[str, IntegerType | Float32Type] = {k.numpy: k.ir_type() for k in KINDS.values()}
ACTIVATIONS = {
    v: k for k, v in vars(tflite.ActivationFunctionType).items() if isinstance(v, int)
}
PADDINGS = {v: k for k, v in vars(tflite.Padding).items() if isinstance(v, int)}


def element_type(t: TensorInfo) -> Attribute:
    """The IR element type of a tensor: `!tq.q` when quantized, else the plain type."""
    storage = STORAGE[t.dtype]
    if not t.quantized or not isinstance(storage, IntegerType):
        return storage
    assert t.scales is not None and t.zero_points is not None
    if len(t.scales) == 1:
        return QuantType(storage, [t.scales[0]], [t.zero_points[0]])
    # TFLM accepts 1-D per-channel tensors whose quantized_dimension names a missing axis
    # (e.g. person_detect's biases carry 3): the only axis is meant.
    axis = t.quantized_dimension if t.quantized_dimension < len(t.shape) else 0
    return QuantType(storage, list(t.scales), list(t.zero_points), axis)


def tensor_type(t: TensorInfo) -> TensorType:
    return TensorType(element_type(t), t.shape)


def dense(t: TensorInfo, data: np.ndarray) -> DenseIntOrFPElementsAttr:
    storage = STORAGE[t.dtype]
    little = data.astype(np.dtype(t.dtype).newbyteorder("<"))
    return DenseIntOrFPElementsAttr(TensorType(storage, data.shape), BytesAttr(little.tobytes()))


def value_name(name: str) -> str:
    """A readable SSA name hint from a TFLite tensor name: the last two path components of its
    first ';'-separated part ('sequential/dense/MatMul;…' → 'dense_MatMul')."""
    parts = [p for p in name.split(";")[0].split(":")[0].split("/") if p]
    tail = "_".join(parts[-2:]) or "t"
    tail = re.sub(r"[^A-Za-z0-9_]", "_", tail)
    if re.fullmatch(r"_\d+", tail):  # xDSL would keep '' of it (it drops a `_N` suffix)
        return "t" + tail
    return tail if tail[0].isalpha() or tail[0] == "_" else "t" + tail


Handler = Callable[["Importer", OpInfo], list[SSAValue] | None]
HANDLERS: Registry[str, Handler] = Registry("import handlers")
handles = HANDLERS.register


class Importer:
    """Builds the IR for one model; `values` maps tensor index → SSA value."""

    def __init__(self, model: ModelInfo):
        self.model = model
        self.block = Block()
        self.values: dict[int, SSAValue] = {}
        self.consts: dict[int, np.ndarray] = {
            t.index: t.data for t in model.tensors if t.data is not None
        }
        self.op: OpInfo | None = None

    # -- helpers used by handlers --------------------------------------------------------

    def tensor(self, index: int) -> TensorInfo:
        return self.model.tensors[index]

    def error(self, message: str, tensor: int | None = None) -> TqcError:
        assert self.op is not None
        name = self.tensor(tensor).name if tensor is not None else None
        return at_op(self.op.index, self.op.opcode, message, name)

    def value(self, index: int) -> SSAValue:
        """The SSA value of a tensor, materialising constants on first use."""
        if index in self.values:
            return self.values[index]
        if index not in self.consts:
            raise self.error("input tensor is produced by no op and is not constant", index)
        t = self.tensor(index)
        data = self.consts[index].astype(t.dtype).reshape(t.shape)
        const = tq.ConstOp.build(
            properties={"value": dense(t, data)}, result_types=[tensor_type(t)]
        )
        const.output.name_hint = value_name(t.name)
        self.block.add_op(const)
        self.values[index] = const.output
        return const.output

    def const_data(self, index: int, what: str) -> np.ndarray:
        if index < 0 or index not in self.consts:
            raise self.error(f"{what} must be a constant tensor", index if index >= 0 else None)
        return self.consts[index]

    def emit(
        self,
        cls: type[tq.TqOp],
        operands: Sequence[SSAValue | None | Sequence[SSAValue]],
        properties: Mapping[str, Attribute] | None = None,
        outputs: list[int] | None = None,
    ) -> Operation:
        assert self.op is not None
        outs = self.op.outputs if outputs is None else outputs
        props = dict(properties or {})
        props["tfl_index"] = int_attr(self.op.index)
        op = cls.build(
            operands=operands,
            result_types=[[tensor_type(self.tensor(i)) for i in outs]]
            if cls is tq.SplitOp
            else [tensor_type(self.tensor(i)) for i in outs],
            properties=props,
        )
        for result, index in zip(op.results, outs):
            result.name_hint = value_name(self.tensor(index).name)
            self.values[index] = result
        self.block.add_op(op)
        problem = tq_shapes.mismatch(op)
        if problem is not None:
            raise self.error(problem, outs[0] if outs else None)
        return op

    def activation(self, options: object) -> dict[str, Attribute]:
        code = options.FusedActivationFunction()  # type: ignore[attr-defined]
        name = ACTIVATIONS.get(code, str(code))
        if name not in ("NONE", "RELU", "RELU6", "RELU_N1_TO_1"):
            raise self.error(f"unsupported fused activation {name}")
        return {"activation": StringAttr(name)}

    # -- driver ----------------------------------------------------------------------------

    def run(self) -> ModuleOp:
        m = self.model
        for i in m.inputs:
            t = self.tensor(i)
            arg = self.block.insert_arg(tensor_type(t), len(self.block.args))
            arg.name_hint = value_name(t.name)
            self.values[i] = arg
        for op in m.ops:
            self.op = op
            handler = HANDLERS.get(op.opcode)
            if handler is None:
                name = self.tensor(op.outputs[0]).name if op.outputs else None
                supported = ", ".join(sorted(HANDLERS.keys()))
                raise at_op(op.index, op.opcode, f"unsupported operator (supported: {supported})",
                            name)
            for t in op.outputs:
                dtype = self.tensor(t).dtype
                if dtype not in STORAGE:
                    raise self.error(f"unsupported tensor type {dtype}", t)
            handler(self, op)
        self.op = None
        results = []
        for i in m.outputs:
            if i not in self.values and i not in self.consts:
                raise TqcError(f"model output '{self.tensor(i).name}' is produced by no op")
            results.append(self.value(i))
        self.block.add_op(func.ReturnOp(*results))
        ftype = ([a.type for a in self.block.args], [r.type for r in results])
        main = func.FuncOp("main", ftype, Region(self.block))
        names = [StringAttr(self.tensor(i).name) for i in m.inputs]
        main.attributes["tfl.inputs"] = ArrayAttr(names)
        main.attributes["tfl.outputs"] = ArrayAttr([StringAttr(self.tensor(i).name) for i in m.outputs])
        module = ModuleOp([main])
        module.attributes["tfl.source"] = StringAttr(Path(m.path).name)
        return module
