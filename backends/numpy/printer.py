"""Print a lowered (`tqi`) module as a standalone NumPy module.

The printer only reads the IR. One small handler per op turns it into one line of Python that
calls a runtime function (the files in `runtime/`, copied into the module) or a NumPy
primitive. Weights go to a compressed blob at the end of the file, so the module needs nothing
but NumPy. Unknown ops raise.
"""

from __future__ import annotations

import base64
import io
import math
import re
import zlib
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    IntegerAttr,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Operation, SSAValue

from tqc import semantics
from tqc.backends.numpy.fuse import requantize_chain
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value, ints
from tqc.dialects.accessors import shape as dims
from tqc.dialects.element import kind_of
from tqc.errors import TqcError
from tqc.names import legal_identifier, unique_name
from tqc.registry import Registry, import_submodules
from tqc.semantics import RUNTIME_MODULES

RUNTIME = Path(__file__).parent / "runtime"
SEMANTICS = Path(semantics.__file__).parent
IMPORT_LINE = r"^from (?:\.|tqc\.semantics\.)(\w+) import "
IMPORT_REST = r"(?:\([^)]*\)|.*)\n"  # the imported names, parenthesized over lines or not
INLINE_LIMIT = 16

Handler = Callable[["NumpyPrinter", Operation], str]
HANDLERS: Registry[type[Operation], Handler] = Registry("NumPy printers")
prints = HANDLERS.register


# Semantics modules a generated module carries only when it has one of these ops (so that the
# modules of models without them stay as they were).
OPTIONAL_RUNTIME: dict[type[Operation], str] = {tqi.DivideOp: "divide",
                                                 tqi.MulRoundF32Op: "round_f32",
                                                 tqi.MulAddRoundF32Op: "round_f32",
                                                 tqi.QuantizeRneOp: "round_f32",
                                                 tqi.LogSoftmaxOp: "log_softmax",
                                                 tqi.L2NormOp: "l2_norm"}


@cache
def runtime_source(optional: tuple[str, ...] = ()) -> str:
    """The run-time code a generated module carries: the execution strategies in `runtime/`
    and the reference arithmetic they use (`tqc.semantics.RUNTIME_MODULES`, plus the `optional`
    ones the module needs, `OPTIONAL_RUNTIME`), concatenated, each
    after the modules it imports (`from .x import ...` or `from tqc.semantics.x import ...`;
    otherwise fixedpoint first, then by name), without those import lines; they must not define
    clashing names."""
    files = {p.stem: p for p in RUNTIME.glob("*.py") if p.stem != "__init__"}
    files.update({name: SEMANTICS / f"{name}.py" for name in (*RUNTIME_MODULES, *optional)})
    texts = {name: path.read_text() for name, path in files.items()}
    order: list[str] = []

    def visit(name: str, importers: tuple[str, ...] = ()) -> None:
        if name in order or name in importers:  # placed already, or an import cycle
            return
        for dep in re.findall(IMPORT_LINE, texts[name], flags=re.MULTILINE):
            visit(dep, (*importers, name))
        order.append(name)

    for name in ["fixedpoint", *sorted(texts)]:
        visit(name)
    parts = []
    for name in order:
        text = re.sub(IMPORT_LINE + IMPORT_REST, "", texts[name], flags=re.MULTILINE)
        text = re.sub(r"^import numpy as np\n", "", text, flags=re.MULTILINE)
        where = f"{files[name].parent.name}/{name}.py"
        parts.append(f"# ---- {where} " + "-" * 60 + "\n" + text.strip() + "\n")
    return "\n\n".join(parts)





