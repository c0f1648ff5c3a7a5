"""NumPy lines for `tqi.state_read` / `tqi.state_write` (stream mode): the state of a sample
lives in the dict `_state` that `run` passes to `_run_one` (the module's `_STATE` when the
samples are one stream, fresh reset values otherwise); see `NumpyPrinter.render`."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.numpy.printer import NumpyPrinter, prints
from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array


@prints(tqi.StateReadOp)
def state_read(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.StateReadOp)
    p.states[op.state_name] = p.constant(op.output, dense_array(op.reset))
    return f"{p.v(op.output)} = _state[{op.state_name!r}]"


@prints(tqi.StateWriteOp)
def state_write(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.StateWriteOp)
    return f"_state[{op.state_name!r}] = {p.v(op.value)}"
