"""NumPy line for `tqi.softmax` (runtime/softmax.py)."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.numpy.printer import NumpyPrinter, prints
from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array, int_value
from tqc.dialects.element import kind_of


@prints(tqi.SoftmaxOp)
def softmax_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.SoftmaxOp)
    return (f"{p.v(op.output)} = softmax({p.v(op.input)}, "
            f"input_multiplier={int_value(op.input_multiplier)}, "
            f"input_left_shift={int_value(op.input_left_shift)}, diff_min={int_value(op.diff_min)}, "
            f"out_dtype={kind_of(op.output).np_spelling})")


@prints(tqi.SoftmaxLutOp)
def softmax_lut(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.SoftmaxLutOp)
    luts = []
    for suffix, attr in (("exp_lut", op.exp_lut), ("reciprocal_lut", op.reciprocal_lut)):
        key = p.fresh(f"{p.v(op.output)}_{suffix}")
        p.consts[key] = dense_array(attr)
        luts.append(f"_W[{key!r}]")
    exp_lut, reciprocal_lut = luts
    return (f"{p.v(op.output)} = softmax_int16({p.v(op.input)}, "
            f"input_multiplier={int_value(op.input_multiplier)}, input_shift={int_value(op.input_shift)}, "
            f"exp_lut={exp_lut}, reciprocal_lut={reciprocal_lut})")
