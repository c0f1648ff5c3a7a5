"""C expressions for the element-wise tqi ops (one statement each in a loop body).

`EXPRESSIONS[op type](lp, op, x)` is the C expression of `op` on its operands' C expressions
`x`: one formula per op kind, and a small function for the few whose expression depends on the
element types or needs a table. A per-channel parameter (multiplier, shift, offset) is a literal
when it is uniform, else a `static const` array indexed by channel (`LayerPrinter.param`).

int32 arithmetic that the reference lets wrap is computed through the runtime's `tqc_*_i32`
helpers (int64 inside, explicit wrap-around), so no expression can overflow a signed type.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Operation

from tqc.backends.c.layer_printer import ExpressionHandler, LayerPrinter
from tqc.backends.c.literals import c_double, c_float, c_int
from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array, float_value, int_value, ints
from tqc.dialects.element import element, kind_of
from tqc.errors import TqcError

INLINE_TABLE_LIMIT = 256  # larger tables go to the weights file

def _param(lp: LayerPrinter, op: Operation, prop: str, label: str, element_: str = "i32") -> str:
    """Property `prop` of `op` at the current element (a per-channel array is named `label`)."""
    return lp.param(op, ints(op.properties[prop]), label, element_)


def _scale(op: Operation, literal: Callable[[float], str]) -> str:
    """The op's `scale` as an exact literal, with its decimal value in a comment."""
    scale = float_value(op.properties["scale"])
    return f"{literal(scale)} /* {scale!r} */"


def _int32_step(formula: ExpressionHandler) -> ExpressionHandler:
    """`formula` for a requantize step on int32 values (the runtime's helpers are int32 only; the
    parameters' ranges are the op's own invariants, verified in the IR)."""

    def checked(lp: LayerPrinter, op: Operation, x: list[str]) -> str:
        if element(op.results[0]) != "i32":
            raise TqcError(f"c backend: {op.name} on {element(op.results[0])} is not supported "
                           "(int32 only)")
        return formula(lp, op, x)

    return checked


INT32_STEPS: dict[type[Operation], ExpressionHandler] = {
    tqi.AddConstOp: lambda lp, op, x:
        f"tqc_add_i32({x[0]}, {_param(lp, op, 'value', 'add')})",
    tqi.ShiftLeftOp: lambda lp, op, x:
        f"tqc_shift_left({x[0]}, {_param(lp, op, 'amount', 'left_shift', 'i8')})",
    tqi.MulHighOp: lambda lp, op, x:
        f"tqc_mul_high({x[0]}, {_param(lp, op, 'multiplier', 'multiplier')})",
    tqi.ShiftRightRoundOp: lambda lp, op, x: x[0] if set(ints(op.properties["amount"])) == {0}
        else f"tqc_shift_right_round({x[0]}, {_param(lp, op, 'amount', 'right_shift', 'i8')})",
    tqi.MulShiftRoundOp: lambda lp, op, x:
        f"tqc_mul_shift_round({x[0]}, {_param(lp, op, 'multiplier', 'multiplier')}, "
        f"{_param(lp, op, 'shift', 'shift', 'i8')})",
    # int32(round(double(x) * mantissa * 2^exponent)), integer-only
    tqi.MulRoundDoubleOp: lambda lp, op, x:
        f"tqc_mul_round_double({x[0]}, {_param(lp, op, 'mantissa', 'mantissa', 'i64')}, "
        f"{_param(lp, op, 'exponent', 'exponent', 'i16')})",
    # rint(float32(float32(x) * mantissa * 2^exponent)), integer-only (tqc_round_f32.h)
    tqi.MulRoundF32Op: lambda lp, op, x:
        f"tqc_mul_round_f32({x[0]}, {_param(lp, op, 'mantissa', 'mantissa')}, "
        f"{_param(lp, op, 'exponent', 'exponent', 'i16')})",
    # rint(float32(float32(float32(x) * scale) + addend * 2^-36)), integer-only
    tqi.MulAddRoundF32Op: lambda lp, op, x:
        f"tqc_mul_add_round_f32({x[0]}, {_param(lp, op, 'mantissa', 'mantissa')}, "
        f"{_param(lp, op, 'exponent', 'exponent', 'i16')}, "
        f"{_param(lp, op, 'addend', 'addend', 'i64')})",
}


def mul_shift_round64(lp: LayerPrinter, op: Operation, x: list[str]) -> str:
    """The int64 requantize of the 16x8 kernels (int64 → int32 and amount 1..62: verified)."""
    return (f"tqc_mul_shift_round64({x[0]}, {_param(lp, op, 'multiplier', 'multiplier')}, "
            f"{_param(lp, op, 'amount', 'shift', 'i8')})")


def cast(lp: LayerPrinter, op: Operation, x: list[str]) -> str:
    """A plain C cast when the operand's known range fits the result type, else a wrap."""
    src, dst = kind_of(op.operands[0]), kind_of(op.results[0])
    if dst.is_float:
        return f"(float){x[0]}"
    if src.is_float:
        raise TqcError(f"c backend: tqi.cast from {src.name} to {dst.name} is not supported")
    bounds = lp.ranges.get(op.operands[0])
    if bounds is not None and dst.lo <= bounds[0] and bounds[1] <= dst.hi:
        return f"({dst.c}){x[0]}"
    if dst.name == "i64":
        return f"(int64_t){x[0]}"
    return f"tqc_wrap_{dst.c_suffix}((int64_t){x[0]})"


