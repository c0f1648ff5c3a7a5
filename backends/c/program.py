"""What the layer functions of one generated C program share: the schedule, the arena plan,
a C name for every stored value and every weight, and the weights and tables with the ROM they
take. Read-only with respect to the IR."""

from __future__ import annotations

import re
from collections.abc import Collection

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import Operation, SSAValue

from tqc.backends.c.arena import ArenaPlan, ctype, member, plan_arena
from tqc.backends.c.schedule import Schedule, Scratch, build_schedule, identifier
from tqc.backends.c.state import find_states
from tqc.dialects.accessors import dense_array
from tqc.dialects.element import kind, kind_of
from tqc.errors import TqcError
from tqc.names import unique_name

RESERVED = {
    "acc", "base", "best", "row", "oy", "ox", "ch", "patch_sum", "x_sum", "dy0", "dy1", "dx0", "dx1", "wy0", "wy1", "wx0", "wx1",
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "main",
}


class Program:
    """The C program of a module's one function, named `name`; `elementwise` are the op types
    printed as expressions (fused into the loops of their users)."""

    def __init__(self, module: ModuleOp, name: str, elementwise: Collection[type[Operation]]):
        fns = [op for op in module.ops if isinstance(op, func.FuncOp)]
        if len(fns) != 1:
            raise TqcError("c backend: expected one function")
        self.fn = fns[0]
        self.name = name
        self.macro = re.sub(r"\W", "_", name).upper()
        source = module.attributes.get("tfl.source")
        self.source = source.data if isinstance(source, StringAttr) else "a .tflite model"
        self.schedule: Schedule = build_schedule(self.fn, elementwise)
        self.states = find_states(self.fn, name)
        self.plan: ArenaPlan = plan_arena(self.schedule, [s.written for s in self.states])
        self.const_names: dict[SSAValue, str] = {}
        self.const_data: dict[str, tuple[str, np.ndarray]] = {}
        self.extra_names: dict[tuple[str, bytes], str] = {}  # extra_weight's, by content
        # packed conv filters (const_data) -> their rows [count][n], the layout of the AVX2
        # and portable kernels (the C preprocessor picks one: TQC_PACKED_FILTERS)
        self.rows_data: dict[str, np.ndarray] = {}
        self.rom_bytes = 0  # the layer functions' static arrays, counted as they are printed
        used: set[str] = set()
        for op in self.schedule.consts:
            v = op.results[0]
            if not v.uses:
                continue
            base = f"{name}_w_{identifier(v.name_hint, 'c')}"
            cname = unique_name(base, used)
            used.add(cname)
            self.const_names[v] = cname
            self.const_data[cname] = (ctype(v), dense_array(op.value))
        self.weights_bytes = sum(d.nbytes for _, d in self.const_data.values())
        self.value_names = self._value_names()
        for view, base in self.schedule.alias.items():
            if self.schedule.base(base) in self.const_names:
                self.const_names[view] = self.const_names[self.schedule.base(base)]
        self.state_names = {s.read: s.cname for s in self.states}

    def global_name(self, base: SSAValue) -> str | None:
        """The static array of a stored value that lives outside the arena and the parameters
        (a weight or a state), None for the others."""
        return self.const_names.get(base) or self.state_names.get(base)

    def _value_names(self) -> dict[SSAValue | Scratch, str]:
        """A unique C name for each stored value: the input's name, the layer's name for a
        layer's result, the name hint (or `<layer>_tmp`) for a layer's intermediates."""
        names: dict[SSAValue | Scratch, str] = {}
        used: set[str] = set()

        def add(v: SSAValue | Scratch, wanted: str) -> None:
            if wanted in RESERVED or re.match(r"^[a-z]\d*$|^[ivx]\d+$|^tqc_|^ARENA", wanted) \
                    or wanted.startswith(f"{self.name}_"):
                wanted = f"t_{wanted}"
            name = unique_name(wanted, used)
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

    def const_array(self, v: SSAValue) -> np.ndarray | None:
        """The data of a constant operand (None if v is not a constant)."""
        cname = self.const_names.get(self.schedule.base(v))
        return None if cname is None else self.const_data[cname][1]

    def io(self) -> tuple[list[SSAValue], list[SSAValue]]:
        return self.schedule.inputs, self.schedule.outputs

    def extra_weight(self, label: str, data: np.ndarray, element: str) -> str:
        """A large table or parameter array of `element`s stored with the weights; the same data
        asked for again (an unrolled LSTM's tables, one per time step) is stored once."""
        key = (element, data.tobytes())
        if key in self.extra_names:
            return self.extra_names[key]
        base = f"{self.name}_w_{identifier(label, 'c')}"
        cname = unique_name(base, self.const_data)
        self.const_data[cname] = (kind(element).c, data)
        self.weights_bytes += data.nbytes
        self.extra_names[key] = cname
        return cname

    def repacked_weight(self, v: SSAValue, label: str, data: np.ndarray,
                        rows: np.ndarray) -> str:
        """The constant v stored as `data` (its elements rearranged for the SIMD kernels) or
        as `rows` (for the others), chosen by the C preprocessor: in place of v's own array
        when that kernel is v's only reader, else as an extra array. ROM: the larger."""
        base = self.schedule.base(v)
        cname = self.const_names.get(base)
        if cname is None or base is not v or len(list(v.uses)) != 1:
            cname = self.extra_weight(label, data, kind_of(v).name)
        else:
            ctype_, old = self.const_data[cname]
            self.const_data[cname] = (ctype_, data)
            self.weights_bytes += data.nbytes - old.nbytes
        self.rows_data[cname] = rows.reshape(-1)
        return cname

    def storage(self, v: SSAValue | Scratch) -> str:
        """The pointer expression for value v inside NAME_invoke."""
        if isinstance(v, Scratch):
            return f"ARENA({member(v)}, {self.plan.offset(v)}, {self.value_names[v]})"
        base = self.schedule.base(v)
        if base in self.plan.inputs:
            return f"input{self.plan.inputs[base]}"
        if base in self.plan.outputs:
            return f"output{self.plan.outputs[base]}"
        cname = self.global_name(base)
        if cname is not None:
            return cname
        return f"ARENA({member(base)}, {self.plan.offset(base)}, {self.value_names[base]})"
