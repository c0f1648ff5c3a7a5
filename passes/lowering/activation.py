"""Clamp bounds of an op's fused activation (resolved by fuse-activation, or computed here)."""

from __future__ import annotations

from xdsl.dialects.builtin import DenseArrayBase, StringAttr
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_attr
from tqc.dialects.element import kind, storage_name
from tqc.dialects.quant_type import QuantType
from tqc.passes.lowering import Builder, op_error, qtype
from tqc.semantics.quant_math import ActivationRangeOverflow, activation_range


def op_activation_range(op: Operation, name: str, q: QuantType,
                        fused: bool = True) -> tuple[int, int]:
    """activation_range of `op`'s fused activation `name` (or, fused=False, of the standalone
    RELU-family op `op`) for the output quantization q; a refusal names the op."""
    try:
        return activation_range(name, q.scale, q.zero_point, storage_name(q), checked=fused)
    except ActivationRangeOverflow as e:
        raise op_error(op, f"{name}: {e}") from None


def relu_range(relu: tq.ReluFamilyOp, q: QuantType) -> tuple[int, int]:
    """The clamp a standalone RELU / RELU6 / RELU_N1_TO_1 computes for the output quantization q:
    the activation of its opcode's name, unchecked."""
    return op_activation_range(relu, relu.name.removeprefix("tq.").upper(), q, fused=False)


def clamp_bounds(op: Operation, output: SSAValue) -> tuple[int, int]:
    """The integer [min, max] the op's result is clamped to."""
    clamp = op.properties.get("clamp")
    if isinstance(clamp, DenseArrayBase):
        lo, hi = clamp.get_values()
        return int(lo), int(hi)
    act = op.properties.get("activation")
    name = act.data if isinstance(act, StringAttr) else "NONE"
    return op_activation_range(op, name, qtype(output))


def clamp_result(b: Builder, out: SSAValue, op: Operation) -> SSAValue:
    """`out`, the op's result in its storage type, clamped to the op's bounds (a fused
    activation, or a RELU folded by fuse-activation); unchanged when they are the type's range."""
    lo, hi = clamp_bounds(op, op.results[0])
    if (lo, hi) == kind(storage_name(qtype(op.results[0]))).range:
        return out
    return b.value(tqi.ClampOp, [out], out.type, min=int_attr(lo), max=int_attr(hi))
