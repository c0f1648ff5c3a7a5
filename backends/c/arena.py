"""Storage for every stored tensor of a scheduled function: the caller's input and output
buffers, the constant weights, or a slice of one static arena planned by lifetimes.

Read-only with respect to the IR. A tensor's lifetime runs from the layer that stores it to
the last layer that reads it (views extend their base's lifetime); counting in layers rather
than loop nests keeps all the buffers of one layer function apart, as its `restrict` pointer
parameters promise. Tensors whose lifetimes do
not overlap may share bytes; offsets are chosen greedily, largest tensor first, at the lowest
aligned offset that does not collide with an already placed tensor of overlapping lifetime
(the greedy-by-size planner of TFLite Micro). Tensors read through different non-character
types (int16 and int32, say) never share bytes, so that the reuse is invisible to type-based
alias analysis.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from math import prod

from xdsl.ir import SSAValue

from tqc.backends.c.schedule import Schedule, Scratch
from tqc.dialects.accessors import shape
from tqc.dialects.element import KINDS, kind_of

ALIGN = 16


def ctype(v: SSAValue | Scratch) -> str:
    """The C element type of a stored value or scratch buffer."""
    if isinstance(v, Scratch):
        return v.ctype
    return kind_of(v).c  # a bool (i1) is one uint8_t byte, 0 or 1


# Each stored C element type: its member of the arena union (`ARENA(member, ...)` in the
# generated code) and its size in bytes; uint32_t are the wrapping accumulators of Scratch.
MEMBERS: dict[str, tuple[str, int]] = {
    **{k.c: (k.c_suffix, k.nbytes) for k in KINDS.values() if k.bits != 1},
    "uint32_t": ("u32", 4)}


def member(v: SSAValue | Scratch) -> str:
    """The member of the arena union that a buffer is accessed through (its element type)."""
    return MEMBERS[ctype(v)][0]


def nbytes(v: SSAValue) -> int:
    return prod(shape(v)) * kind_of(v).nbytes


@dataclass
class Buffer:
    value: SSAValue | Scratch
    size: int
    first: int  # index of the layer that stores it
    last: int  # index of the last layer that reads it
    offset: int = -1
    alias: str = field(init=False)  # alias_class(value), computed once (checked O(n^2) times)

    def __post_init__(self) -> None:
        self.alias = alias_class(self.value)


@dataclass
class ArenaPlan:
    """Where each stored (base) value lives: `input[i]`, `output[j]`, a weight, or the arena."""

    inputs: dict[SSAValue, int] = field(default_factory=dict)
    outputs: dict[SSAValue, int] = field(default_factory=dict)  # stored straight into output j
    copies: list[tuple[int, SSAValue]] = field(default_factory=list)  # output j ← value at the end
    buffers: dict[SSAValue | Scratch, Buffer] = field(default_factory=dict)
    size: int = 0

    def offset(self, v: SSAValue | Scratch) -> int:
        return self.buffers[v].offset


def plan_arena(s: Schedule, kept: Collection[SSAValue] = ()) -> ArenaPlan:
    """`kept`: values read after the last layer besides the outputs (the state written back)."""
    plan = ArenaPlan()
    for i, arg in enumerate(s.inputs):
        plan.inputs[arg] = i
    produced = {v for k in s.kernels for v in k.writes}
    for j, out in enumerate(s.outputs):
        base = s.base(out)
        if base in produced and base not in plan.outputs:
            plan.outputs[base] = j  # stored straight into the caller's buffer
        else:
            plan.copies.append((j, out))
    for layer in s.layers:  # lifetimes in layers: a layer function's buffers never overlap
        index = layer.index
        for k in layer.kernels:
            for v in k.writes:
                if v not in plan.outputs:
                    plan.buffers[v] = Buffer(v, nbytes(v), index, index)
            for v in k.reads:
                if v in plan.buffers:
                    plan.buffers[v].last = max(plan.buffers[v].last, index)
            for scratch in k.scratch:
                plan.buffers[scratch] = Buffer(scratch, scratch.nbytes, index, index)
    end = len(s.layers)
    for out in [*(out for _, out in plan.copies), *kept]:  # read after the last kernel
        base = s.base(out)
        if base in plan.buffers:
            plan.buffers[base].last = end
    plan.size = _place(list(plan.buffers.values()))
    return plan


def alias_class(v: SSAValue | Scratch) -> str:
    """The C type-based aliasing class of a buffer's element type: "char" for 8-bit types
    (they may alias anything), else the type with the signedness dropped."""
    kind = ctype(v).removeprefix("u")
    return "char" if kind == "int8_t" else kind


def _conflict(a: Buffer, b: Buffer) -> bool:
    """Two buffers may not share bytes if their lifetimes overlap, or if they are accessed
    through different non-character types: keeping those apart makes the arena safe under
    the compilers' type-based alias analysis (no -fno-strict-aliasing needed)."""
    if a.first <= b.last and b.first <= a.last:
        return True
    return a.alias != b.alias and "char" not in (a.alias, b.alias)


def _place(buffers: list[Buffer]) -> int:
    """Greedy by size: each buffer at the lowest aligned offset that no conflicting buffer
    (overlapping lifetime, or another non-character type) occupies."""
    placed: list[Buffer] = []
    total = 0
    for b in sorted(buffers, key=lambda b: (-b.size, b.first)):
        overlapping = sorted((p for p in placed if _conflict(p, b)), key=lambda p: p.offset)
        offset = 0
        for p in overlapping:
            if offset + b.size <= p.offset:
                break
            offset = max(offset, _align(p.offset + p.size))
        b.offset = offset
        placed.append(b)
        total = max(total, offset + b.size)
    return _align(total) if total else 0


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN
