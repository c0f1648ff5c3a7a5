"""Pipeline steps for the element-wise tqi ops: the lowered requantize sequence (shift left,
SaturatingRoundingDoublingHighMul, RoundingDivideByPOT or single-rounding multiply, or the
double-emulating round of legacy uint8 FULLY_CONNECTED; zero point, clamp), casts and lookup
tables. Parameters come from the IR attributes; per-channel ones become
functions of the channel index that travels with each element."""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.verilog.emitter import Chain, hexword
from tqc.backends.verilog.prepare import STREAMED
from tqc.backends.verilog.registry import emits
from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array, int_value, ints
from tqc.dialects.element import kind_of
from tqc.dialects.origin import refusal


@emits(tqi.CastOp)
def cast(c: Chain, op: Operation) -> None:
    """Widening sign- or zero-extends; narrowing keeps the low bits (wraps). No register."""
    assert isinstance(op, tqi.CastOp)
    kind = kind_of(op.output)
    if kind.name not in STREAMED:
        raise refusal(op, f"cast to {kind.name}: no Verilog hardware yet")
    width, signed = kind.bits, kind.signed
    if width < c.width and c.steps:  # the previous step keeps only the low bits
        c.steps[-1].width, c.steps[-1].signed = width, signed
        return
    if width < c.width:  # the first step narrows: the whole input, its low bits kept (the
        c.add("{x}", width, signed, expr_width=c.width, registered=False)  # rest marked unused)
        return
    expr = c.x(width) if width > c.width else "{x}"
    c.add(expr, width, signed, expr_width=width, registered=False)


@emits(tqi.NonzeroCheckOp)
def nonzero_check(c: Chain, op: Operation) -> None:
    """The element unchanged (one register); a beat holding 0 raises the chain's `err` output,
    which stays high until `rst` (the reference fails the invocation: LiteRT FLOOR_DIV /
    FLOOR_MOD's 'Division by 0', int16 DIV's CheckNonZero; the design's `err` port)."""
    assert isinstance(op, tqi.NonzeroCheckOp)
    c.add("{x}", c.width, c.signed, expr_width=c.width, check=True)


@emits(tqi.NonNegOp)
def nonneg(c: Chain, op: Operation) -> None:
    """x >= 0 of an int32, a one-bit bool (a comparison's result): a signed compare, which
    synthesis reduces to the inverted sign bit (and every bit of x counts as read for lint)."""
    assert isinstance(op, tqi.NonNegOp)
    c.add(f"$signed({c.x()}) >= 32'sd0", 1, False, expr_width=1)


@emits(tqi.AddConstOp)
def add_const(c: Chain, op: Operation) -> None:
    assert isinstance(op, tqi.AddConstOp)
    c.add(f"{c.x()} + {c.param(ints(op.value))}", 32, True)


@emits(tqi.ShiftLeftOp)
def shift_left(c: Chain, op: Operation) -> None:
    """x · 2^n with int32 wrap-around."""
    assert isinstance(op, tqi.ShiftLeftOp)
    n = c.param(ints(op.amount), 5)  # 0..31: the op verifies it
    c.add(f"{c.x()} << {n}", 32, True)


@emits(tqi.MulHighOp)
def mul_high(c: Chain, op: Operation) -> None:
    """Two steps: the exact 64-bit product, then nudge and divide by 2^31 (towards zero)."""
    assert isinstance(op, tqi.MulHighOp)
    m = c.param(ints(op.multiplier), 64)
    c.add(f"{c.x(64)} * {m}", 64, True, expr_width=64)
    c.add("tqc_mul_high_finish({x})", 32, True)


@emits(tqi.ShiftRightRoundOp)
def shift_right_round(c: Chain, op: Operation) -> None:
    assert isinstance(op, tqi.ShiftRightRoundOp)
    n = c.param(ints(op.amount), 5)  # 0..31: the op verifies it
    c.add(f"tqc_shift_right_round({c.x()}, {n})", 32, True)


@emits(tqi.MulShiftRoundOp)
def mul_shift_round(c: Chain, op: Operation) -> None:
    """Two steps: the exact 64-bit product, then (p + 2^(30-s)) >> (31-s)."""
    assert isinstance(op, tqi.MulShiftRoundOp)
    m = c.param(ints(op.multiplier), 64)
    total = [31 - s for s in ints(op.shift)]  # 1..62: the op verifies shift in [-31, 30]
    c.add(f"{c.x(64)} * {m}", 64, True, expr_width=64)
    c.add(f"tqc_mul_shift_round_finish({{x}}, {c.param(total, 6)})", 32, True)


