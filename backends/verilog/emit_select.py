"""`tqi.select_nonneg` (PRELU: where(d >= 0, positive branch, negative branch)) → an instance
of `tqc_select` (templates/tqc_select.v), three streams in lock step; an operand of a smaller
shape is broadcast first (emit_broadcast.py)."""

from __future__ import annotations

from tqc.backends.verilog.emit_broadcast import broadcast
from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, hw_kind
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal


@emits(tqi.SelectPositiveOp)
def select(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.SelectPositiveOp)
    kind = hw_kind(op.output)
    if hw_kind(op.if_true) != kind or hw_kind(op.if_false) != kind or not hw_kind(op.cond).signed:
        raise refusal(op, "operands of these types: no Verilog hardware yet")
    lanes, result = stage.in_lanes, dims(op.output)
    streams = []
    for v in (op.cond, op.if_true, op.if_false):
        width = hw_kind(v).bits
        s = e.take(v, lanes)
        streams.append(s if dims(v) == result else broadcast(e, op, s, dims(v), result, width))
    c, a, b = streams
    dst = e.new_stream(kind.bits, lanes)
    e.produced[stage.output] = dst
    e.template("tqc_select.v")
    return (f"    tqc_select #(.W({kind.bits}), .CW({hw_kind(op.cond).bits}), .L({lanes})) "
            f"u_{stage.name} (\n        .clk(clk), .rst(rst),\n"
            f"        .c_valid({c}_valid), .c_ready({c}_ready), .c_data({c}_data),\n"
            f"        .a_valid({a}_valid), .a_ready({a}_ready), .a_data({a}_data),\n"
            f"        .b_valid({b}_valid), .b_ready({b}_ready), .b_data({b}_data),\n"
            f"        .out_valid({dst}_valid), .out_ready({dst}_ready), .out_data({dst}_data)\n"
            "    );")