def batchable(fn: func.FuncOp) -> bool:
    """True if axis 0 of every non-constant tensor is the batch axis (size 1, never moved,
    mixed or reduced) and no state carries from one sample to the next, so the module can run
    N samples at once."""
    for op in fn.body.block.ops:
        if isinstance(op, (tqi.StateOp, tqi.GatherOp, tqi.NonzeroCheckOp)):  # run-time
            # indices or divisors: the reference fails per sample
            return False
        if isinstance(op, (tqi.ConstOp, func.ReturnOp)):
            continue
        if isinstance(op, tqi.FullyConnectedOp) and not isinstance(op.filter.owner, tqi.ConstOp):
            return False  # a computed [1, K] filter: its axis 0 is a unit, not the batch
        for v in list(op.results) + list(op.operands):
            if isinstance(v.owner, tqi.ConstOp):
                continue
            if len(dims(v)) < 2 or dims(v)[0] != 1:  # rank ≤ 1: the only axis is data
                return False
        axis = op.properties.get("axis")
        if isinstance(axis, IntegerAttr) and axis.value.data == 0:
            return False
        if isinstance(op, tqi.TransposeOp) and ints(op.perm)[0] != 0:
            return False
        if isinstance(op, tqi.SumOp) and 0 in ints(op.axes):
            return False
        if isinstance(op, tqi.PadOp) and ints(op.paddings)[:2] != (0, 0):
            return False
        if isinstance(op, tqi.SliceOp) and ints(op.strides)[0] != 1:
            return False
        if isinstance(op, tqi.FullyConnectedOp) and not constant_only(op.filter):
            return False  # a computed filter (BATCH_MATMUL): its axis 0 is the units, not the batch
    return True



CHUNK_ELEMENTS = 1 << 20
CHUNK_DOC = f"the largest tensor of a chunk stays below {CHUNK_ELEMENTS} values (the CPU's cache)"


def chunk_size(fn: func.FuncOp) -> int:
    """Samples a batched module runs at once: the largest power of two (at most 256) that
    keeps the largest tensor of one step below CHUNK_ELEMENTS values. Larger steps spill the
    cache on every op (measured: VWW per sample 7.5 ms in steps of 16, 12 ms in one of 64)."""
    largest = 1
    for op in fn.body.block.ops:
        for v in op.results:
            if not isinstance(op, tqi.ConstOp):
                largest = max(largest, math.prod(dims(v)))
    chunk = 1
    while chunk < 256 and 2 * chunk * largest <= CHUNK_ELEMENTS:
        chunk *= 2
    return chunk


def constant_only(v: SSAValue) -> bool:
    """True if `v` is computed from constants only (it has no sample axis at run time)."""
    stack, seen = [v], set()
    while stack:
        owner = stack.pop().owner
        if not isinstance(owner, Operation) or not (owner.operands or isinstance(owner, tqi.ConstOp)):
            return False  # a graph input (or an op that makes values from nothing)
        if owner not in seen:
            seen.add(owner)
            stack.extend(owner.operands)
    return True


@cache
def runtime_names(optional: tuple[str, ...] = ()) -> frozenset[str]:
    """The functions and constants the runtime code and the module define at module level."""
    source = runtime_source(optional)
    functions = re.findall(r"^def (\w+)\(", source, flags=re.MULTILINE)
    constants = re.findall(r"^([A-Z_][A-Z0-9_]*) =", source, flags=re.MULTILINE)
    return frozenset([*functions, *constants, "INPUTS", "OUTPUTS"])

