"""Print a lowered (`tqi`) module as C99: `NAME.h`, `NAME.c`, `NAME_weights.c`.

The printer only reads the IR. `schedule.py` groups the ops into layers and loop nests and
`arena.py` places the stored tensors; this module prints one `static void` function per layer
(named after the layer's output tensor, with a comment listing its ops and their parameters),
the arena, and `NAME_invoke`, which calls the layers in order.

Two tables of small handlers, filled by the `emit_*.py` modules:
- `EXPRESSIONS[op type]` prints an element-wise op as one C expression of its operands'
  expressions (a statement in a loop body);
- `KERNELS[op type]` prints the loop nest of a non-element-wise op (with its fused element-wise
  epilogue, if any).
Every multiplier, shift, table and offset comes from the op's attributes; unknown ops raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import prod
from pathlib import Path

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import DenseArrayBase, ModuleOp, StringAttr
from xdsl.ir import Operation, SSAValue

from tqc.backends.c.arena import ArenaPlan, ctype, plan_arena
from tqc.backends.c.schedule import (
    Kernel,
    Layer,
    Schedule,
    Scratch,
    build_schedule,
    identifier,
)
from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array, int_value, ints
from tqc.dialects.accessors import shape as dims
from tqc.dialects.element import kind, kind_of
from tqc.errors import TqcError

RUNTIME_HEADER = Path(__file__).parent / "runtime" / "tqc_runtime.h"
INLINE_TABLE_LIMIT = 256  # larger tables go to the weights file
RESERVED = {
    "acc", "base", "best", "oy", "ox", "ch", "patch_sum", "x_sum", "dy0", "dy1", "dx0", "dx1", "wy0", "wy1", "wx0", "wx1",
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "main",
}

ExpressionHandler = Callable[["Body", Operation, list[str]], str]
KernelHandler = Callable[["LayerPrinter", Kernel], None]
EXPRESSIONS: dict[type[Operation], ExpressionHandler] = {}
KERNELS: dict[type[Operation], KernelHandler] = {}


def expression(*op_types: type[Operation]) -> Callable[[ExpressionHandler], ExpressionHandler]:
    def register(fn: ExpressionHandler) -> ExpressionHandler:
        for t in op_types:
            EXPRESSIONS[t] = fn
        return fn

    return register


def kernel(*op_types: type[Operation]) -> Callable[[KernelHandler], KernelHandler]:
    def register(fn: KernelHandler) -> KernelHandler:
        for t in op_types:
            KERNELS[t] = fn
        return fn

    return register


# -- small helpers used by the handlers ------------------------------------------------------

def int_range(v: SSAValue) -> tuple[int, int] | None:
    """The range of an integer value's type; None for a float."""
    k = kind_of(v)
    return None if k.is_float else k.range


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


def strides(shape: Sequence[int]) -> list[int]:
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


# -- loops -----------------------------------------------------------------------------------

class Loop:
    """The index space of a loop body: `offset(shape)` is the C expression of the flat index,
    in a tensor of `shape` broadcast (right-aligned) to the loop's shape, of the current
    element."""

    shape: tuple[int, ...]

    def offset(self, shape: Sequence[int]) -> str:
        raise NotImplementedError


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

    def open(self, body: "Body") -> int:
        for var, extent in zip(self.vars, self.extents):
            body.line(f"for (int {var} = 0; {var} < {extent}; ++{var}) {{")
            body.indent += 1
        return len(self.vars)


# -- bodies ----------------------------------------------------------------------------------

