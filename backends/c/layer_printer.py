"""Print one layer of a C program: a `static void` function (`int` when its reference kernel can
abort) over the layer's stored inputs and outputs, with a comment listing its ops and their
parameters.

The ops are printed by two tables of small handlers (`Handlers`, filled by the `emit_*.py`
modules):
- `expressions[op type]` prints an element-wise op as one C expression of its operands'
  expressions (a statement in a loop body);
- `kernels[op type]` prints the loop nest of a non-element-wise op (with its fused element-wise
  epilogue, if any).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase
from xdsl.ir import Operation, SSAValue

from tqc.backends.c.arena import ctype
from tqc.backends.c.describe import describe_layer
from tqc.backends.c.literals import c_int, initializer
from tqc.backends.c.loops import Body, FlatLoop, Loop
from tqc.backends.c.program import Program
from tqc.backends.c.schedule import Kernel, Layer, Scratch, identifier
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value, ints
from tqc.dialects.accessors import shape as dims
from tqc.dialects.element import kind, kind_of
from tqc.errors import TqcError
from tqc.names import unique_name

ExpressionHandler = Callable[["LayerPrinter", Operation, list[str]], str]
KernelHandler = Callable[["LayerPrinter", Kernel], None]


@dataclass(frozen=True)
class Handlers:
    """The printers of the ops, by op type."""

    expressions: Mapping[type[Operation], ExpressionHandler]
    kernels: Mapping[type[Operation], KernelHandler]


def int_range(v: SSAValue) -> tuple[int, int] | None:
    """The range of an integer value's type; None for a float."""
    k = kind_of(v)
    return None if k.is_float else k.range


@dataclass
class Ranges:
    """Conservative integer ranges of the values in a tree (to print plain narrowing casts)."""

    known: dict[SSAValue, tuple[int, int]] = field(default_factory=dict)

    def get(self, v: SSAValue) -> tuple[int, int] | None:
        if v in self.known:
            return self.known[v]
        return int_range(v)


