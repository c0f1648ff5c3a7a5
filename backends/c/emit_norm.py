"""Loops of the row-wise normalizations `tqi.log_softmax` (runtime/tqc_log_softmax.h) and
`tqi.l2_norm` (runtime/tqc_l2norm.h): one call per row of the last axis."""

from __future__ import annotations

from math import prod

from xdsl.ir import Operation

from tqc.backends.c.layer_printer import KernelHandler, LayerPrinter
from tqc.backends.c.literals import c_int
from tqc.backends.c.schedule import Kernel
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value
from tqc.dialects.accessors import shape as dims
from tqc.dialects.element import kind_of
from tqc.errors import TqcError


def _rows(lp: LayerPrinter, op: Operation, call: str) -> None:
    """`call(x, y, depth, ...)` on every row of the op's input and output."""
    shape = dims(op.operands[0])
    depth, rows = shape[-1], prod(shape[:-1])
    x, y = lp.buf(op.operands[0]), lp.buf(op.results[0])
    b = lp.body
    if rows > 1:
        b.line(f"for (int r = 0; r < {rows}; ++r)")
        x, y = f"{x} + r * {depth}", f"{y} + r * {depth}"
    b.line(f"{'  ' if rows > 1 else ''}{call.format(x=x, y=y, depth=depth)}")


def _suffix(op: Operation) -> str:
    k = kind_of(op.results[0])
    if k.name not in ("i8", "ui8") or kind_of(op.operands[0]).name != k.name:
        raise TqcError(f"c backend: {op.name} on {k.name} is not supported")
    return k.c_suffix


def log_softmax(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.LogSoftmaxOp)
    _rows(lp, op, f"tqc_log_softmax_{_suffix(op)}({{x}}, {{y}}, {{depth}}, "
          f"{int_value(op.input_multiplier)}, {int_value(op.input_left_shift)}, "
          f"{int_value(op.reverse_scaling_divisor)}, {int_value(op.reverse_scaling_right_shift)}, "
          f"{c_int(int_value(op.diff_min))});")


def l2_norm(lp: LayerPrinter, k: Kernel) -> None:
    op = k.anchor
    assert isinstance(op, tqi.L2NormOp)
    _rows(lp, op, f"tqc_l2_norm_{_suffix(op)}({{x}}, {{y}}, {{depth}}, "
          f"{c_int(int_value(op.input_zero_point))});")


KERNELS: dict[type[Operation], KernelHandler] = {tqi.LogSoftmaxOp: log_softmax,
                                                 tqi.L2NormOp: l2_norm}
