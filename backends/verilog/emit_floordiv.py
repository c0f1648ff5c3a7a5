"""`tqi.floor_div` / `tqi.floor_mod` (FLOOR_DIV, FLOOR_MOD int8 / int16, passes/lowering/
floor_div.py) → an instance of `tqc_floordiv` (templates/tqc_floordiv.v): two streams in lock
step, one restoring divider per lane on the operands' magnitudes, N iterations, then the signs
of the floor. N is the width of the narrowest signed type that holds both operands before
their widening casts (8 for int8, 16 for int16): the divider needs no more iterations. An
operand of a smaller shape goes through `tqc_bcast` first, a constant divisor comes from
`tqc_source` (emit_broadcast.py), as for the other joins."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.verilog.emit_broadcast import at_result_shape, stream_ports
from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind, root, signed_width
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.element import kind_of
from tqc.dialects.origin import refusal

OPS = {tqi.FloorDivOp: 0, tqi.FloorModOp: 1}


def operand_bits(op: Operation) -> int:
    """N: bits of the narrowest signed type holding both operands, read from the widening casts
    that make them int32 (the lowering widens int8 / int16); other operands are refused (an
    int32 MIN / -1 has no int32 quotient)."""
    assert isinstance(op, tqi.FloorDivOp | tqi.FloorModOp)
    bits = 0
    for v in (op.lhs, op.rhs):
        cast = root(v).owner
        if not isinstance(cast, tqi.CastOp) or kind_of(cast.input).bits >= hw_kind(v).bits:
            raise refusal(op, "operands not widened from a narrower type: no Verilog hardware "
                          "yet")
        lo, hi = kind_of(cast.input).range
        bits = max(bits, signed_width(lo, hi))
    return bits


def cycles_per_beat(op: Operation) -> int:
    """One cycle to load a beat, N iterations (the result register frees the divider)."""
    return operand_bits(op) + 1


@emits(*OPS)
def floor_div(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.FloorDivOp | tqi.FloorModOp)
    width = hw_kind(op.output).bits
    if any(hw_kind(v).bits != width for v in (op.lhs, op.rhs)):
        raise refusal(op, "operands of different types: no Verilog hardware yet")
    n = operand_bits(op)
    lanes = stage.in_lanes
    a, b = e.take(op.lhs, lanes), e.take(op.rhs, lanes)
    a = at_result_shape(e, op, a, op.lhs, width)
    b = at_result_shape(e, op, b, op.rhs, width)
    dst = e.new_stream(width, lanes)
    e.produced[stage.output] = dst
    e.template("tqc_floordiv.v")
    e.template("tqc_multicycle.v")
    return (f"    tqc_floordiv #(.W({width}), .N({n}), .L({lanes}), .MOD({OPS[type(op)]}), "
            f".CW({clog2(n + 1)})) u_{stage.name} (\n        .clk(clk), .rst(rst),\n"
            f"{stream_ports(a=a, b=b, out=dst)}\n    );")
