"""NumPy line for `tqi.softmax` (runtime/softmax.py)."""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr
from xdsl.ir import Operation

from tqc.backends.numpy.printer import NP_DTYPES, NumpyPrinter, dense_to_numpy, element, prints
from tqc.dialects import tqi


def _int(attr: object) -> int:
    assert isinstance(attr, IntegerAttr)
    return int(attr.value.data)


@prints(tqi.SoftmaxOp)
def softmax_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.SoftmaxOp)
    return (f"{p.v(op.output)} = softmax({p.v(op.input)}, "
            f"input_multiplier={_int(op.input_multiplier)}, "
            f"input_left_shift={_int(op.input_left_shift)}, diff_min={_int(op.diff_min)}, "
            f"out_dtype={NP_DTYPES[element(op.output)]})")


@prints(tqi.SoftmaxLutOp)
def softmax_lut(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.SoftmaxLutOp)
    luts = []
    for suffix, attr in (("exp_lut", op.exp_lut), ("reciprocal_lut", op.reciprocal_lut)):
        key = p.fresh(f"{p.v(op.output)}_{suffix}")
        p.consts[key] = dense_to_numpy(attr)
        luts.append(f"_W[{key!r}]")
    exp_lut, reciprocal_lut = luts
    return (f"{p.v(op.output)} = softmax_int16({p.v(op.input)}, "
            f"input_multiplier={_int(op.input_multiplier)}, input_shift={_int(op.input_shift)}, "
            f"exp_lut={exp_lut}, reciprocal_lut={reciprocal_lut})")