class NumpyPrinter:
    """Turns one lowered `func.func @main` into the text of a Python module."""

    def __init__(self, module: ModuleOp, name: str):
        fns = [op for op in module.ops if isinstance(op, func.FuncOp)]
        if len(fns) != 1:
            raise TqcError("numpy backend: expected one function")
        self.fn = fns[0]
        self.batched = batchable(self.fn)
        self.name = name
        self.names: dict[SSAValue, str] = {}
        self.used: set[str] = set()
        self.consts: dict[str, np.ndarray] = {}
        self.shared_keys: dict[tuple[str, tuple[int, ...], bytes], str] = {}  # shared constants
        self.states: dict[str, str] = {}  # state name → its reset value's expression
        self.stateful = tqi.has_state(self.fn)
        # names of the module the values must not take (a tensor named `quantize` would hide
        # the runtime's function of that name)
        self.optional = tuple(sorted({name for op in self.fn.body.block.ops
                                      for cls, name in OPTIONAL_RUNTIME.items()
                                      if isinstance(op, cls)}))
        # (`i`, `results`, `outputs`: the locals of run() when it runs one sample at a time)
        self.reserved = {"np", "n", "run", "i", "results", "outputs", "CHUNK", "_join_chunks",
                         *runtime_names(self.optional)}
        if self.stateful:
            self.reserved |= {"reset", "stream"}
        source = module.attributes.get("tfl.source")
        self.source = source.data if isinstance(source, StringAttr) else ""

    # -- naming ----------------------------------------------------------------------------

    def fresh(self, hint: str | None, prefix: str = "t") -> str:
        base = legal_identifier(hint or prefix, prefix, reserved=self.reserved)
        if base.startswith("_"):
            base = f"{prefix}_{base.lstrip('_')}"
        name = unique_name(base, self.used)
        self.used.add(name)
        return name

    def v(self, value: SSAValue) -> str:
        return self.names[value]

    def output(self, value: SSAValue) -> str:
        """A returned value; one computed from constants only gets the sample axis N of the I/O
        contract when all samples run at once (one at a time, the samples are stacked)."""
        if not self.batched or not constant_only(value):
            return self.v(value)
        d = dims(value)
        sample = tuple(d[1:]) if d[:1] == (1,) else tuple(d)
        return f"np.broadcast_to({self.v(value)}.reshape({sample!r}), (n, *{sample!r})).copy()"

    def shape_expr(self, value: SSAValue) -> str:
        """The run-time shape: the model's shape, with the batch axis replaced by n when the
        module runs all samples at once."""
        d = dims(value)
        if not self.batched:
            return repr(tuple(d))
        rest = ", ".join(str(x) for x in d[1:])
        return f"(n, {rest})" if rest else "(n,)"

    # -- module ----------------------------------------------------------------------------

    def print_module(self) -> str:
        block = self.fn.body.block
        args = [self.fresh(a.name_hint, "x") for a in block.args]
        for a, name in zip(block.args, args):
            self.names[a] = name
        body: list[str] = []
        fused: set[Operation] = set()  # ops printed already, inside a requantize line
        for op in block.ops:
            if op in fused:
                continue
            if isinstance(op, func.ReturnOp):
                outs = [self.output(o) for o in op.operands]
                body.append("return " + (outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ",)"))
                continue
            handler = HANDLERS.get(type(op))
            if handler is None:
                raise TqcError(f"numpy backend: no printer for {op.name}")
            layer = op.attributes.get("tqc.layer")
            if isinstance(layer, StringAttr):
                body += ["", *(f"# {line}" for line in layer.data.split(" | "))]
            chain = requantize_chain(op)
            if chain is not None:
                out = chain[-1].results[0]
                self.names[out] = self.fresh(out.name_hint)
                body.append(self.requantize(chain))
                fused.update(chain)
                continue
            for r in op.results:
                self.names[r] = self.fresh(r.name_hint)
            line = handler(self, op)
            if line:
                body.append(line)
        return self.render(args, body)

    def render(self, args: list[str], body: list[str]) -> str:
        block = self.fn.body.block
        batch = self.batched
        in_specs = [(dims(a), kind_of(a).np_spelling) for a in block.args]
        out_specs = [(dims(o), kind_of(o).np_spelling) for o in block.last_op.operands]  # type: ignore[union-attr]
        params = ", ".join(args)
        lines = [
            f'"""{self.name}: generated by tqc from {self.source or "a .tflite model"}.',
            "",
            "Integer-only NumPy re-implementation of the model, bit-exact with the TFLite",
            "reference kernels. Usage:",
            "",
            f"    import {self.name}",
            f"    y = {self.name}.run({params})",
            *(STATE_USAGE.format(name=self.name, params=params).split("\n")
              if self.stateful else []),
            "",
            "Each input and output has a leading sample axis N: it replaces the model's batch",
            "dimension of 1, or is added in front of any other shape; every input has the same N.",
            "Inputs:  " + "; ".join(f"{a}: {d} {t}" for a, (d, t) in zip(args, in_specs)),
            "Outputs: " + "; ".join(f"{d} {t}" for d, t in out_specs),
            '"""',
            "",
            "import base64",
            "import io",
            "import zlib",
            "",
            "import numpy as np",
            "",
            runtime_source(self.optional),
            "",
            f"INPUTS = {[(d, t.removeprefix('np.')) for d, t in in_specs]!r}",
            f"OUTPUTS = {[(d, t.removeprefix('np.')) for d, t in out_specs]!r}",
            "",
            "",
        ]
        check = [f"{a} = _check_input({a}, {i})" for i, a in enumerate(args)]
        check.append(f"n = _samples({params})")
        if batch:
            lines.append(f"CHUNK = {chunk_size(self.fn)}  # samples run at once: {CHUNK_DOC}")
            lines += ["", ""]
            lines.append(f"def run({params}):")
            lines.append('    """Run N samples, CHUNK at once; returns the output array(s)."""')
            lines += ["    " + c for c in check]
            lines.append("    if n > CHUNK:")
            lines.append(f"        return _join_chunks([run({', '.join(f'{a}[i:i + CHUNK]' for a in args)})"
                         " for i in range(0, n, CHUNK)])")
            lines += [_indent(b) for b in body]
            lines += ["", "", JOIN_CHUNKS]
        else:
            state = ["_state"] if self.stateful else []
            lines.append(f"def _run_one({', '.join([*args, *state])}):")
            lines.append("    n = 1")
            lines += [_indent(b) for b in body]
            if self.stateful:
                lines += ["", "", f"def run({', '.join([*args, 'stream=False'])}):",
                          *("    " + line for line in STATE_RUN_DOC.split("\n"))]
            else:
                lines += ["", "", f"def run({params}):",
                          '    """Run N samples (one at a time: this graph mixes the batch axis)."""']
            lines += ["    " + c for c in check]
            # a sample of an input with a batch dimension of 1 keeps it; others lose the axis
            sl = [f"{a}[i:i + 1]" if d[:1] == (1,) else f"{a}[i]"
                  for a, (d, _) in zip(args, in_specs)]
            if self.stateful:
                sl.append("_STATE if stream else _reset_values()")
            lines.append(f"    results = [_run_one({', '.join(sl)}) for i in range(n)]")
            joins = ["np.concatenate" if d[:1] == (1,) else "np.stack" for d, _ in out_specs]
            if len(out_specs) == 1:
                lines.append(f"    return {joins[0]}(results, axis=0)")
            else:
                lines.append("    outputs = list(zip(*results))")
                items = ", ".join(f"{j}(outputs[{k}], axis=0)" for k, j in enumerate(joins))
                lines.append(f"    return ({items},)")
        lines += ["", "", CHECK_INPUT, "", self.constants_block()]
        if self.stateful:
            lines += ["", "", self.states_block()]
        return "\n".join(lines) + "\n"

    def states_block(self) -> str:
        """The reset values, the module's state and `reset()` (after the weights they read)."""
        resets = "".join(f"\n    {name!r}: {expr}," for name, expr in self.states.items())
        return STATE_BLOCK.format(resets=resets)

    def constants_block(self) -> str:
        if not self.consts:
            return "_W = {}"
        buf = io.BytesIO()
        arrays: dict[str, Any] = self.consts  # (typed: numpy's stub fears a key allow_pickle)
        np.savez(buf, **arrays)
        blob = base64.b64encode(zlib.compress(buf.getvalue(), 9)).decode()
        chunks = "\n".join(blob[i:i + 100] for i in range(0, len(blob), 100))
        return ("# Weights and other large constants: a zlib-compressed .npz, base64-encoded.\n"
                "_W = dict(np.load(io.BytesIO(zlib.decompress(base64.b64decode(\n"
                f'"""\n{chunks}\n"""\n)))))')

    def requantize(self, chain: list[Operation]) -> str:
        """One `requantize(...)` line for a chain found by `requantize_chain`."""
        mul, shift, add, clamp, cast = chain
        assert isinstance(mul, tqi.MulHighOp) and isinstance(shift, tqi.ShiftRightRoundOp)
        assert isinstance(add, tqi.AddConstOp) and isinstance(clamp, tqi.ClampOp)
        assert isinstance(cast, tqi.CastOp)
        out = self.v(cast.output)
        multiplier = self.param(ints(mul.multiplier), f"{out}_multiplier")
        amount = self.param(ints(shift.amount), f"{out}_shift")
        offset = self.param(ints(add.value), f"{out}_offset")
        return (f"{out} = requantize({self.v(mul.input)}, {multiplier}, {amount}, offset={offset}, "
                f"lo={int_value(clamp.min)}, hi={int_value(clamp.max)}, "
                f"dtype={kind_of(cast.output).np_spelling})")

    def param(self, values: Sequence[int], key: str) -> str:
        """A per-channel parameter: a scalar when uniform, inline when short, else a named
        constant in the weights blob."""
        values = list(values)
        if len(values) == 1:
            return str(values[0])
        if len(values) <= INLINE_LIMIT:
            return f"np.array({values!r}, dtype=np.int64)"
        name = self.fresh(key, "p")
        self.consts[name] = np.array(values, dtype=np.int64)
        return f"_W[{name!r}]"

    def constant(self, value: SSAValue, data: np.ndarray, shared: bool = False) -> str:
        """A constant array, inline when short, else in the weights blob. `shared`: data asked
        for again with `shared` (a table in every step of an unrolled LSTM) is stored once."""
        if data.size <= INLINE_LIMIT:
            return f"np.array({data.tolist()!r}, dtype={kind_of(value).np_spelling})"
        content = (str(data.dtype), data.shape, data.tobytes())
        if shared and content in self.shared_keys:
            return f"_W[{self.shared_keys[content]!r}]"
        key = self.v(value)
        self.consts[key] = data
        if shared:
            self.shared_keys[content] = key
        return f"_W[{key!r}]"


