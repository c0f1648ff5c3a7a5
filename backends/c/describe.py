"""The comment above each layer function: the TFLite operator with its scales and zero points
(the `tqc.layer` notes that lower-requantize leaves in the IR), the layer's tqi ops with their
parameters, and the effective requantize multiplier M = m · 2^(shift − 31) (S_in·S_w/S_out for
a conv or fully-connected layer)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
)
from xdsl.ir import Operation, SSAValue

from tqc.backends.c.schedule import Layer
from tqc.dialects import tqi
from tqc.dialects.accessors import ints, shape
from tqc.dialects.element import kind_of


def _list(vals: Sequence[int]) -> str:
    if len(vals) == 1:
        return str(vals[0])
    if len(vals) <= 6:
        return "[" + ", ".join(map(str, vals)) + "]"
    if len(set(vals)) == 1:
        return f"[{len(vals)} x {vals[0]}]"
    return f"[{len(vals)} values, {min(vals)}..{max(vals)}]"


def _prop(value: object) -> str:
    if isinstance(value, DenseArrayBase):
        return _list(ints(value))
    if isinstance(value, IntegerAttr):
        return str(value.value.data)
    if isinstance(value, FloatAttr):
        return repr(value.value.data)
    if isinstance(value, DenseIntOrFPElementsAttr):
        return f"<{'x'.join(map(str, value.get_shape()))} table>"
    return str(value)


def _type(v: SSAValue) -> str:
    return f"{kind_of(v).numpy}[{'x'.join(map(str, shape(v)))}]"


def describe_op(op: Operation) -> str:
    props = ", ".join(f"{k} {_prop(v)}" for k, v in op.properties.items())
    ins = ", ".join(_type(v) for v in op.operands)
    outs = ", ".join(_type(v) for v in op.results)
    text = f"{op.name.removeprefix('tqi.')}({ins}) -> {outs}"
    return f"{text}: {props}" if props else text


def effective_multipliers(ops: list[Operation]) -> list[float]:
    """M per channel for the fixed-point multiply in `ops` (empty if there is none)."""
    left: Sequence[int] = (0,)
    right: Sequence[int] = (0,)
    mult: Sequence[int] = ()
    shift: Sequence[int] = ()
    for op in ops:
        if isinstance(op, tqi.ShiftLeftOp):
            left = ints(op.amount)
        elif isinstance(op, tqi.ShiftRightRoundOp):
            right = ints(op.amount)
        elif isinstance(op, tqi.MulHighOp) and not mult:
            mult = ints(op.multiplier)
        elif isinstance(op, tqi.MulShiftRoundOp):
            mult, shift = ints(op.multiplier), ints(op.shift)
    if not mult:
        return []
    n = max(len(mult), len(left), len(right), len(shift) or 1)

    def at(vals: Sequence[int], i: int) -> int:
        return vals[i] if len(vals) > 1 else vals[0]

    if shift:
        return [at(mult, i) * 2.0 ** (at(shift, i) - 31) for i in range(n)]
    return [at(mult, i) * 2.0 ** (at(left, i) - at(right, i) - 31) for i in range(n)]


def describe_layer(layer: Layer) -> list[str]:
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
