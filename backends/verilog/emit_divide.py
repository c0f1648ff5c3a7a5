"""`tqi.divide` (DIV int16, LiteRT REF; passes/lowering/div.py, tqc.semantics.divide) → an
instance of `tqc_divide` (templates/tqc_divide.v): two int32 streams in lock step (x1 − zp1 and
x2 − zp2, the latter after its run-time `tqi.nonzero_check`), per lane the reference's
operations in its order on one 32 × 32 multiplier: GetReciprocal of the divisor (count leading
zeros, half denominator, three Newton-Raphson steps), the dividend at its headroom, two
SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT with the x86 behaviour for exponents
outside 0..31. An operand of a smaller shape goes through `tqc_bcast` first, a constant divisor
comes from `tqc_source` (emit_broadcast.py), as for the other joins."""

from __future__ import annotations

from tqc.backends.verilog.emit_broadcast import at_result_shape, stream_ports
from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, hw_kind
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.origin import refusal

CYCLES_PER_BEAT = 10  # one to load a beat, nine multiply steps (the result register frees it)


@emits(tqi.DivideOp)
def divide(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.DivideOp)
    if any(hw_kind(v).bits != 32 for v in (op.lhs, op.rhs, op.output)):
        raise refusal(op, "operands other than int32: no Verilog hardware")
    lanes = stage.in_lanes
    a, b = e.take(op.lhs, lanes), e.take(op.rhs, lanes)
    a = at_result_shape(e, op, a, op.lhs, 32)
    b = at_result_shape(e, op, b, op.rhs, 32)
    dst = e.new_stream(32, lanes)
    e.produced[stage.output] = dst
    e.template("tqc_divide.v")
    e.template("tqc_multicycle.v")
    multiplier, shift = op.output_multiplier.value.data, op.output_shift.value.data
    return (f"    tqc_divide #(.L({lanes}), .MULT({multiplier}), .SHIFT({shift})) "
            f"u_{stage.name} (\n        .clk(clk), .rst(rst),\n"
            f"{stream_ports(a=a, b=b, out=dst)}\n    );")
