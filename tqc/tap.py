"""A copy of a .tflite model whose every layer output is also a graph output (`tqc verify`).

Both tqc and the reference runtime then run the same tapped model, so each layer's tensor can be
compared: TFLM keeps no intermediate tensors, but it returns graph outputs. The original outputs
keep their positions; the taps follow in operator order. Only the main subgraph is tapped;
variable tensors (state) and constants are not. Uses the flatbuffer object API that ships with
LiteRT (`ai_edge_litert.schema_py_generated`), the reference runtime `tqc verify` needs anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqc.errors import TqcError


@dataclass(frozen=True)
class Tap:
    """One output of the tapped model: the tensor of operator `op_index`."""

    position: int  # index among the tapped model's outputs
    tensor: str
    op_index: int
    opcode: str
    original_output: bool  # one of the model's own outputs


def _schema() -> Any:
    try:
        from ai_edge_litert import schema_py_generated
    except ImportError:
        raise TqcError("tqc verify needs the reference runtimes (pip install 'tqc[test]': "
                       "ai-edge-litert, tflite-micro)") from None
    return schema_py_generated


def _opcode_names(schema: Any) -> dict[int, str]:
    ops = schema.BuiltinOperator
    return {v: k for k, v in vars(ops).items() if isinstance(v, int) and not k.startswith("_")}


def tap_model(src: str | Path, dst: str | Path) -> list[Tap]:
    """Write the tapped copy of `src` to `dst`; returns its outputs in order."""
    import flatbuffers

    schema = _schema()
    buf = Path(src).read_bytes()
    model = schema.ModelT.InitFromPackedBuf(buf, 0)
    graph = model.subgraphs[0]
    names = _opcode_names(schema)

    def opcode(op: Any) -> str:
        code = model.operatorCodes[op.opcodeIndex]
        return names.get(max(code.builtinCode, code.deprecatedBuiltinCode), "CUSTOM")

    def tensor_name(t: int) -> str:
        name = graph.tensors[t].name
        return name.decode() if isinstance(name, bytes) else str(name)

    outputs = [int(t) for t in (graph.outputs if graph.outputs is not None else [])]
    producer = {int(t): (k, opcode(op)) for k, op in enumerate(graph.operators or [])
                for t in (op.outputs if op.outputs is not None else []) if t >= 0}
    taps = [Tap(i, tensor_name(t), *producer.get(t, (-1, "INPUT")), original_output=True)
            for i, t in enumerate(outputs)]
    for k, op in enumerate(graph.operators or []):
        for t in (op.outputs if op.outputs is not None else []):
            t = int(t)
            if t < 0 or t in outputs or graph.tensors[t].isVariable:
                continue
            outputs.append(t)
            taps.append(Tap(len(outputs) - 1, tensor_name(t), k, opcode(op), False))
    graph.outputs = outputs
    builder = flatbuffers.Builder(len(buf) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    Path(dst).write_bytes(bytes(builder.Output()))
    return taps
