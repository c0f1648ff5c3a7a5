"""Which ops the Verilog backend builds, and how: each `emit_*` module registers its handlers
with `@emits` (collected by backends/verilog/handlers.py).

How an op is built follows from the op itself (`stage_kind`): an *engine* when it carries the
`Engine` trait (engine handlers return a module instance and write ROM files), a *join* for a
binary op of two streams (or `tqi.select_nonneg` of three), else a step of an element-wise *chain* (its handler appends
pipeline steps to a `Chain`).
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Operation

from tqc.dialects import tqi
from tqc.dialects.traits import Engine
from tqc.registry import Registry

HANDLERS: Registry[type[Operation], Callable[..., object]] = Registry("Verilog emitters")
emits = HANDLERS.register

# Ops with no hardware of their own: RESHAPE moves no data (a wire), constants become ROM
# contents or parameters, QUANTIZE / DEQUANTIZE of the graph's edges run on the host.
PASSIVE: dict[type[Operation], str] = {tqi.ReshapeOp: "wire", tqi.ConstOp: "const",
                                       tqi.QuantizeOp: "host", tqi.DequantizeOp: "host"}


def stage_kind(op_type: type[Operation]) -> str:
    """"engine", "join" or "elementwise": how the backend builds an op it has a handler for."""
    if op_type.has_trait(Engine):
        return "engine"
    if issubclass(op_type, (tqi.BinaryOp, tqi.SelectPositiveOp)):  # streams in lock step
        return "join"
    return "elementwise"
