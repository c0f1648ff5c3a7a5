"""The loop nests of a layer function: the lines being printed, with their indentation, and the
index space of the current loop body (the flat offset of each operand, broadcast or not)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from math import prod


def strides(shape: Sequence[int]) -> list[int]:
    """Row-major strides, in elements."""
    out = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        out[d] = out[d + 1] * shape[d + 1]
    return out


def linear(terms: Sequence[tuple[str, int]]) -> str:
    """`a * 8 + b` from [(var, stride)], skipping zero strides; "0" when empty."""
    parts = []
    for var, stride in terms:
        if stride == 0 or var == "0":
            continue
        parts.append(var if stride == 1 else f"{var} * {stride}")
    return " + ".join(parts) if parts else "0"


class Loop:
    """The index space of a loop body: `offset(shape)` is the C expression of the flat index,
    in a tensor of `shape` broadcast (right-aligned) to the loop's shape, of the current
    element."""

    shape: tuple[int, ...]

    def offset(self, shape: Sequence[int]) -> str:
        raise NotImplementedError


@dataclass
class Body:
    """Lines of one layer function, plus the loop context of the statements being printed."""

    lines: list[str] = field(default_factory=list)
    indent: int = 1
    loop: Loop | None = None
    counter: int = 0

    def line(self, text: str) -> None:
        self.lines.append("  " * self.indent + text)

    def close(self, n: int) -> None:
        for _ in range(n):
            self.indent -= 1
            self.line("}")

    def temp(self, prefix: str = "v") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


class DimLoop(Loop):
    """Loops with one variable per output dimension (the accumulating kernels)."""

    def __init__(self, shape: Sequence[int], dim_vars: Sequence[str], flat: str):
        self.shape = tuple(shape)
        self.dim_vars = list(dim_vars)
        self.flat = flat

    def offset(self, shape: Sequence[int]) -> str:
        full = (1,) * (len(self.shape) - len(shape)) + tuple(shape)
        if full == self.shape:
            return self.flat
        st = strides(full)
        return linear([(v, 0 if d == 1 else s)
                       for v, d, s in zip(self.dim_vars, full, st)])


class FlatLoop(Loop):
    """Nested loops over the output, with adjacent dimensions merged wherever every operand is
    either whole or broadcast along both (often a single loop)."""

    def __init__(self, shape: Sequence[int], operand_shapes: Sequence[Sequence[int]]):
        self.shape = tuple(shape)
        rank = len(self.shape)
        fulls = [(1,) * (rank - len(s)) + tuple(s) for s in operand_shapes]
        keep = [d for d in range(rank) if self.shape[d] != 1]
        groups: list[list[int]] = []
        for d in keep:
            pattern = [f[d] != 1 for f in fulls]
            if groups and pattern == [f[groups[-1][-1]] != 1 for f in fulls]:
                groups[-1].append(d)
            else:
                groups.append([d])
        self.groups = groups
        self.extents = [prod(self.shape[d] for d in g) for g in groups]
        names = ["i"] if len(groups) == 1 else [f"i{k}" for k in range(len(groups))]
        self.vars = names

    def offset(self, shape: Sequence[int]) -> str:
        full = (1,) * (len(self.shape) - len(shape)) + tuple(shape)
        st = strides(full)
        terms = []
        for var, g in zip(self.vars, self.groups):
            inner = g[-1]
            terms.append((var, 0 if full[inner] == 1 else st[inner]))
        return linear(terms)

    def open(self, body: Body) -> int:
        """Print the loops' headers; returns how many to close."""
        for var, extent in zip(self.vars, self.extents):
            body.line(f"for (int {var} = 0; {var} < {extent}; ++{var}) {{")
            body.indent += 1
        return len(self.vars)
