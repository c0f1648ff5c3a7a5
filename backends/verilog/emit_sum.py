"""`tqi.sum` (MEAN, global average pooling, SUM) → an instance of the accumulating engine
`tqc_sum` (templates/tqc_sum.v). The rescale after the sum (zero point, requantize) is the
element-wise chain that follows in the IR.

Arithmetic: each output is the int32 sum of its reduced elements, wrapping as C's int32
additions do (reference_ops::QuantizedMeanOrSum accumulates in int32).
"""

from __future__ import annotations

import math

from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.accessors import ints
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal

GROUPS = 4  # axis groups the template walks


def axis_groups(shape: tuple[int, ...], reduced: set[int]) -> list[tuple[int, bool]]:
    """(size, kept) of each run of adjacent axes that are all kept or all reduced, outermost
    first, size-1 axes dropped (they move nothing)."""
    groups: list[tuple[int, bool]] = []
    for axis, size in enumerate(shape):
        if size == 1:
            continue
        kept = axis not in reduced
        if groups and groups[-1][1] == kept:
            groups[-1] = (groups[-1][0] * size, kept)
        else:
            groups.append((size, kept))
    return groups


def output_strides(groups: list[tuple[int, bool]]) -> list[int]:
    """Each group's step in the row-major output (0 for a reduced group)."""
    strides, step = [], 1
    for size, kept in reversed(groups):
        strides.append(step if kept else 0)
        step *= size if kept else 1
    return strides[::-1]


@emits(tqi.SumOp)
def sum_engine(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.SumOp)
    shape = dims(op.input)
    axes = {a % len(shape) for a in ints(op.axes)} if shape else set()
    groups = axis_groups(shape, axes)
    if len(groups) > GROUPS:
        raise refusal(op, f"over axes {sorted(axes)} of {list(shape)}: more than {GROUPS} "
                      "alternating runs of kept and reduced axes: no Verilog hardware yet")
    groups = [(1, False)] * (GROUPS - len(groups)) + groups
    strides = output_strides(groups)
    outputs = math.prod(dims(op.output))
    kind = hw_kind(op.input)
    if hw_kind(op.output).bits != 32:
        raise refusal(op, f"{hw_kind(op.output).name} result: no Verilog hardware yet (int32 only)")
    params = {
        **{f"S{k}": size for k, (size, _) in enumerate(groups)},
        **{f"O{k}": stride for k, stride in enumerate(strides)},
        "M": outputs, "MAW": clog2(outputs), "IW": clog2(max(size for size, _ in groups)),
        "XW": kind.bits, "XSIGNED": int(kind.signed),
    }
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    e.template("tqc_sum.v")
    src, dst = e.connect(stage, 32)
    return e.instance("tqc_sum", f"u_{stage.name}", src, dst, text)
