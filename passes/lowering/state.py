"""Stream mode: the state of an op (SVDF's activation state, an LSTM's hidden and cell state)
carried from one invocation of the model to the next, as TFLM carries its variable tensors when
it is not reset between invocations.

The importer passes a state operand as a constant holding TFLM's reset value (one invocation =
one sample, the default lowering). In stream mode a rule reads the state instead
(`tqi.state_read`, named after the operand's tensor, with that constant as the reset value) and
writes the new one (`tqi.state_write`) for the next invocation.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import StringAttr
from xdsl.ir import SSAValue

from tqc.dialects import tqi
from tqc.passes.lowering import Builder


@dataclass(frozen=True)
class State:
    """One state of the op being lowered: its name and its value as the previous invocation
    left it."""

    name: str
    value: SSAValue


def _unique_name(b: Builder, wanted: str) -> str:
    block = b.op.parent_block()
    ops = [*(block.ops if block is not None else ()), *b.ops]
    taken = {op.state_name for op in ops if isinstance(op, tqi.StateOp)}
    name, k = wanted, 1
    while name in taken:
        name, k = f"{wanted}_{k}", k + 1
    return name


def read_state(b: Builder, operand: SSAValue) -> State:
    """The state behind a `tq` operand that holds its reset value."""
    index = next(i for i, v in enumerate(b.op.operands) if v is operand)
    reset = b.operands[index].owner
    if not isinstance(reset, tqi.ConstOp):
        raise b.error(f"the state '{operand.name_hint}' has no constant reset value")
    name = _unique_name(b, operand.name_hint or "state")
    value = b.value(tqi.StateReadOp, [], reset.value.type, name=StringAttr(name),
                    reset=reset.value)
    return State(name, value)


def write_state(b: Builder, state: State, value: SSAValue) -> None:
    """The state the next invocation reads."""
    b.emit(tqi.StateWriteOp, [value], [], name=StringAttr(state.name))
