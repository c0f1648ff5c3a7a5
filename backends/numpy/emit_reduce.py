"""NumPy line for `tqi.sum` (runtime/reduce.py)."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.numpy.printer import NumpyPrinter, dims, prints
from tqc.dialects import tqi
from tqc.dialects.accessors import ints


@prints(tqi.SumOp)
def sum_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.SumOp)
    keepdims = len(dims(op.output)) == len(dims(op.input))
    return (f"{p.v(op.output)} = reduce_sum({p.v(op.input)}, "
            f"axes={ints(op.axes)}, keepdims={keepdims})")
