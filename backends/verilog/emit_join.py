"""Element-wise binary ops of two streams (the ADD / SUB / MUL / MAXIMUM / MINIMUM of two
activations, after each operand's rescaling chain) → an instance of `tqc_join`
(templates/tqc_join.v). An operand of a smaller shape goes through `tqc_bcast` first, a
constant operand comes from `tqc_source` (emit_broadcast.py)."""

from __future__ import annotations

from tqc.backends.verilog.emit_broadcast import at_result_shape, stream_ports
from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, hw_kind
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.element import ElementKind
from tqc.dialects.origin import refusal

OPS = {tqi.AddOp: 0, tqi.SubOp: 1, tqi.MulOp: 2, tqi.MaxOp: 3, tqi.MinOp: 4}


def widen(e: VerilogEmitter, src: str, kind: ElementKind, width: int, lanes: int) -> str:
    """`src` (elements of `kind`) as a stream of `width`-bit elements holding the same values:
    each lane sign- or zero-extended (wires only)."""
    if kind.bits == width:
        return src
    dst = e.new_stream(width, lanes)
    w = kind.bits
    parts = []
    for j in reversed(range(lanes)):
        fill = f"{src}_data[{j * w + w - 1}]" if kind.signed else "1'b0"
        parts.append(f"{{{{{width - w}{{{fill}}}}}, {src}_data[{j * w + w - 1}:{j * w}]}}")
    e.instances.append(f"    assign {dst}_valid = {src}_valid;\n    assign {src}_ready = {dst}_ready;\n"
                       f"    assign {dst}_data = {{{', '.join(parts)}}};")
    return dst


@emits(*OPS)
def join(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.BinaryOp)
    kind = hw_kind(op.output)
    width, signed = kind.bits, kind.signed
    for v in (op.lhs, op.rhs):
        k = hw_kind(v)
        if k != kind and not (kind.range[0] <= k.range[0] and k.range[1] <= kind.range[1]):
            raise refusal(op, "operands of different types: no Verilog hardware yet")
    lanes = stage.in_lanes
    a, b = e.take(op.lhs, lanes), e.take(op.rhs, lanes)
    a = widen(e, a, hw_kind(op.lhs), width, lanes)  # SVDF: an int16 constant times int32
    b = widen(e, b, hw_kind(op.rhs), width, lanes)
    a = at_result_shape(e, op, a, op.lhs, width)
    b = at_result_shape(e, op, b, op.rhs, width)
    dst = e.new_stream(width, lanes)
    e.produced[stage.output] = dst
    e.template("tqc_join.v")
    return (f"    tqc_join #(.W({width}), .L({lanes}), .OP({OPS[type(op)]}), .SIGNED({int(signed)})) "
            f"u_{stage.name} (\n        .clk(clk), .rst(rst),\n"
            f"{stream_ports(a=a, b=b, out=dst)}\n    );")
