"""C expressions for the element-wise tqi ops (one statement each in a loop body).

int32 arithmetic that the reference lets wrap is computed through the runtime's `tqc_*_i32`
helpers (int64 inside, explicit wrap-around), so no expression can overflow a signed type.
"""

from __future__ import annotations

from xdsl.ir import Operation

from tqc.backends.c.printer import (
    INLINE_TABLE_LIMIT,
    Body,
    c_double,
    c_float,
    c_int,
    expression,
)
from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array, float_value, int_value
from tqc.dialects.accessors import ints as values
from tqc.dialects.element import kind_of
from tqc.errors import TqcError


def _require_i32(op: Operation) -> None:
    kind = kind_of(op.results[0]).name
    if kind != "i32":
        raise TqcError(f"c backend: {op.name} on {kind} is not supported (int32 only)")


@expression(tqi.CastOp)
def cast(b: Body, op: Operation, args: list[str]) -> str:
    src, dst = kind_of(op.operands[0]), kind_of(op.results[0])
    if dst.is_float:
        return f"(float){args[0]}"
    if src.is_float:
        raise TqcError(f"c backend: tqi.cast from {src.name} to {dst.name} is not supported")
    bounds = b.layer.ranges.get(op.operands[0])
    if bounds is not None and dst.lo <= bounds[0] and bounds[1] <= dst.hi:
        return f"({dst.c}){args[0]}"
    if dst.name == "i64":
        return f"(int64_t){args[0]}"
    return f"tqc_wrap_{dst.c_suffix}((int64_t){args[0]})"


@expression(tqi.AddConstOp)
def add_const(b: Body, op: Operation, args: list[str]) -> str:
    assert isinstance(op, tqi.AddConstOp)
    _require_i32(op)
    return f"tqc_add_i32({args[0]}, {b.param(op, values(op.value), 'add')})"


@expression(tqi.ShiftLeftOp)
def shift_left(b: Body, op: Operation, args: list[str]) -> str:
    assert isinstance(op, tqi.ShiftLeftOp)
    _require_i32(op)
    amounts = values(op.amount)
    if not all(0 <= a <= 31 for a in amounts):
        raise TqcError(f"c backend: tqi.shift_left amount outside [0, 31]: {amounts}")
    return f"tqc_shift_left({args[0]}, {b.param(op, amounts, 'left_shift', 'i8')})"


@expression(tqi.MulHighOp)
def mul_high(b: Body, op: Operation, args: list[str]) -> str:
    assert isinstance(op, tqi.MulHighOp)
    _require_i32(op)
    return f"tqc_mul_high({args[0]}, {b.param(op, values(op.multiplier), 'multiplier')})"


@expression(tqi.ShiftRightRoundOp)
def shift_right_round(b: Body, op: Operation, args: list[str]) -> str:
    assert isinstance(op, tqi.ShiftRightRoundOp)
    _require_i32(op)
    amounts = values(op.amount)
    if not all(0 <= a <= 31 for a in amounts):
        raise TqcError(f"c backend: tqi.shift_right_round amount outside [0, 31]: {amounts}")
    if set(amounts) == {0}:
        return args[0]
    return f"tqc_shift_right_round({args[0]}, {b.param(op, amounts, 'right_shift', 'i8')})"


@expression(tqi.MulShiftRoundOp)
def mul_shift_round(b: Body, op: Operation, args: list[str]) -> str:
    assert isinstance(op, tqi.MulShiftRoundOp)
    _require_i32(op)
    shifts = values(op.shift)
    if not all(-31 <= s <= 30 for s in shifts):
        raise TqcError(f"c backend: tqi.mul_shift_round shift outside [-31, 30]: {shifts}")
    m = b.param(op, values(op.multiplier), "multiplier")
    return f"tqc_mul_shift_round({args[0]}, {m}, {b.param(op, shifts, 'shift', 'i8')})"


@expression(tqi.MulRoundDoubleOp)
def mul_round_double(b: Body, op: Operation, args: list[str]) -> str:
    """int32(round(double(x) * mantissa * 2^exponent)), integer-only (tqc_mul_round_double)."""
    assert isinstance(op, tqi.MulRoundDoubleOp)
    _require_i32(op)
    exponents = values(op.exponent)
    if not all(-1100 <= e <= 1000 for e in exponents):
        raise TqcError(f"c backend: tqi.mul_round_double exponent outside [-1100, 1000]: {exponents}")
    m = b.param(op, values(op.mantissa), "mantissa", "i64")
    return f"tqc_mul_round_double({args[0]}, {m}, {b.param(op, exponents, 'exponent', 'i16')})"


