"""The comment above each layer function: the TFLite operator with its scales and zero points
(the `tqc.layer` notes that lower-requantize leaves in the IR), the layer's tqi ops with their
parameters, and the effective requantize multiplier M = m · 2^(shift − 31) (S_in·S_w/S_out for
a conv or fully-connected layer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
)
from xdsl.ir import Operation

from tqc.backends.c.arena import element
from tqc.backends.c.schedule import Layer, dims
from tqc.dialects import tqi

if TYPE_CHECKING:
    from tqc.backends.c.printer import CPrinter

TYPE_NAMES = {"i8": "int8", "ui8": "uint8", "i16": "int16", "i32": "int32", "i64": "int64",
              "f32": "float32"}


def _values(attr: object) -> list[int]:
    from tqc.backends.c.printer import values

    return values(attr)


def _list(vals: list[int]) -> str:
    if len(vals) == 1:
        return str(vals[0])
    if len(vals) <= 6:
        return "[" + ", ".join(map(str, vals)) + "]"
    if len(set(vals)) == 1:
        return f"[{len(vals)} x {vals[0]}]"
    return f"[{len(vals)} values, {min(vals)}..{max(vals)}]"


def _prop(value: object) -> str:
    if isinstance(value, DenseArrayBase):
        return _list(_values(value))
    if isinstance(value, IntegerAttr):
        return str(value.value.data)
    if isinstance(value, FloatAttr):
        return repr(value.value.data)
    if isinstance(value, DenseIntOrFPElementsAttr):
        return f"<{'x'.join(map(str, value.get_shape()))} table>"
    return str(value)


def _type(v: object) -> str:
    shape = "x".join(map(str, dims(v)))  # type: ignore[arg-type]
    return f"{TYPE_NAMES.get(element(v), element(v))}[{shape}]"  # type: ignore[arg-type]


def describe_op(op: Operation) -> str:
    props = ", ".join(f"{k} {_prop(v)}" for k, v in op.properties.items())
    ins = ", ".join(_type(v) for v in op.operands)
    outs = ", ".join(_type(v) for v in op.results)
    text = f"{op.name.removeprefix('tqi.')}({ins}) -> {outs}"
    return f"{text}: {props}" if props else text


def effective_multipliers(ops: list[Operation]) -> list[float]:
    """M per channel for the fixed-point multiply in `ops` (empty if there is none)."""
    left: list[int] = [0]
    right: list[int] = [0]
    mult: list[int] = []
    shift: list[int] = []
    for op in ops:
        if isinstance(op, tqi.ShiftLeftOp):
            left = _values(op.amount)
        elif isinstance(op, tqi.ShiftRightRoundOp):
            right = _values(op.amount)
        elif isinstance(op, tqi.MulHighOp) and not mult:
            mult = _values(op.multiplier)
        elif isinstance(op, tqi.MulShiftRoundOp):
            mult, shift = _values(op.multiplier), _values(op.shift)
    if not mult:
        return []
    n = max(len(mult), len(left), len(right), len(shift) or 1)

    def at(vals: list[int], i: int) -> int:
        return vals[i] if len(vals) > 1 else vals[0]

    if shift:
        return [at(mult, i) * 2.0 ** (at(shift, i) - 31) for i in range(n)]
    return [at(mult, i) * 2.0 ** (at(left, i) - at(right, i) - 31) for i in range(n)]


def describe_layer(p: "CPrinter", layer: Layer) -> list[str]:
    last = layer.ops[-1]
    out = last.results[0] if last.results else None
    head = f"/* Layer {layer.index} \"{layer.name}\""
    if out is not None:
        head += f" -> {_type(out)}"
    lines = [head]
    lines += [f" *   {note}" for note in layer.notes]
    for op in layer.ops:
        lines.append(f" *   {describe_op(op)}")
    multiplies = [op for op in layer.ops if isinstance(op, (tqi.MulHighOp, tqi.MulShiftRoundOp))]
    ms = effective_multipliers(layer.ops) if len(multiplies) == 1 and not layer.notes else []
    if ms:
        arr = np.array(ms)
        value = (f"{arr[0]:.9g}" if np.all(arr == arr[0])
                 else f"{arr.min():.9g}..{arr.max():.9g} over {arr.size} channels")
        lines.append(f" *   requantize: M = multiplier * 2^(shift - 31) = S_in*S_w/S_out = {value}")
    lines.append(" */")
    return [line.replace("*/", "* /") if i < len(lines) - 1 else line
            for i, line in enumerate(lines)]
