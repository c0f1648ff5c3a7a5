"""Loop of `tqi.softmax_lut`: int16 SOFTMAX with two interpolated LUTs (TFLM SoftmaxInt16)."""

from __future__ import annotations

from math import prod

import numpy as np
from xdsl.ir import Operation

from tqc.backends.c.layer_printer import KernelHandler, LayerPrinter
from tqc.backends.c.schedule import Kernel
from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array, int_value
from tqc.dialects.accessors import shape as dims
from tqc.dialects.element import kind_of
from tqc.errors import TqcError


def softmax_lut(lp: LayerPrinter, k: Kernel) -> None:
    """int16 softmax with the two interpolated LUTs (stored with the weights)."""
    op = k.anchor
    assert isinstance(op, tqi.SoftmaxLutOp)
    if kind_of(op.input).name != "i16" or kind_of(op.output).name != "i16":
        raise TqcError("c backend: tqi.softmax_lut needs int16 input and output")
    shape = dims(op.input)
    depth = shape[-1]
    rows = prod(shape[:-1])
    luts = []
    for label, attr in (("exp_lut", op.exp_lut), ("reciprocal_lut", op.reciprocal_lut)):
        data = dense_array(attr).reshape(-1)
        if data.size != 513 or data.dtype != np.int16:
            raise TqcError(f"c backend: tqi.softmax_lut {label} must be 513 int16 values")
        luts.append(lp.p.extra_weight(f"{lp.layer.name}_{label}", data, "i16"))
    x, y = lp.buf(op.input), lp.buf(op.output)
    b = lp.body
    if rows > 1:
        b.line(f"for (int r = 0; r < {rows}; ++r)")
        x, y = f"{x} + r * {depth}", f"{y} + r * {depth}"
    b.line(f"{'  ' if rows > 1 else ''}tqc_softmax_lut_i16({x}, {y}, {depth}, "
           f"{int_value(op.input_multiplier)}, {int_value(op.input_shift)}, {luts[0]}, {luts[1]});")


KERNELS: dict[type[Operation], KernelHandler] = {tqi.SoftmaxLutOp: softmax_lut}