CHECK_INPUT = '''def _sample_shape(shape):
    """One sample's shape: the model's shape without a leading batch dimension of 1 (N replaces
    it); any other shape gets N in front."""
    return tuple(shape[1:]) if tuple(shape[:1]) == (1,) else tuple(shape)


def _check_input(x, index):
    shape, dtype = INPUTS[index]
    x = np.asarray(x)
    sample = _sample_shape(shape)
    if x.ndim != len(sample) + 1 or tuple(x.shape[1:]) != sample:
        raise ValueError(f"input {index}: expected shape (N, {', '.join(map(str, sample))}), got {x.shape}")
    if x.dtype != np.dtype(dtype):
        raise ValueError(f"input {index}: expected dtype {dtype}, got {x.dtype}")
    return x


def _samples(*xs):
    """The common sample count N of the inputs."""
    counts = [x.shape[0] for x in xs]
    if len(set(counts)) > 1:
        raise ValueError(f"inputs have different sample counts {counts}: every input needs the same N")
    return counts[0] if counts else 1'''


JOIN_CHUNKS = '''def _join_chunks(results):
    """The outputs of the chunks, joined along the sample axis."""
    if isinstance(results[0], tuple):
        return tuple(np.concatenate(parts, axis=0) for parts in zip(*results))
    return np.concatenate(results, axis=0)'''


