"""Lowering rules `tq` → `tqi`, one module per op family, registered with `@lowers`.

A rule receives a `Builder` positioned at the `tq` op and returns the `tqi` values that replace
the op's results. Rules compute every multiplier, shift and table at compile time, the way the
reference kernels prepare them, and put them in the IR as attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from xdsl.dialects.builtin import (
    IntegerAttr,
    IntegerType,
    TensorType,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import IRDLOperation

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import const_value, dense_attr, int_array, int_attr, shape
from tqc.dialects.element import kind
from tqc.dialects.quant_type import QuantType
from tqc.errors import TqcError, at_op
from tqc.registry import Registry, import_submodules
from tqc.semantics.quant_math import quantize_multiplier

Rule = Callable[["Builder", Operation], Sequence[SSAValue]]
RULES: Registry[type[Operation], Rule] = Registry("lowering rules")
lowers = RULES.register

i32 = IntegerType(32)


def op_error(op: Operation, message: str) -> TqcError:
    """A TqcError naming the `tq` op (its TFLite index and opcode)."""
    index = op.properties.get("tfl_index")
    return at_op(index.value.data if isinstance(index, IntegerAttr) else -1, tq.opcode(op),
                 message)


def plain(t: Attribute) -> Attribute:
    """The integer-only type of a (possibly quantized) tensor type."""
    if isinstance(t, TensorType) and isinstance(t.element_type, QuantType):
        return TensorType(t.element_type.storage, t.get_shape())
    return t


def quant_of(value: SSAValue) -> QuantType | None:
    """The quantization of a tensor value, None for a plain (float or integer) one."""
    t = value.type
    if isinstance(t, TensorType) and isinstance(t.element_type, QuantType):
        return t.element_type
    return None


class NotQuantized(Exception):
    """A rule needed a quantized operand or result and found a plain one (a model that gives a
    float or unquantized tensor to an integer op); lower-requantize names op and tensor."""

    def __init__(self, value: SSAValue):
        super().__init__(value.name_hint or "?")
        self.value = value


def qtype(value: SSAValue) -> QuantType:
    """The quantization of a value that must be quantized (else NotQuantized)."""
    q = quant_of(value)
    if q is None:
        raise NotQuantized(value)
    return q


@dataclass
class Builder:
    """Collects the tqi ops that replace one tq op; `operands` are already lowered values.
    `stream`: the ops with state (SVDF, LSTM) carry it from one invocation to the next
    (`tqc.passes.lowering.state`) instead of starting every invocation from the reset value.
    `reference`: the runtime whose arithmetic to reproduce (lower-requantize's option)."""

    op: Operation
    operands: list[SSAValue]
    single_rounding: bool = False
    stream: bool = False
    reference: str = "tflm"
    ops: list[Operation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        """A human-readable line about this layer's arithmetic (printed as a code comment)."""
        self.notes.append(text)

    def note_scales(self, s_in: float, s_w: Sequence[float] | np.ndarray, s_out: float,
                    multipliers: Sequence[int], shifts: Sequence[int]) -> None:
        """Explain M = S_in·S_w/S_out ≈ m · 2^(shift−31) (first channel, and how many)."""
        m, sh = multipliers[0], shifts[0]
        per = f" (channel 0 of {len(s_w)})" if len({float(v) for v in s_w}) > 1 else ""
        real = s_in * float(s_w[0]) / s_out
        self.note(f"S_in={s_in:.6g} S_w={float(s_w[0]):.6g}{per} S_out={s_out:.6g}: "
                  f"M=S_in*S_w/S_out={real:.6g} ~ {m}*2^({sh}-31)")

    def error(self, message: str) -> TqcError:
        return op_error(self.op, message)

    def multiplier(self, real: float, what: str) -> tuple[int, int]:
        """QuantizeMultiplier(real) as (m, shift) for `what`; a scale so large that
        MultiplyByQuantizedMultiplier would shift left by more than 31 bits (undefined in C)
        is an error naming `what`."""
        m, shift = quantize_multiplier(real, self.single_rounding)
        if shift > 31:
            raise self.shift_error(shift, f"{what}: effective scale {real!r}")
        return m, shift

    def shift_error(self, shift: int, what: str) -> TqcError:
        """A multiplier of 2^31 or more: the reference's MultiplyByQuantizedMultiplier would
        shift an int32 left by `shift` > 31 bits, undefined in C (x86 masks the count to 5
        bits, ARM does not), so there is no result to match."""
        return self.error(f"{what} is too large: MultiplyByQuantizedMultiplier would shift left "
                          f"by {shift} bits (undefined in C), not supported")

    def constant(self, operand: SSAValue) -> np.ndarray | None:
        """The array of a constant operand of the `tq` op (read from its lowered value), None
        if it is computed."""
        index = next(i for i, v in enumerate(self.op.operands) if v is operand)
        return const_value(self.operands[index])

    def emit(
        self,
        cls: type[Operation],
        operands: Sequence[SSAValue | Sequence[SSAValue]],
        result_type: Attribute | Sequence[Attribute | list[Attribute]],
        **props: Attribute,
    ) -> Operation:
        types = [result_type] if isinstance(result_type, Attribute) else list(result_type)
        # tqi values are never quantized, even when a rule copies an operand's type (block
        # arguments keep their !tq.q type until the whole function is lowered).
        types = [[plain(t) for t in ts] if isinstance(ts, list) else plain(ts) for ts in types]
        build = cast("type[IRDLOperation]", cls).build  # every tqi op is an IRDLOperation
        op = build(operands=list(operands), result_types=types, properties=props)
        self.ops.append(op)
        return op

    def value(self, cls: type[Operation], operands: Sequence[SSAValue | Sequence[SSAValue]],
              result_type: Attribute, **props: Attribute) -> SSAValue:
        return self.emit(cls, operands, result_type, **props).results[0]

    def tensor(self, element: str, dims: Sequence[int]) -> TensorType[Attribute]:
        return TensorType(kind(element).ir_type(), dims)

    def const(self, array: np.ndarray, element: str) -> SSAValue:
        data = dense_attr(array, element)
        return self.value(tqi.ConstOp, [], data.type, value=data)

    def cast(self, x: SSAValue, element: str) -> SSAValue:
        return self.value(tqi.CastOp, [x], self.tensor(element, shape(x)))

    def widen(self, x: SSAValue) -> SSAValue:
        """int8/uint8/int16 → int32."""
        return self.cast(x, "i32")

    def add_const(self, x: SSAValue, values: Sequence[int]) -> SSAValue:
        if all(v == 0 for v in values):
            return x
        return self.value(tqi.AddConstOp, [x], x.type, value=int_array(values))

    def requantize(
        self, acc: SSAValue, multipliers: Sequence[int], shifts: Sequence[int],
        zero_point: int, clamp: tuple[int, int], out_element: str, single_rounding: bool | None = None,
    ) -> SSAValue:
        """MultiplyByQuantizedMultiplier(acc, m, shift) + zero_point, clamped, cast.

        Double rounding (reference): shift_left(max(shift,0)) → mul_high(m) →
        shift_right_round(max(-shift,0)). Single rounding: one mul_shift_round.
        """
        single = self.single_rounding if single_rounding is None else single_rounding
        x = self.scale(acc, multipliers, shifts, single)
        x = self.add_const(x, [zero_point])
        x = self.value(tqi.ClampOp, [x], x.type, min=int_attr(clamp[0]), max=int_attr(clamp[1]))
        return self.cast(x, out_element)

    def scale(self, x: SSAValue, multipliers: Sequence[int], shifts: Sequence[int],
              single: bool) -> SSAValue:
        """The fixed-point multiply alone (int32 in, int32 out); per-channel lists that are
        all equal collapse to one value."""
        if len(set(zip(multipliers, shifts))) == 1:
            multipliers, shifts = multipliers[:1], shifts[:1]
        if max(shifts) > 31:
            raise self.shift_error(max(shifts), "the effective scale")
        if single:
            return self.value(tqi.MulShiftRoundOp, [x], x.type,
                              multiplier=int_array(multipliers), shift=int_array(shifts))
        left = [max(s, 0) for s in shifts]
        right = [max(-s, 0) for s in shifts]
        if any(left):
            x = self.value(tqi.ShiftLeftOp, [x], x.type, amount=int_array(left))
        x = self.value(tqi.MulHighOp, [x], x.type, multiplier=int_array(multipliers))
        if any(right):
            x = self.value(tqi.ShiftRightRoundOp, [x], x.type, amount=int_array(right))
        return x


def load_rules() -> None:
    """Import every rule module so that their `@lowers` registrations run."""
    import_submodules(__name__)
