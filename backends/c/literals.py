"""C99 literals: integers that C reads as the intended value, exact hexadecimal floats, and the
`{...}` of array initializers."""

from __future__ import annotations

import numpy as np

from tqc.errors import TqcError


def c_int(v: int) -> str:
    """An integer literal that C reads as the intended value in an int64 context."""
    if v == -2**63:
        return "(-INT64_C(9223372036854775807) - 1)"
    if v == -2**31:
        return "(-2147483647 - 1)"
    if v > 2**31 - 1 or v < -2**31:
        return f"INT64_C({v})"
    return str(v)


def c_double(x: float) -> str:
    """An exact C99 hexadecimal double literal (the decimal value in a comment is for people)."""
    return float(x).hex()


def c_float(x: float) -> str:
    """An exact C99 hexadecimal float literal; x must be a float32 value."""
    if float(np.float32(x)) != float(x):
        raise TqcError(f"c backend: {x!r} is not a float32 value")
    return float(x).hex() + "f"


def initializer(data: np.ndarray, per_line: int = 20) -> str:
    """The `{...}` of a C array initializer, `per_line` numbers a line."""
    flat = data.reshape(-1)
    if flat.dtype.kind == "f":
        items = [c_float(float(v)) for v in flat.tolist()]
    else:
        items = [c_int(int(v)) for v in flat.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "{\n  " + ",\n  ".join(lines) + "\n}" if len(items) > per_line else "{" + ", ".join(items) + "}"
