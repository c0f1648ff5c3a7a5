"""NumPy line for `tqi.sum` (runtime/reduce.py)."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.numpy.printer import NumpyPrinter, array_values, dims, prints
from tqc.dialects import tqi


@prints(tqi.SumOp)
def sum_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.SumOp)
    keepdims = len(dims(op.output)) == len(dims(op.input))
    return (f"{p.v(op.output)} = reduce_sum({p.v(op.input)}, "
            f"axes={tuple(array_values(op.axes))}, keepdims={keepdims})")
