"""NumPy lines for resize and arg-max (runtime/resize.py holds the arithmetic)."""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr
from xdsl.ir import Operation

from tqc.backends.numpy.printer import NumpyPrinter, dims, prints
from tqc.dialects import tqi
from tqc.dialects.element import element, kind_of


def _flag(attr: object) -> bool:
    assert isinstance(attr, IntegerAttr)
    return bool(attr.value.data)


@prints(tqi.ResizeNearestOp, tqi.ResizeBilinearOp)
def resize(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, (tqi.ResizeNearestOp, tqi.ResizeBilinearOp))
    if isinstance(op, tqi.ResizeNearestOp):
        fn = "resize_nearest"
    else:  # uint8: LiteRT's float kernel; int8/int16: the integer kernel
        fn = "resize_bilinear_float" if element(op.input) == "ui8" else "resize_bilinear_int"
    return (f"{p.v(op.output)} = {fn}({p.v(op.input)}, out_hw={dims(op.output)[1:3]}, "
            f"align_corners={_flag(op.align_corners)}, "
            f"half_pixel_centers={_flag(op.half_pixel_centers)})")


@prints(tqi.ArgMaxOp)
def arg_max(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.ArgMaxOp)
    assert isinstance(op.axis, IntegerAttr)
    return (f"{p.v(op.output)} = np.argmax({p.v(op.input)}, axis={op.axis.value.data})"
            f".astype({kind_of(op.output).np_spelling})  # first index of the maximum")
