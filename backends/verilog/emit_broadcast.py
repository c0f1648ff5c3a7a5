"""Operands of binary ops that are not a stream of the result's shape:

- a constant (`tqi.const` read by a join or an element-wise op) → `tqc_source`
  (templates/tqc_source.v): its values in a ROM, streamed in order once per image, through
  whatever rescaling chain the IR applies to it;
- an operand of a smaller shape (NumPy broadcasting: a constant, or a squeeze-excite scale of
  [1,1,1,C] against [1,H,W,C]) → `tqc_bcast` (templates/tqc_bcast.v) in front of the join: the
  operand loads into a memory, then each result element reads its operand element by index.
"""

from __future__ import annotations

import math

from xdsl.ir import Operation, SSAValue

from tqc.backends.verilog.emit_conv import rom_lines
from tqc.backends.verilog.emit_sum import GROUPS, axis_groups, output_strides
from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array, shape as dims
from tqc.dialects.origin import refusal


@emits(tqi.ConstOp)
def source(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.ConstOp)
    kind = hw_kind(op.output)
    values = dense_array(op.value).astype("int64").reshape(-1, 1)
    rom = f"{e.plan.name}_{stage.name}.hex"
    if kind.bits not in (8, 16, 32, 64):
        raise refusal(op, f"{kind.name} constant: no Verilog hardware yet")
    e.files[rom] = rom_lines(values.astype("uint64") & ((1 << kind.bits) - 1), kind.bits)
    dst = e.new_stream(kind.bits)
    e.produced[stage.output] = dst
    e.template("tqc_source.v")
    m = len(values)
    return (f"    tqc_source #(.M({m}), .MAW({clog2(m)}), .W({kind.bits}), .FILE(\"{rom}\")) "
            f"u_{stage.name} (\n        .clk(clk), .rst(rst),\n"
            f"        .out_valid({dst}_valid), .out_ready({dst}_ready), .out_data({dst}_data)\n"
            "    );")


def broadcast(e: VerilogEmitter, op: Operation, operand: str, shape: tuple[int, ...],
              result: tuple[int, ...], width: int) -> str:
    """The stream `operand` (of `shape`, one element per beat) broadcast to `result` for
    `op` (the join, named in refusals)."""
    if len(shape) > len(result) or any(s not in (1, r) for s, r in
                                       zip(shape[::-1], result[::-1])):
        raise refusal(op, f"cannot broadcast {list(shape)} to {list(result)}")
    padded = (1,) * (len(result) - len(shape)) + tuple(shape)
    spread = {a for a, (s, r) in enumerate(zip(padded, result)) if s == 1 and r != 1}
    groups = axis_groups(result, spread)
    if len(groups) > GROUPS:
        raise refusal(op, f"broadcasting {list(shape)} to {list(result)}: more than {GROUPS} "
                      "alternating runs of broadcast and kept axes: no Verilog hardware yet")
    groups = [(1, False)] * (GROUPS - len(groups)) + groups
    m = math.prod(shape)
    params = {
        "M": m, "MAW": clog2(m),
        **{f"S{k}": size for k, (size, _) in enumerate(groups)},
        **{f"O{k}": stride for k, stride in enumerate(output_strides(groups))},
        "IW": clog2(max(size for size, _ in groups)), "W": width,
    }
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    dst = e.new_stream(width)
    e.template("tqc_bcast.v")
    e.instances.append(e.instance("tqc_bcast", f"u_bcast_{dst}", operand, dst, text))
    return dst


def at_result_shape(e: VerilogEmitter, op: Operation, stream: str, value: SSAValue,
                    width: int) -> str:
    """`stream` (carrying `value`) at `op`'s result shape: itself, or repeated by `broadcast`
    where `value` broadcasts (one lane, lanes.broadcasts)."""
    result = dims(op.results[0])
    return stream if dims(value) == result else broadcast(e, op, stream, dims(value), result, width)


def stream_ports(**streams: str) -> str:
    """An instance's valid/ready/data connections, one line per port name = stream."""
    return ",\n".join(f"        .{p}_valid({s}_valid), .{p}_ready({s}_ready), .{p}_data({s}_data)"
                       for p, s in streams.items())