STATE_USAGE = """    y = {name}.run({params}, stream=True)  # the samples as one stream, see reset()
    {name}.reset()"""

STATE_RUN_DOC = '''"""Run N samples one at a time; returns the output array(s).

The model carries state from one invocation to the next. stream=False: every sample
starts from the reset state (independent samples; the module's state is left as it is).
stream=True: the samples are one stream, in order, continuing from the module's state,
which they update: the stream goes on across calls until reset().
"""'''

STATE_BLOCK = '''# The state carried from one invocation to the next, by name: the reset values, and the state
# of the stream that run(..., stream=True) continues.
_RESET = {{{resets}
}}
_STATE = {{}}


def _reset_values():
    return {{name: value.copy() for name, value in _RESET.items()}}


def reset():
    """Restore every state to its reset value: the next run(..., stream=True) starts a new
    stream."""
    _STATE.clear()
    _STATE.update(_reset_values())


reset()'''


def _indent(line: str) -> str:
    return "    " + line if line else ""


def load_emitters() -> None:
    """Import every `emit_*` module beside this file (their `@prints` register handlers)."""
    import_submodules(__package__ or "tqc.backends.numpy", "emit_")


def print_numpy(module: ModuleOp, name: str) -> str:
    """The text of the standalone NumPy module for a lowered module."""
    load_emitters()
    return NumpyPrinter(module, name).print_module()

