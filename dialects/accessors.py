"""Typed readers of op properties and constants, shared by every stage.

xDSL keeps integer properties as `IntegerAttr`, integer lists as `DenseArrayBase` and constants
as bytes-backed `DenseIntOrFPElementsAttr`; these turn them into Python ints and NumPy arrays
(never through per-element attribute lists: weights stay bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    TensorType,
    i64,
)
from xdsl.ir import Attribute, SSAValue

from tqc.dialects.element import kind, kind_of_type
from tqc.errors import TqcError


def ints(attr: Attribute) -> tuple[int, ...]:
    """The values of an integer array property (`DenseArrayBase`)."""
    if not isinstance(attr, DenseArrayBase):
        raise TqcError(f"expected an integer array, got {attr}")
    return tuple(int(v) for v in cast("DenseArrayBase[IntegerType]", attr).get_values())


def int_value(attr: Attribute) -> int:
    """The value of an integer property (`IntegerAttr`)."""
    if not isinstance(attr, IntegerAttr):
        raise TqcError(f"expected an integer attribute, got {attr}")
    return int(attr.value.data)


def float_value(attr: Attribute) -> float:
    """The value of a float property (`FloatAttr`)."""
    if not isinstance(attr, FloatAttr):
        raise TqcError(f"expected a float attribute, got {attr}")
    return float(attr.value.data)


def int_array(values: Sequence[int] | np.ndarray) -> DenseArrayBase:
    """An i64 array property."""
    return DenseArrayBase.from_list(i64, [int(v) for v in values])


def int_attr(value: int) -> IntegerAttr:
    """An i64 integer property."""
    return IntegerAttr(int(value), i64)


def shape(value: SSAValue) -> tuple[int, ...]:
    """The static shape of a tensor value (any dialect, any stage)."""
    t = value.type
    if not isinstance(t, TensorType):
        raise TqcError(f"expected a tensor value, got {t}")
    return tuple(t.get_shape())


def dense_array(attr: Attribute) -> np.ndarray:
    """A constant's values as a read-only NumPy array of its element kind (i1 as uint8)."""
    if not isinstance(attr, DenseIntOrFPElementsAttr):
        raise TqcError(f"expected a dense constant, got {type(attr).__name__}")
    dtype = kind_of_type(attr.get_element_type()).dtype
    return np.frombuffer(attr.data.data, dtype=dtype).reshape(attr.get_shape())


def dense_attr(array: np.ndarray, element: str, ir_type: Attribute | None = None) -> DenseIntOrFPElementsAttr:
    """A bytes-backed constant of `array` stored as `element` (`ir_type`: the element type to
    record, e.g. a `!tq.q`, default the plain type of `element`)."""
    k = kind(element)
    data = np.ascontiguousarray(array, k.dtype).tobytes()
    if ir_type is None:
        return DenseIntOrFPElementsAttr(TensorType(k.ir_type(), array.shape), BytesAttr(data))
    # the bytes are `element`s; the recorded type (a !tq.q over that storage) says how to read them
    t = cast("TensorType[IntegerType]", TensorType(ir_type, array.shape))
    return DenseIntOrFPElementsAttr(t, BytesAttr(data))


def const_value(value: SSAValue | None) -> np.ndarray | None:
    """The array of a constant operand (an op with a dense `value` property and no operands:
    `tq.const`, `tqi.const`); None for a missing optional operand or a computed value."""
    if value is None:
        return None
    owner = value.owner
    attr = getattr(owner, "properties", {}).get("value")
    if attr is None or getattr(owner, "operands", ()) or not isinstance(attr, DenseIntOrFPElementsAttr):
        return None
    return dense_array(attr)
