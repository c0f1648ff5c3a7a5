"""`tqi.l2_norm` (int8, uint8) → an instance of `tqc_l2norm` (templates/tqc_l2norm.v): per row
the sum of squares of x − zero point, GetInvSqrtQuantizedMultiplierExp of it as microcode, then
each element rescaled as `tqc.semantics.l2_norm.l2_normalization` states (the int8 kernel's
MultiplyByQuantizedMultiplier, the legacy uint8 kernel's SRDHM of 128·v)."""

from __future__ import annotations

from tqc.backends.verilog.emitter import VerilogEmitter
from tqc.backends.verilog.prepare import Stage, clog2, hw_kind
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value
from tqc.dialects.accessors import shape as dims
from tqc.dialects.origin import refusal

# The most elements whose squares (at most 255²) sum below 2^31: the template's sum never wraps.
MAX_ROW = 33025


@emits(tqi.L2NormOp)
def l2_norm(e: VerilogEmitter, stage: Stage) -> str:
    op = stage.ops[0]
    assert isinstance(op, tqi.L2NormOp)
    kind = hw_kind(op.input)
    n = dims(op.input)[-1]
    if n > MAX_ROW:
        raise refusal(op, f"rows of {n} elements (more than {MAX_ROW}): no Verilog hardware yet")
    unsigned = not kind.signed
    omin, omax = kind.range
    params = {"N": n, "NAW": clog2(n), "XW": kind.bits, "XSIGNED": int(kind.signed),
              "ZP": int_value(op.input_zero_point), "UINT8": int(unsigned),
              "OZP": 128 if unsigned else 0, "OMIN": omin, "OMAX": omax}
    text = ",\n".join(f"        .{k}({v})" for k, v in params.items())
    e.template("tqc_l2norm.v")
    src, dst = e.connect(stage, kind.bits)
    return e.instance("tqc_l2norm", f"u_{stage.name}", src, dst, text)
