"""Element kinds: one record per element type the IR carries, with every spelling a stage needs.

The IR spells element types as xDSL types (`i8`, `ui8`, `i16`, `i32`, `i64`, `f32`, `i1`, or a
`!tq.q` over one of the integer ones); every stage looks the type up here by its short name
(`kind_of(value).c`, `KINDS["ui8"].lo`, ...) instead of keeping its own table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import Float32Type, IntegerType, Signedness, TensorType
from xdsl.ir import Attribute, SSAValue

from tqc.dialects.quant_type import QuantType
from tqc.errors import TqcError


@dataclass(frozen=True)
class ElementKind:
    """An element type: its IR short name, width, signedness and spellings."""

    name: str  # the IR spelling: "i8", "ui8", "i16", "i32", "i64", "f32", "i1"
    bits: int
    signed: bool
    is_float: bool = False

    @property
    def numpy(self) -> str:
        """NumPy dtype name: "int8", "uint8", "float32", "bool"."""
        if self.is_float:
            return f"float{self.bits}"
        if self.bits == 1:
            return "bool"
        return f"{'' if self.signed else 'u'}int{self.bits}"

    @property
    def np_spelling(self) -> str:
        """How generated NumPy code names the dtype: "np.int8", "np.bool_"."""
        return "np.bool_" if self.bits == 1 else f"np.{self.numpy}"

    @property
    def dtype(self) -> np.dtype:
        """The little-endian NumPy dtype of the IR's constant bytes ("<i1", "<u1", "<f4"; i1 is
        stored as one unsigned byte)."""
        return np.dtype("<u1") if self.bits == 1 else np.dtype(self.numpy).newbyteorder("<")

    @property
    def c(self) -> str:
        """C99 type: "int8_t", "uint8_t", "float"."""
        if self.is_float:
            return "float"
        if self.bits == 1:
            return "uint8_t"
        return f"{'' if self.signed else 'u'}int{self.bits}_t"

    @property
    def c_suffix(self) -> str:
        """Suffix of the C runtime's per-type functions: "i8", "u8", "i16"."""
        if self.is_float:
            return f"f{self.bits}"
        return f"{'i' if self.signed else 'u'}{self.bits}"

    @property
    def nbytes(self) -> int:
        return max(self.bits // 8, 1)

    @property
    def lo(self) -> int:
        """Smallest value (integers only)."""
        self._integer()
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def hi(self) -> int:
        """Largest value (integers only)."""
        self._integer()
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    @property
    def range(self) -> tuple[int, int]:
        return self.lo, self.hi

    @property
    def is_narrow(self) -> bool:
        """An activation type of the quantized kernels (int8, uint8, int16)."""
        return self.name in ("i8", "ui8", "i16")

    def ir_type(self) -> IntegerType | Float32Type:
        if self.is_float:
            return Float32Type()
        unsigned = self.name.startswith("ui")
        return IntegerType(self.bits, Signedness.UNSIGNED if unsigned else Signedness.SIGNLESS)

    def _integer(self) -> None:
        if self.is_float:
            raise TqcError(f"{self.name} has no integer range")


KINDS: dict[str, ElementKind] = {k.name: k for k in (
    ElementKind("i1", 1, False),
    ElementKind("i8", 8, True),
    ElementKind("ui8", 8, False),
    ElementKind("i16", 16, True),
    ElementKind("i32", 32, True),
    ElementKind("i64", 64, True),
    ElementKind("f32", 32, True, is_float=True),
)}


def storage_name(t: Attribute) -> str:
    """'i8', 'ui8', 'i16', 'i32', 'i64', 'f32' for an element type (quantized or plain)."""
    if isinstance(t, QuantType):
        t = t.storage
    if isinstance(t, IntegerType):
        prefix = "ui" if t.signedness.data == Signedness.UNSIGNED else "i"
        return f"{prefix}{t.width.data}"
    return "f32"


def element(value: SSAValue) -> str:
    """'i8', 'ui8', 'i16', 'i32', 'i64', 'f32' … of a tensor value (quantized or plain)."""
    t = value.type
    if not isinstance(t, TensorType):
        raise TqcError(f"expected a tensor value, got {t}")
    return storage_name(t.element_type)


def kind(name: str) -> ElementKind:
    """The kind of a short name; an unknown name is an error, not a KeyError."""
    found = KINDS.get(name)
    if found is None:
        raise TqcError(f"unsupported element type {name}")
    return found


def kind_of(value: SSAValue) -> ElementKind:
    """The element kind of a tensor value (quantized or plain)."""
    return kind(element(value))


def kind_of_type(t: Attribute) -> ElementKind:
    """The element kind of an element type (quantized or plain)."""
    return kind(storage_name(t))
