"""`tqi.select_nonneg` (PRELU: where(d >= 0, positive branch, negative branch)) → an instance
of `tqc_select` (templates/tqc_select.v), three streams in lock step; an operand of a smaller
shape is broadcast first (emit_broadcast.py)."""

from __future__ import annotations

from tqc.backends.verilog.emit_broadcast import at_result_shape, stream_ports
from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, hw_kind
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.origin import refusal


@emits(tqi.SelectPositiveOp)
def select(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.SelectPositiveOp)
    kind = hw_kind(op.output)
    if hw_kind(op.if_true) != kind or hw_kind(op.if_false) != kind or not hw_kind(op.cond).signed:
        raise refusal(op, "operands of these types: no Verilog hardware yet")
    lanes = stage.in_lanes
    streams = []
    for v in (op.cond, op.if_true, op.if_false):
        streams.append(at_result_shape(e, op, e.take(v, lanes), v, hw_kind(v).bits))
    c, a, b = streams
    dst = e.new_stream(kind.bits, lanes)
    e.produced[stage.output] = dst
    e.template("tqc_select.v")
    return (f"    tqc_select #(.W({kind.bits}), .CW({hw_kind(op.cond).bits}), .L({lanes})) "
            f"u_{stage.name} (\n        .clk(clk), .rst(rst),\n"
            f"{stream_ports(c=c, a=a, b=b, out=dst)}\n    );")
