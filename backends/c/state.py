"""The state a stream-mode program carries from one `NAME_invoke` to the next (`tqi.state_read`
/ `tqi.state_write`: SVDF's activation state, an LSTM's hidden and cell state).

Each state is a static array `NAME_state_<name>` outside the arena, initialized to its reset
value. The layers read it in place (the value of `tqi.state_read`); `NAME_invoke` copies the
written value into it after the last layer (and after the outputs), so every layer of one
invocation reads the state the previous invocation left. `NAME_reset()` restores the reset
values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.ir import SSAValue

from tqc.backends.c.arena import ctype
from tqc.backends.c.literals import c_int, initializer
from tqc.backends.c.schedule import identifier
from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array
from tqc.names import unique_name


@dataclass(frozen=True)
class State:
    cname: str  # the static array
    read: SSAValue  # the value of tqi.state_read: the array itself
    written: SSAValue  # the operand of tqi.state_write: copied into the array at the end
    reset: np.ndarray

    @property
    def ctype(self) -> str:
        return ctype(self.read)


def find_states(fn: func.FuncOp, prefix: str) -> list[State]:
    """The states of `fn` (one read and one write per name: the tqi verifier's rule), in the
    order of their reads; C names prefixed by `prefix`_state_."""
    ops = list(fn.body.block.ops)
    writes = {op.state_name: op for op in ops if isinstance(op, tqi.StateWriteOp)}
    states: list[State] = []
    used: set[str] = set()
    for op in ops:
        if not isinstance(op, tqi.StateReadOp):
            continue
        base = f"{prefix}_state_{identifier(op.state_name, 's')}"
        cname = unique_name(base, used)
        used.add(cname)
        states.append(State(cname, op.output, writes[op.state_name].value,
                            dense_array(op.reset)))
    return states


def declarations(name: str, states: list[State]) -> list[str]:
    """The static arrays (at their reset values) in NAME.c."""
    if not states:
        return []
    lines = [f"/* The state carried from one invocation to the next ({name}_reset restores "
             "it). */"]
    for s in states:
        shape = "x".join(map(str, s.reset.shape))
        lines.append(f"/* [{shape}] */")
        lines.append(f"static {s.ctype} {s.cname}[{max(s.reset.size, 1)}] = "
                     f"{initializer(s.reset)};")
    return [*lines, ""]


def reset_function(name: str, states: list[State]) -> list[str]:
    """`void NAME_reset(void)`: every state back to its reset value."""
    lines = [f"void {name}_reset(void) {{"]
    for s in states:
        n = s.reset.size
        values = np.unique(s.reset)
        if len(values) == 1:
            lines.append(f"  for (int i = 0; i < {n}; ++i) {s.cname}[i] = {c_int(int(values[0]))};")
            continue
        lines.append(f"  static const {s.ctype} reset_{s.cname}[{n}] = {initializer(s.reset)};")
        lines.append(f"  for (int i = 0; i < {n}; ++i) {s.cname}[i] = reset_{s.cname}[i];")
    return [*lines, "}", ""]


def write_back(states: list[State], storage: Callable[[SSAValue], str]) -> list[str]:
    """The lines at the end of NAME_invoke that store the new states; `storage` gives the
    pointer expression of a written value."""
    return [f"  for (int i = 0; i < {s.reset.size}; ++i) {s.cname}[i] = {storage(s.written)}[i];"
            for s in states]


def header_define(macro: str, states: list[State]) -> list[str]:
    if not states:
        return []
    return [f"#define {macro}_STATE_BYTES {sum(s.reset.nbytes for s in states)} "
            "/* RAM: the state carried between invocations (static) */"]


def header_declaration(name: str, states: list[State]) -> list[str]:
    """The declaration of NAME_reset and what the state means, for NAME.h."""
    if not states:
        return []
    return [
        f"/* The model carries state from one {name}_invoke to the next (as TFLM carries its",
        " * variable tensors): the samples of consecutive calls are one stream. Restores the",
        " * state to its reset value (the value at program start): call it before a sample",
        " * that starts a new stream, e.g. before every sample to run the samples independently",
        " * (TFLM with a reset between invokes). */",
        f"void {name}_reset(void);",
        "",
    ]
