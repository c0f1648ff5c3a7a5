"""NumPy line for `tqi.gather` (runtime/gather.py): rows chosen by run-time index tuples."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.numpy.printer import NumpyPrinter, prints
from tqc.dialects import tqi
from tqc.dialects.accessors import ints


@prints(tqi.GatherOp)
def gather(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.GatherOp)
    return (f"{p.v(op.output)} = gather_rows({p.v(op.data)}, {p.v(op.indices)}, "
            f"{list(ints(op.dims))}, {op.check.data!r})")