@dataclass
class Body:
    """Lines of one layer function, plus the loop context of the statements being printed."""

    layer: "LayerPrinter"
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

    def param(self, op: Operation, vals: Sequence[int], label: str, element: str = "i32") -> str:
        """A per-channel parameter at the current element: a literal when uniform, else a
        `static const` array (declared at the top of the function) indexed by channel."""
        if len(set(vals)) == 1:
            return c_int(vals[0])
        assert self.loop is not None
        out = dims(op.results[0])
        if out[-1] != len(vals):
            raise TqcError(f"c backend: {op.name}: {len(vals)} per-channel values for "
                           f"{out[-1]} channels")
        name = self.layer.static_array(label, np.array(vals), element)
        return f"{name}[{self.loop.offset((len(vals),))}]"


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

    def __init__(self, printer: "CPrinter", layer: Layer):
        self.p = printer
        self.layer = layer
        self.statics: list[str] = []
        self.static_names: set[str] = set()
        self.params: dict[SSAValue | Scratch, str] = {}
        self.written: set[SSAValue | Scratch] = set()
        self.body = Body(self)
        self.can_fail = False  # set by kernels whose reference can abort: returns int then
        for k in layer.kernels:
            for v in k.writes:
                self.written.add(printer.schedule.base(v))
        for k in layer.kernels:
            for v in list(k.reads) + list(k.writes):
                base = printer.schedule.base(v)
                if base in printer.const_names or base in self.params:
                    continue
                self.params[base] = printer.value_names[base]
            for scratch in k.scratch:
                self.params[scratch] = printer.value_names[scratch]
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
        if base in self.p.const_names:
            return self.p.const_names[base]
        return self.params[base]

    def static_array(self, label: str, data: np.ndarray, element: str, comment: str = "") -> str:
        """A `static const` array of `element`s at the top of the function."""
        base = identifier(label, "k")
        name, k = base, 1
        while name in self.static_names:
            name, k = f"{base}_{k}", k + 1
        self.static_names.add(name)
        n = data.size
        self.p.rom_bytes += n * kind(element).nbytes
        note = f"/* {comment} */\n" if comment else ""
        self.statics.append(f"{note}static const {kind(element).c} {name}[{n}] = {initializer(data)};")
        return name

    # -- element-wise trees ------------------------------------------------------------------

    def tree(self, k: Kernel, source: dict[SSAValue, str]) -> str:
        """Print the statements of k's element-wise tree at the current element of
        `self.body.loop`; returns the name of the root's value. `source` maps fused values
        (the anchor's accumulator) to their C expression."""
        b = self.body
        names: dict[SSAValue, str] = dict(source)
        ranges = Ranges()
        for op in k.tree:
            args = []
            for v in op.operands:
                if v not in names:  # a stored value: read it once
                    t = b.temp("x")
                    b.line(f"const {ctype(v)} {t} = {self.buf(v)}[{b.loop.offset(dims(v))}];")  # type: ignore[union-attr]
                    names[v] = t
                args.append(names[v])
            handler = EXPRESSIONS.get(type(op))
            if handler is None:
                raise TqcError(f"c backend: no printer for {op.name}")
            self.ranges = ranges
            expr = handler(b, op, args)
            out = op.results[0]
            t = b.temp()
            b.line(f"const {ctype(out)} {t} = {expr};")
            names[out] = t
            bounds = value_range(op, ranges)
            if bounds is not None:
                ranges.known[out] = bounds
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
            handler = KERNELS.get(type(k.anchor))
            if handler is None:
                raise TqcError(f"c backend: no printer for {k.anchor.name}")
            handler(self, k)
        params = []
        for v, name in self.params.items():
            const = "" if v in self.written else "const "
            params.append(f"{const}{ctype(v)} *restrict {name}")
        lines = self.p.layer_comment(self.layer)
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


# -- the module ------------------------------------------------------------------------------

