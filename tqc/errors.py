"""The one error type users see: `tqc: error: <message>` and a non-zero exit."""

from __future__ import annotations


class TqcError(Exception):
    """A problem with the user's input or request, reported as one line without traceback."""


def at_op(index: int, opcode: str, message: str, tensor: str | None = None) -> TqcError:
    """An error located at a TFLite operator (and optionally one of its tensors)."""
    where = f"op #{index} {opcode}"
    if tensor is not None:
        where += f", tensor '{tensor}'"
    return TqcError(f"{where}: {message}")