class LayerPrinter:
    """Prints one layer: a `static void` function over its stored inputs and outputs."""

    def __init__(self, program: Program, layer: Layer, handlers: Handlers):
        self.p = program
        self.layer = layer
        self.handlers = handlers
        self.statics: list[str] = []
        self.static_names: set[str] = set()
        self.params: dict[SSAValue | Scratch, str] = {}
        self.written: set[SSAValue | Scratch] = set()
        self.body = Body()
        self.ranges = Ranges()  # of the element-wise tree being printed
        self.can_fail = False  # set by kernels whose reference can abort: returns int then
        schedule = program.schedule
        for k in layer.kernels:
            for v in k.writes:
                self.written.add(schedule.base(v))
        for k in layer.kernels:
            for v in list(k.reads) + list(k.writes):
                base = schedule.base(v)
                if program.global_name(base) is not None or base in self.params:
                    continue
                self.params[base] = program.value_names[base]
            for scratch in k.scratch:
                self.params[scratch] = program.value_names[scratch]
                self.written.add(scratch)

    def scratch(self, k: Kernel, name: str) -> str:
        """The name of kernel k's working memory `name` inside this function."""
        for scratch in k.scratch:
            if scratch.name == name:
                return self.params[scratch]
        raise TqcError(f"c backend: no scratch buffer {name} for {k.root.name}")

    @property
    def fn_name(self) -> str:
        return f"layer{self.layer.index}_{self.layer.name}"

    def buf(self, v: SSAValue) -> str:
        """The C name of the storage of value v inside this function."""
        base = self.p.schedule.base(v)
        return self.p.global_name(base) or self.params[base]

    def static_array(self, label: str, data: np.ndarray, element: str, comment: str = "") -> str:
        """A `static const` array of `element`s at the top of the function."""
        base = identifier(label, "k")
        name = unique_name(base, self.static_names)
        self.static_names.add(name)
        n = data.size
        self.p.rom_bytes += n * kind(element).nbytes
        note = f"/* {comment} */\n" if comment else ""
        self.statics.append(f"{note}static const {kind(element).c} {name}[{n}] = {initializer(data)};")
        return name

    def param(self, op: Operation, vals: Sequence[int], label: str, element: str = "i32") -> str:
        """A per-channel parameter at the current element: a literal when uniform, else a
        `static const` array of `element`s (declared at the top of the function) indexed by
        channel."""
        if len(set(vals)) == 1:
            return c_int(vals[0])
        out = dims(op.results[0])
        if out[-1] != len(vals):
            raise TqcError(f"c backend: {op.name}: {len(vals)} per-channel values for "
                           f"{out[-1]} channels")
        name = self.static_array(label, np.array(vals), element)
        return f"{name}[{self._loop().offset((len(vals),))}]"

    def _loop(self) -> Loop:
        loop = self.body.loop
        if loop is None:
            raise TqcError(f"c backend: layer {self.layer.name}: an element-wise op outside a loop")
        return loop

    # -- element-wise trees ------------------------------------------------------------------

    def tree(self, k: Kernel, source: dict[SSAValue, str]) -> str:
        """Print the statements of k's element-wise tree at the current element of
        `self.body.loop`; returns the name of the root's value. `source` maps fused values
        (the anchor's accumulator) to their C expression."""
        b = self.body
        names: dict[SSAValue, str] = dict(source)
        self.ranges = Ranges()
        for op in k.tree:
            args = []
            for v in op.operands:
                if v not in names:  # a stored value: read it once
                    t = b.temp("x")
                    b.line(f"const {ctype(v)} {t} = {self.buf(v)}[{self._loop().offset(dims(v))}];")
                    names[v] = t
                args.append(names[v])
            handler = self.handlers.expressions.get(type(op))
            if handler is None:
                raise TqcError(f"c backend: no printer for {op.name}")
            expr = handler(self, op, args)
            out = op.results[0]
            t = b.temp()
            b.line(f"const {ctype(out)} {t} = {expr};")
            names[out] = t
            bounds = value_range(op, self.ranges)
            if bounds is not None:
                self.ranges.known[out] = bounds
        return names[k.tree[-1].results[0]] if k.tree else next(iter(source.values()))

    def store(self, k: Kernel, source: dict[SSAValue, str], index: str) -> None:
        """Run the epilogue tree (if any) on `source` and store the result at `index`."""
        value = self.tree(k, source)
        out = k.writes[0]
        self.body.line(f"{self.buf(out)}[{index}] = {value};")

    def elementwise(self, k: Kernel) -> None:
        """A stand-alone element-wise tree: loops over the root's shape."""
        out = k.writes[0]
        shapes = [dims(v) for op in k.tree for v in op.operands if v not in self.p.schedule.inline]
        shapes += [(dims(op.results[0])[-1],) for op in k.tree if per_channel(op)]
        loop = FlatLoop(dims(out), shapes)
        self.body.loop = loop
        n = loop.open(self.body)
        self.store(k, {}, loop.offset(dims(out)))
        self.body.close(n)

    # -- the function ------------------------------------------------------------------------

    def print(self) -> list[str]:
        for k in self.layer.kernels:
            if k.anchor is None:
                self.elementwise(k)
                continue
            handler = self.handlers.kernels.get(type(k.anchor))
            if handler is None:
                raise TqcError(f"c backend: no printer for {k.anchor.name}")
            handler(self, k)
        params = []
        for v, name in self.params.items():
            const = "" if v in self.written else "const "
            params.append(f"{const}{ctype(v)} *restrict {name}")
        lines = describe_layer(self.layer)
        result = "int" if self.can_fail else "void"
        lines.append(f"static {result} {self.fn_name}({', '.join(params) or 'void'}) {{")
        lines += ["  " + line for s in self.statics for line in s.split("\n")]
        lines += self.body.lines
        if self.can_fail:
            lines.append("  return 0;")
        lines.append("}")
        return lines


def value_range(op: Operation, ranges: Ranges) -> tuple[int, int] | None:
    """Bounds of an element-wise result that are tighter than its type's: clamps and the
    casts of clamped values."""
    out = int_range(op.results[0])
    if out is None:
        return None
    if isinstance(op, tqi.ClampOp):
        inner = ranges.get(op.operands[0]) or out
        return max(int_value(op.min), inner[0]), min(int_value(op.max), inner[1])
    if isinstance(op, tqi.CastOp):
        inner = ranges.get(op.operands[0])
        if inner is not None and out[0] <= inner[0] and inner[1] <= out[1]:
            return inner
    return None


def per_channel(op: Operation) -> bool:
    """True if an element-wise op has a per-channel parameter array of more than one value."""
    for name in ("value", "amount", "multiplier", "shift"):
        attr = op.properties.get(name)
        if isinstance(attr, DenseArrayBase) and len(set(ints(attr))) > 1:
            return True
    return False
