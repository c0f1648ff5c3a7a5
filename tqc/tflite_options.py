"""An operator's BuiltinOptions read once, eagerly, into plain values.

The `tflite` package reads a flatbuffer lazily: a corrupt offset inside an options table only
fails when an import handler calls the getter, deep inside the handler and as a `struct.error`.
`read_options` calls every getter while the reader still guards the file, so a damaged table is
reported as a damaged file (with the op's index) and the handlers see values only.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import tflite

OPTION_CLASSES: dict[int, str] = {
    v: k for k, v in vars(tflite.BuiltinOptions).items() if isinstance(v, int)
}
SKIPPED = ("Init", "GetRootAs")


class OptionValues:
    """The getters of one options table, answered from a snapshot: `o.StrideH()` returns the
    value read at import; a getter the table type does not have raises AttributeError (so
    `hasattr(o, "FusedActivationFunction")` still tells the table kinds apart)."""

    def __init__(self, table: str, values: dict[str, Any]):
        self.table = table
        self._values = values

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values", {})
        if name not in values:
            raise AttributeError(name)
        value = values[name]
        return lambda: value

    def __repr__(self) -> str:
        return f"{self.table}({self._values})"


def _getters(cls: type) -> list[str]:
    names = []
    for name, member in vars(cls).items():
        if name.startswith("_") or name.startswith(SKIPPED) or name.endswith("BufferHasIdentifier"):
            continue
        if callable(member) and len(inspect.signature(member).parameters) == 1:
            names.append(name)
    return names


def read_options(op: Any) -> OptionValues | None:
    """The options table of a flatbuffer `tflite.Operator`, every field read now (may raise any
    exception on a corrupt file: the caller turns it into a TqcError)."""
    table = op.BuiltinOptions()
    if table is None:
        return None
    name = OPTION_CLASSES.get(op.BuiltinOptionsType(), "")
    cls = getattr(tflite, name, None)
    if cls is None:
        return None
    options = cls()
    options.Init(table.Bytes, table.Pos)
    values: dict[str, Any] = {}
    for getter in _getters(cls):
        value = getattr(options, getter)()
        values[getter] = value.copy() if isinstance(value, np.ndarray) else value
    return OptionValues(name, values)