class CPrinter:
    def __init__(self, module: ModuleOp, name: str):
        fns = [op for op in module.ops if isinstance(op, func.FuncOp)]
        if len(fns) != 1:
            raise TqcError("c backend: expected one function")
        self.fn = fns[0]
        self.name = name
        self.macro = re.sub(r"\W", "_", name).upper()
        source = module.attributes.get("tfl.source")
        self.source = source.data if isinstance(source, StringAttr) else "a .tflite model"
        self.schedule: Schedule = build_schedule(self.fn)
        self.plan: ArenaPlan = plan_arena(self.schedule)
        self.const_names: dict[SSAValue, str] = {}
        self.const_data: dict[str, tuple[str, np.ndarray]] = {}
        self.rom_bytes = 0
        used: set[str] = set()
        for op in self.schedule.consts:
            v = op.results[0]
            if not v.uses:
                continue
            base = f"{name}_w_{identifier(v.name_hint, 'c')}"
            cname, k = base, 1
            while cname in used:
                cname, k = f"{base}_{k}", k + 1
            used.add(cname)
            self.const_names[v] = cname
            self.const_data[cname] = (ctype(v), dense_array(op.value))
        self.weights_bytes = sum(d.nbytes for _, d in self.const_data.values())
        self.value_names = self._value_names()
        for view, base in self.schedule.alias.items():
            if self.schedule.base(base) in self.const_names:
                self.const_names[view] = self.const_names[self.schedule.base(base)]

    def _value_names(self) -> dict[SSAValue | Scratch, str]:
        """A unique C name for each stored value: the input's name, the layer's name for a
        layer's result, the name hint (or `<layer>_tmp`) for a layer's intermediates."""
        names: dict[SSAValue | Scratch, str] = {}
        used: set[str] = set()

        def add(v: SSAValue | Scratch, wanted: str) -> None:
            if wanted in RESERVED or re.match(r"^[a-z]\d*$|^[ivx]\d+$|^tqc_|^ARENA", wanted) \
                    or wanted.startswith(f"{self.name}_"):
                wanted = f"t_{wanted}"
            name, k = wanted, 1
            while name in used:
                name, k = f"{wanted}_{k}", k + 1
            used.add(name)
            names[v] = name

        for i, arg in enumerate(self.schedule.inputs):
            add(arg, identifier(arg.name_hint, f"input{i}"))
        for layer in self.schedule.layers:
            last = layer.ops[-1]
            for k in layer.kernels:
                for v in k.writes:
                    if v.owner is last:
                        index = next(i for i, r in enumerate(last.results) if r is v)
                        suffix = f"_{index}" if len(last.results) > 1 else ""
                        add(v, layer.name + suffix)
                    else:
                        add(v, f"{layer.name}_tmp")
                for scratch in k.scratch:
                    add(scratch, f"{layer.name}_{scratch.name}")
        return names

    # -- pieces ------------------------------------------------------------------------------

    def const_array(self, v: SSAValue) -> np.ndarray | None:
        """The data of a constant operand (None if v is not a constant)."""
        cname = self.const_names.get(self.schedule.base(v))
        return None if cname is None else self.const_data[cname][1]

    def io(self) -> tuple[list[SSAValue], list[SSAValue]]:
        return self.schedule.inputs, self.schedule.outputs

    def extra_weight(self, label: str, data: np.ndarray, element: str) -> str:
        """A large table or parameter array of `element`s stored with the weights."""
        base = f"{self.name}_w_{identifier(label, 'c')}"
        cname, k = base, 1
        while cname in self.const_data:
            cname, k = f"{base}_{k}", k + 1
        self.const_data[cname] = (kind(element).c, data)
        self.weights_bytes += data.nbytes
        return cname

    def layer_comment(self, layer: Layer) -> list[str]:
        from tqc.backends.c.describe import describe_layer

        return describe_layer(layer)

    def storage(self, v: SSAValue | Scratch) -> str:
        """The pointer expression for value v inside NAME_invoke."""
        if isinstance(v, Scratch):
            return f"ARENA({v.ctype}, {self.plan.offset(v)}, {self.value_names[v]})"
        base = self.schedule.base(v)
        if base in self.plan.inputs:
            return f"input{self.plan.inputs[base]}"
        if base in self.plan.outputs:
            return f"output{self.plan.outputs[base]}"
        if base in self.const_names:
            return self.const_names[base]
        return f"ARENA({ctype(base)}, {self.plan.offset(base)}, {self.value_names[base]})"

    # -- files -------------------------------------------------------------------------------

    def print_files(self) -> dict[str, str]:
        layers = [LayerPrinter(self, layer) for layer in self.schedule.layers]
        functions = [lp.print() for lp in layers]
        source = self.source_text(layers, functions)
        files = {
            f"{self.name}.h": self.header_text(),
            f"{self.name}.c": source,
            f"{self.name}_weights.c": self.weights_text(),
            "tqc_runtime.h": RUNTIME_HEADER.read_text(),
        }
        return files

    def signature(self) -> str:
        ins, outs = self.io()
        params = [f"const {ctype(v)} *input{i}" for i, v in enumerate(ins)]
        params += [f"{ctype(v)} *output{j}" for j, v in enumerate(outs)]
        return f"int {self.name}_invoke({', '.join(params)})"

    def header_text(self) -> str:
        ins, outs = self.io()
        m = self.macro
        lines = [
            f"/* {self.name}.h: generated by tqc from {self.source}. */",
            f"#ifndef {m}_H",
            f"#define {m}_H",
            "",
            "#include <stdint.h>",
            "",
            f"#define {m}_NUM_INPUTS {len(ins)}",
            f"#define {m}_NUM_OUTPUTS {len(outs)}",
        ]
        for i, v in enumerate(ins):
            lines.append(f"#define {m}_INPUT{i}_SIZE {prod(dims(v))} /* {ctype(v)} "
                         f"[{'x'.join(map(str, dims(v)))}] */")
        for j, v in enumerate(outs):
            lines.append(f"#define {m}_OUTPUT{j}_SIZE {prod(dims(v))} /* {ctype(v)} "
                         f"[{'x'.join(map(str, dims(v)))}] */")
        lines += [
            f"#define {m}_ARENA_BYTES {self.plan.size} /* RAM: activations (static) */",
            f"#define {m}_WEIGHTS_BYTES {self.weights_bytes + self.rom_bytes} "
            "/* ROM: weights, tables, per-layer parameters */",
            "",
            "#ifdef __cplusplus",
            'extern "C" {',
            "#endif",
            "",
            "/* Runs the model on one sample: inputs then outputs, in model order, each a buffer",
            f" * of {m}_INPUTi_SIZE / {m}_OUTPUTj_SIZE elements. Returns 0 on success, -1 if a",
            " * pointer is NULL, 1 where the TFLite reference kernel would abort on this input",
            " * (a SOFTMAX row whose sum of exponentials overflows the output shift). Not",
            " * reentrant: the activations live in one static arena. */",
            self.signature() + ";",
            "",
            "#ifdef __cplusplus",
            "}",
            "#endif",
            "",
            f"#endif /* {m}_H */",
            "",
        ]
        return "\n".join(lines)

    def weights_text(self) -> str:
        lines = [f"/* {self.name}_weights.c: constant weights, biases and tables of {self.name} "
                 f"(generated by tqc from {self.source}). */",
                 "#include <stdint.h>", ""]
        for cname, (ct, data) in self.const_data.items():
            shape = "x".join(map(str, data.shape)) or "scalar"
            lines.append(f"/* [{shape}] */")
            lines.append(f"const {ct} {cname}[{max(data.size, 1)}] = {initializer(data)};")
            lines.append("")
        if not self.const_data:  # an empty translation unit is not ISO C
            lines.append(f"const int {self.name}_no_weights = 0;")
        return "\n".join(lines) + "\n"

    def source_text(self, layers: list[LayerPrinter], functions: list[list[str]]) -> str:
        ins, outs = self.io()
        lines = [
            f"/* {self.name}.c: generated by tqc from {self.source}.",
            " *",
            " * Integer-only C99, bit-exact with the TFLite reference kernels. One function per",
            " * layer; activations in one static arena planned by tensor lifetimes; no malloc, no",
            " * stdio. */",
            f'#include "{self.name}.h"',
            '#include "tqc_runtime.h"',
            "",
        ]
        if self.const_data:
            lines.append(f"/* Weights and tables ({self.name}_weights.c). */")
            for cname, (ct, data) in self.const_data.items():
                lines.append(f"extern const {ct} {cname}[{max(data.size, 1)}];")
            lines.append("")
        if self.plan.size:
            lines += [
                f"/* The activation arena: {self.plan.size} bytes, shared by tensors whose "
                "lifetimes do not overlap.",
                " * ARENA(type, offset, tensor) points at a tensor's slice. Compiled with",
                " * -DTQC_SEPARATE_BUFFERS, each tensor gets its own array instead, so that",
                " * AddressSanitizer can see an access that strays into a neighbour. */",
                "#ifndef TQC_SEPARATE_BUFFERS",
                "static union {",
                "  int64_t align;",
                f"  uint8_t bytes[{self.plan.size}];",
                f"}} {self.name}_arena;",
                "#define ARENA(type, offset, tensor) "
                f"((type *)(void *)({self.name}_arena.bytes + (offset)))",
                "#else",
            ]
            for v, buf in self.plan.buffers.items():
                count = v.count if isinstance(v, Scratch) else prod(dims(v))
                lines.append(f"static {ctype(v)} tensor_{self.value_names[v]}[{max(count, 1)}];")
            lines += ["#define ARENA(type, offset, tensor) (tensor_##tensor)", "#endif", ""]
        for fn_lines in functions:
            lines += fn_lines
            lines.append("")
        lines.append(self.signature() + " {")
        pointers = [f"input{i}" for i in range(len(ins))] + [f"output{j}" for j in range(len(outs))]
        lines.append(f"  if ({' || '.join(f'!{p}' for p in pointers)}) return -1;")
        for lp in layers:
            args = [self.storage(v) for v in lp.params]
            call = f"{lp.fn_name}({', '.join(args)})"
            lines.append(f"  if ({call} != 0) return 1;" if lp.can_fail else f"  {call};")
        for j, v in self.plan.copies:
            n = prod(dims(v))
            lines.append(f"  for (int i = 0; i < {n}; ++i) output{j}[i] = {self.storage(v)}[i];")
        lines.append("  return 0;")
        lines.append("}")
        lines.append("")
        return "\n".join(lines)


def load_emitters() -> None:
    """Import every `emit_*` module beside this file (their decorators register handlers)."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("emit_"):
            importlib.import_module(f"tqc.backends.c.{info.name}")


def print_c(module: ModuleOp, name: str) -> tuple[dict[str, str], "CPrinter"]:
    """The generated files (name → text) and the printer (for its RAM/ROM figures)."""
    load_emitters()
    printer = CPrinter(module, name)
    return printer.print_files(), printer

