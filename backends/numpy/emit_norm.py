"""NumPy lines for the row-wise normalizations `tqi.log_softmax` (semantics/log_softmax.py)
and `tqi.l2_norm` (semantics/l2_norm.py); the printer copies those modules into the generated
module only when it has one of these ops."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.numpy.printer import NumpyPrinter, prints
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value
from tqc.dialects.element import kind_of


@prints(tqi.LogSoftmaxOp)
def log_softmax_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.LogSoftmaxOp)
    return (f"{p.v(op.output)} = log_softmax({p.v(op.input)}, "
            f"input_multiplier={int_value(op.input_multiplier)}, "
            f"input_left_shift={int_value(op.input_left_shift)}, "
            f"reverse_scaling_divisor={int_value(op.reverse_scaling_divisor)}, "
            f"reverse_scaling_right_shift={int_value(op.reverse_scaling_right_shift)}, "
            f"diff_min={int_value(op.diff_min)}, out_dtype={kind_of(op.output).np_spelling})")


@prints(tqi.L2NormOp)
def l2_norm(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.L2NormOp)
    return (f"{p.v(op.output)} = l2_normalization({p.v(op.input)}, "
            f"zero_point={int_value(op.input_zero_point)}, "
            f"out_dtype={kind_of(op.output).np_spelling})")
