"""Every op the Verilog backend has hardware for: importing the `emit_*` modules registers
their handlers (backends/verilog/registry.py)."""

from __future__ import annotations

from tqc.backends.verilog import (  # noqa: F401  (imported for their `@emits` registrations)
    emit_argmax,
    emit_broadcast,
    emit_conv,
    emit_divide,
    emit_elementwise,
    emit_floordiv,
    emit_gather,
    emit_join,
    emit_l2norm,
    emit_log_softmax,
    emit_pool,
    emit_resize,
    emit_select,
    emit_softmax,
    emit_softmax16,
    emit_sum,
)
from tqc.backends.verilog.emitter import Emitted, VerilogEmitter
from tqc.backends.verilog.prepare import Plan
from tqc.backends.verilog.registry import HANDLERS, PASSIVE, stage_kind


def handler_kinds() -> dict[type, str]:
    """Each supported op type → "engine", "join", "elementwise", "wire", "const" or "host"."""
    return {**{t: stage_kind(t) for t in HANDLERS}, **PASSIVE}  # tqi.const stays "const"


def emit_verilog(plan: Plan) -> Emitted:
    return VerilogEmitter(plan, HANDLERS).emit()
