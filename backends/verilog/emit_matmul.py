"""`tqi.fully_connected` whose weights are a stream (BATCH_MATMUL of two computed operands, as
in attention: Q·Kᵀ and the product with V; FULLY_CONNECTED with weights computed in the graph)
→ an instance of `tqc_matmul` (templates/tqc_matmul.v).

Arithmetic, as the NumPy backend's `fully_connected` and the lowering
(passes/lowering/batch_matmul.py) state it: acc[r, u] = bias[u] + Σ_k (x[r, k] + input_offset) ·
(w[u, k] + filter_offset), int32 wrapping (int8) or int64 (int16), then the requantize chain
that follows in the IR. Both operands load into their own double buffers (one element per
beat each), then one multiply-accumulate per cycle: ROWS·UNITS·K cycles per product.
"""

from __future__ import annotations

import math

from xdsl.ir import SSAValue

from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind, signed_width
from tqc.dialects import tqi
from tqc.dialects.accessors import const_value, int_value
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal


def _offset_width(value: SSAValue, offset: int) -> int:
    """Bits of a stored value plus its offset (signed)."""
    kind = hw_kind(value)
    lo, hi = kind.range
    return max(signed_width(lo + offset, hi + offset), kind.bits + 1)


def matmul(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.FullyConnectedOp)
    if len(stage.inputs) != 2 or stage.inputs[0] is not op.input:
        raise refusal(op, "input computed from constants with streamed weights: no Verilog "
                      "hardware yet")
    bias = const_value(op.bias)
    if op.bias is not None and bias is None:
        raise refusal(op, "bias computed in the graph: no Verilog hardware yet")
    units, depth = dims(op.filter)
    shape = dims(op.input)
    rows = math.prod(shape[:-1])
    if shape[-1] != depth:
        raise refusal(op, "input depth does not match the weights")
    xkind, wkind = hw_kind(op.input), hw_kind(op.filter)
    xoff, woff = int_value(op.input_offset), int_value(op.filter_offset)
    xvw, wvw = _offset_width(op.input, xoff), _offset_width(op.filter, woff)
    accw = hw_kind(op.output).bits  # int32, or int64 (int16 operands)
    if xvw + wvw > accw - 1:
        raise refusal(op, f"products wider than {accw - 1} bits: no Verilog hardware yet")
    bfile = f"{e.plan.name}_{stage.name}_b.hex"
    if bias is not None:
        mask = (1 << accw) - 1
        e.files[bfile] = "".join(f"{int(v) & mask:0{accw // 4}x}\n" for v in bias.reshape(-1))
    params = {
        "ROWS": rows, "UNITS": units, "K": depth, "XAW": clog2(rows * depth),
        "WAW": clog2(units * depth), "RW": clog2(rows), "UW": clog2(units), "KW": clog2(depth),
        "XW": xkind.bits, "XSIGNED": int(xkind.signed), "XVW": xvw, "XOFF": xoff,
        "WW": wkind.bits, "WSIGNED": int(wkind.signed), "WVW": wvw, "WOFF": woff,
        "ACCW": accw, "HAS_BIAS": int(bias is not None), "BFILE": f'"{bfile}"',
    }
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    e.template("tqc_matmul.v")
    e.template("tqc_tensor_buffer.v")
    x, w = e.inputs(stage)
    dst = e.output(stage, accw)
    return "\n".join([
        f"    tqc_matmul #(\n{text}\n    ) u_{stage.name} (",
        "        .clk(clk), .rst(rst),",
        f"        .x_valid({x}_valid), .x_ready({x}_ready), .x_data({x}_data),",
        f"        .w_valid({w}_valid), .w_ready({w}_ready), .w_data({w}_data),",
        f"        .out_valid({dst}_valid), .out_ready({dst}_ready), .out_data({dst}_data)",
        "    );"])