def clamp(lp: LayerPrinter, op: Operation, x: list[str]) -> str:
    kind = kind_of(op.results[0])
    lo, hi = c_int(int_value(op.properties["min"])), c_int(int_value(op.properties["max"]))
    if kind.name == "i64":
        return f"tqc_clamp_i64({x[0]}, {lo}, {hi})"
    if kind.is_float:
        raise TqcError(f"c backend: tqi.clamp on {kind.name} is not supported")
    expr = f"tqc_clamp_i32({x[0]}, {lo}, {hi})"
    return expr if kind.name == "i32" else f"({kind.c}){expr}"


def table(lp: LayerPrinter, op: Operation, x: list[str]) -> str:
    """A lookup in the op's table (a static array, or with the weights when large)."""
    src, dst = kind_of(op.operands[0]), kind_of(op.results[0])
    if not src.is_narrow:
        raise TqcError(f"c backend: tqi.table on {src.name} input is not supported")
    data = dense_array(op.properties["table"]).reshape(-1)
    if data.size != src.hi - src.lo + 1:
        raise TqcError(f"c backend: tqi.table has {data.size} entries for {src.name} input")
    if data.size > INLINE_TABLE_LIMIT:
        name = lp.p.extra_weight(f"{lp.layer.name}_table", data, dst.name)
    else:
        name = lp.static_array("table", data, dst.name)
    index = f"(int){x[0]} - ({src.lo})" if src.lo else f"{x[0]}"
    return f"{name}[{index}]"


BINARY: dict[type[Operation], tuple[str, str]] = {
    tqi.AddOp: ("add", "+"), tqi.SubOp: ("sub", "-"), tqi.MulOp: ("mul", "*")}


def arith(lp: LayerPrinter, op: Operation, x: list[str]) -> str:
    kind = kind_of(op.results[0])
    fn, sym = BINARY[type(op)]
    if kind.name == "i32":
        return f"tqc_{fn}_i32({x[0]}, {x[1]})"
    if kind.is_narrow:
        return f"tqc_wrap_{kind.c_suffix}((int64_t){x[0]} {sym} (int64_t){x[1]})"
    if kind.is_float:
        return f"{x[0]} {sym} {x[1]}"
    raise TqcError(f"c backend: {op.name} on {kind.name} is not supported")


def min_max(lp: LayerPrinter, op: Operation, x: list[str]) -> str:
    kind = kind_of(op.results[0])
    fn = "max" if isinstance(op, tqi.MaxOp) else "min"
    if kind.name == "i64":
        return f"tqc_{fn}_i64({x[0]}, {x[1]})"
    if kind.is_float:
        raise TqcError(f"c backend: {op.name} on {kind.name} is not supported")
    expr = f"tqc_{fn}_i32({x[0]}, {x[1]})"
    return expr if kind.name == "i32" else f"({kind.c}){expr}"


def quantize(lp: LayerPrinter, op: Operation, x: list[str]) -> str:
    kind = kind_of(op.results[0])
    if not kind.is_narrow or not kind_of(op.operands[0]).is_float:
        raise TqcError(f"c backend: tqi.quantize to {kind.name} is not supported")
    return (f"({kind.c})tqc_quantize({x[0]}, {_scale(op, c_float)}, "
            f"{int_value(op.properties['zero_point'])}, {kind.lo}, {kind.hi})")


def quantize_rne(lp: LayerPrinter, op: Operation, x: list[str]) -> str:
    """XNNPACK's float32 → 8-bit convert (tqc_round_f32.h)."""
    kind = kind_of(op.results[0])
    if not kind.is_narrow or not kind_of(op.operands[0]).is_float:
        raise TqcError(f"c backend: tqi.quantize_rne to {kind.name} is not supported")
    inv = float_value(op.properties["inv_scale"])
    return (f"({kind.c})tqc_quantize_rne({x[0]}, {c_float(inv)} /* {inv!r} */, "
            f"{int_value(op.properties['zero_point'])}, {kind.lo}, {kind.hi})")


EXPRESSIONS: dict[type[Operation], ExpressionHandler] = {
    **{op_type: _int32_step(formula) for op_type, formula in INT32_STEPS.items()},
    tqi.MulShiftRound64Op: mul_shift_round64,
    tqi.CastOp: cast,
    tqi.ClampOp: clamp,
    tqi.TableOp: table,
    tqi.AddOp: arith,
    tqi.SubOp: arith,
    tqi.MulOp: arith,
    tqi.MaxOp: min_max,
    tqi.MinOp: min_max,
    tqi.FloorDivOp: lambda lp, op, x: f"tqc_floor_div_i32({x[0]}, {x[1]})",
    tqi.FloorModOp: lambda lp, op, x: f"tqc_floor_mod_i32({x[0]}, {x[1]})",
    tqi.DivideOp: lambda lp, op, x:
        f"tqc_divide_i32({x[0]}, {x[1]}, {int_value(op.properties['output_multiplier'])}, "
        f"{int_value(op.properties['output_shift'])})",
    tqi.SelectPositiveOp: lambda lp, op, x: f"({x[0]} >= 0 ? {x[1]} : {x[2]})",
    tqi.NonNegOp: lambda lp, op, x: f"(uint8_t)({x[0]} >= 0)",  # a bool: one byte, 0 or 1
    tqi.QuantizeOp: quantize,
    tqi.QuantizeRneOp: quantize_rne,
    tqi.DequantizeOp: lambda lp, op, x:
        f"tqc_dequantize({x[0]}, {_scale(op, c_double)}, {int_value(op.properties['zero_point'])})",
}