@emits(tqi.MulShiftRound64Op)
def mul_shift_round64(c: Chain, op: Operation) -> None:
    """The int64 overload of MultiplyByQuantizedMultiplier (16x8 kernels), one rounding:
    int32((x · m16 + 2^(n-1)) >> n) on the int64 accumulator, product and sum wrapping in
    int64; two steps: the low 64 bits of the product, then the rounding shift (n in 1..62,
    the same finish as `mul_shift_round`)."""
    assert isinstance(op, tqi.MulShiftRound64Op)
    if c.width != 64:
        raise refusal(op, "on a non-int64 input: no Verilog hardware yet")
    m = c.param(ints(op.multiplier), 64)
    c.add(f"{{x}} * {m}", 64, True, expr_width=64)
    c.add(f"tqc_mul_shift_round_finish({{x}}, {c.param(ints(op.amount), 6)})", 32, True)


def round_double_exponent(e: int) -> int:
    """The exponent `tqc_round_double_finish` takes: clamped to [-109, 31], which changes no
    result (with k in 0..53 and q ≤ 2^53, s = k + e ≤ -56 always rounds to 0 and s ≥ 31
    always leaves int32)."""
    return min(max(e, -109), 31)


@emits(tqi.MulRoundDoubleOp)
def mul_round_double(c: Chain, op: Operation) -> None:
    """int32(round(double(x) · m · 2^e)), integer-only, in three steps: the exact signed
    107-bit product x·m (x an int32, or an int64 accumulator below 2^53), its rounding to 53
    bits (the double product: {sign, k, q}), then round half away and the out-of-int32 cast
    (templates/tqc_fixedpoint.vh)."""
    assert isinstance(op, tqi.MulRoundDoubleOp)
    m = c.param(ints(op.mantissa), 107)
    e = c.param([round_double_exponent(v) for v in ints(op.exponent)], 8)
    c.add(f"{c.x(107)} * {m}", 107, True, expr_width=107)
    c.add("tqc_round_double_53({x})", 61, False, expr_width=61)
    c.add(f"tqc_round_double_finish({{x}}, {e})", 32, True)


@emits(tqi.ClampOp)
def clamp(c: Chain, op: Operation) -> None:
    assert isinstance(op, tqi.ClampOp)
    width, signed = c.width, c.signed
    lo, hi = hexword(int_value(op.min), 32), hexword(int_value(op.max), 32)
    c.add(f"tqc_clamp({c.x()}, {lo}, {hi})", width, signed)


def table16(c: Chain, op: tqi.TableOp) -> None:
    """A 65536-entry ROM ($readmemh file MODULE_tK.hex, registered read: block RAM) for int16
    input: output = table[x + 32768], i.e. the address is x with its sign bit flipped."""
    kind_out = kind_of(op.output)
    lut = dense_array(op.table).astype("int64")
    width, signed = kind_out.bits, kind_out.signed
    name = f"t{len(c.roms)}"
    digits = (width + 3) // 4
    c.roms[name] = "".join(f"{int(v) & ((1 << width) - 1):0{digits}x}\n" for v in lut)
    c.functions.append(f"    reg [{width - 1}:0] {name}_rom [0:65535];\n"
                       f'    initial $readmemh("{{module}}_{name}.hex", {name}_rom);')
    c.add(f"{name}_rom[{{x}}[15:0] ^ 16'h8000]", width, signed, expr_width=width)


@emits(tqi.TableOp)
def table(c: Chain, op: Operation) -> None:
    """A ROM (a case over the input code): output = table[x - min(input type)]; int16 input:
    `table16`."""
    assert isinstance(op, tqi.TableOp)
    kind_in, kind_out = kind_of(op.input), kind_of(op.output)
    if kind_in.name == "i16" and kind_out.name in STREAMED and c.width == 16:
        return table16(c, op)
    if kind_in.bits != 8 or kind_out.name not in STREAMED:
        raise refusal(op, f"{kind_in.name} → {kind_out.name} table: no Verilog hardware yet")
    lut = dense_array(op.table)
    width, signed = kind_out.bits, kind_out.signed
    low = kind_in.lo
    fname = f"t{len(c.functions)}"
    cases = "\n".join(f"        8'h{(i + low) & 255:02X}: {fname} = {hexword(int(v), width)};"
                      for i, v in enumerate(lut[:256]))
    c.functions.append(
        f"    function [{width - 1}:0] {fname};\n        input [7:0] x;\n        case (x)\n"
        f"{cases}\n        default: {fname} = {width}'d0;\n        endcase\n    endfunction")
    c.add(f"{fname}({{x}})", width, signed, expr_width=width)
