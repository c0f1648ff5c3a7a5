"""`tqi.arg_max` over the last axis (or over an axis followed only by size-1 axes) → an
instance of `tqc_argmax` (templates/tqc_argmax.v): the index of the first maximum of each
row, as int32 or int64 (the result type). The lowering (passes/lowering/resize.py) moves any
other axis last with a `tqi.transpose`, so the refusal below guards hand-written IR only."""

from __future__ import annotations

from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal


@emits(tqi.ArgMaxOp)
def arg_max(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.ArgMaxOp)
    shape = dims(op.input)
    axis = int_value(op.axis) % len(shape)
    if any(d != 1 for d in shape[axis + 1:]):
        raise refusal(op, f"over axis {axis} of {list(shape)}: no Verilog hardware yet (last "
                      "axis only)")
    xkind, okind = hw_kind(op.input), hw_kind(op.output)
    n = shape[axis]
    params = {"N": n, "NAW": clog2(n), "XW": xkind.bits, "XSIGNED": int(xkind.signed),
              "OW": okind.bits}
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    e.template("tqc_argmax.v")
    src, dst = e.connect(stage, okind.bits)
    return e.instance("tqc_argmax", f"u_{stage.name}", src, dst, text)