@expression(tqi.ClampOp)
def clamp(b: Body, op: Operation, args: list[str]) -> str:
    assert isinstance(op, tqi.ClampOp)
    kind = kind_of(op.results[0])
    lo, hi = c_int(int_value(op.min)), c_int(int_value(op.max))
    if kind.name == "i64":
        return f"tqc_clamp_i64({args[0]}, {lo}, {hi})"
    if kind.is_float:
        raise TqcError(f"c backend: tqi.clamp on {kind.name} is not supported")
    expr = f"tqc_clamp_i32({args[0]}, {lo}, {hi})"
    return expr if kind.name == "i32" else f"({kind.c}){expr}"


@expression(tqi.TableOp)
def table(b: Body, op: Operation, args: list[str]) -> str:
    assert isinstance(op, tqi.TableOp)
    src, dst = kind_of(op.operands[0]), kind_of(op.results[0])
    if not src.is_narrow:
        raise TqcError(f"c backend: tqi.table on {src.name} input is not supported")
    data = dense_array(op.table).reshape(-1)
    if data.size != src.hi - src.lo + 1:
        raise TqcError(f"c backend: tqi.table has {data.size} entries for {src.name} input")
    if data.size > INLINE_TABLE_LIMIT:
        name = b.layer.p.extra_weight(f"{b.layer.layer.name}_table", data, dst.name)
    else:
        name = b.layer.static_array("table", data, dst.name)
    index = f"(int){args[0]} - ({src.lo})" if src.lo else f"{args[0]}"
    return f"{name}[{index}]"


BINARY = {tqi.AddOp: ("add", "+"), tqi.SubOp: ("sub", "-"), tqi.MulOp: ("mul", "*")}


@expression(tqi.AddOp, tqi.SubOp, tqi.MulOp)
def arith(b: Body, op: Operation, args: list[str]) -> str:
    kind = kind_of(op.results[0])
    fn, sym = BINARY[type(op)]  # type: ignore[index]
    if kind.name == "i32":
        return f"tqc_{fn}_i32({args[0]}, {args[1]})"
    if kind.is_narrow:
        return f"tqc_wrap_{kind.c_suffix}((int64_t){args[0]} {sym} (int64_t){args[1]})"
    if kind.is_float:
        return f"{args[0]} {sym} {args[1]}"
    raise TqcError(f"c backend: {op.name} on {kind.name} is not supported")


@expression(tqi.MaxOp, tqi.MinOp)
def min_max(b: Body, op: Operation, args: list[str]) -> str:
    kind = kind_of(op.results[0])
    fn = "max" if isinstance(op, tqi.MaxOp) else "min"
    if kind.name == "i64":
        return f"tqc_{fn}_i64({args[0]}, {args[1]})"
    if kind.is_float:
        raise TqcError(f"c backend: {op.name} on {kind.name} is not supported")
    expr = f"tqc_{fn}_i32({args[0]}, {args[1]})"
    return expr if kind.name == "i32" else f"({kind.c}){expr}"


@expression(tqi.SelectPositiveOp)
def select_nonneg(b: Body, op: Operation, args: list[str]) -> str:
    return f"({args[0]} >= 0 ? {args[1]} : {args[2]})"


@expression(tqi.QuantizeOp)
def quantize(b: Body, op: Operation, args: list[str]) -> str:
    assert isinstance(op, tqi.QuantizeOp)
    kind = kind_of(op.results[0])
    if not kind.is_narrow or not kind_of(op.operands[0]).is_float:
        raise TqcError(f"c backend: tqi.quantize to {kind.name} is not supported")
    scale = float_value(op.scale)
    return (f"({kind.c})tqc_quantize({args[0]}, {c_float(scale)} /* {scale!r} */, "
            f"{int_value(op.zero_point)}, {kind.lo}, {kind.hi})")


@expression(tqi.DequantizeOp)
def dequantize(b: Body, op: Operation, args: list[str]) -> str:
    assert isinstance(op, tqi.DequantizeOp)
    scale = float_value(op.scale)
    return (f"tqc_dequantize({args[0]}, {c_double(scale)} /* {scale!r} */, "
            f"{int_value(op.zero_point)})")
