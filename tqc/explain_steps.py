"""Each `tqi` op of a lowered layer in words: what it computes and how it rounds (`tqc explain`).

One function per op kind that rounds, saturates or accumulates; the others fall back to the first
line of the op's docstring. The numbers are read from the op's properties (the compiled IR).
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Operation

from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array, float_value, int_value, ints, shape
from tqc.dialects.element import element


def _values(values: tuple[int, ...]) -> str:
    """'5' or '5..9 (16 channels)' for per-channel parameters."""
    if len(set(values)) == 1:
        return str(values[0])
    return f"{min(values)}..{max(values)} ({len(values)} channels)"


def _cast(op: Operation) -> str:
    src, dst = element(op.operands[0]), element(op.results[0])
    if src == dst:
        return f"keep {dst}"
    return f"convert {src} to {dst} (exact: the value fits, a clamp came first where needed)"


def _add_const(op: Operation) -> str:
    assert isinstance(op, tqi.AddConstOp)
    return f"add {_values(ints(op.value))} (a zero point or offset, exact in int32)"


def _conv(op: Operation) -> str:
    assert isinstance(op, tqi.ConvLikeOp | tqi.FullyConnectedOp)
    w = shape(op.filter)
    taps = w[1] * w[2] * (1 if isinstance(op, tqi.DepthwiseConv2DOp) else w[3]) if len(w) == 4 else w[-1]
    bias = "bias + " if op.bias is not None else ""
    off_in, off_w = int_value(op.input_offset), int_value(op.filter_offset)
    return (f"{element(op.results[0])} accumulate {bias}sum of {taps} products "
            f"(x {off_in:+d})·(w {off_w:+d}), exact (no rounding, wraps only past the type)")


def _shift_left(op: Operation) -> str:
    assert isinstance(op, tqi.ShiftLeftOp)
    return f"multiply by 2^{_values(ints(op.amount))} (left shift, exact unless int32 overflows: wraps)"


def _mul_high(op: Operation) -> str:
    assert isinstance(op, tqi.MulHighOp)
    return (f"rounding 1: SaturatingRoundingDoublingHighMul by {_values(ints(op.multiplier))} "
            f"= (x·m + 2^30) >> 31, the high 32 bits of 2·x·m rounded half away from zero "
            f"(saturates only x = m = -2^31)")


def _shift_right_round(op: Operation) -> str:
    assert isinstance(op, tqi.ShiftRightRoundOp)
    return (f"rounding 2: RoundingDivideByPOT by 2^{_values(ints(op.amount))}, "
            f"rounded half away from zero")


def _mul_shift_round(op: Operation) -> str:
    assert isinstance(op, tqi.MulShiftRoundOp)
    total = tuple(31 - s for s in ints(op.shift))
    return (f"one rounding: (x·{_values(ints(op.multiplier))} + 2^(n-1)) >> n with "
            f"n = {_values(total)}, in int64, rounded half up (TFLITE_SINGLE_ROUNDING)")


def _mul_shift_round64(op: Operation) -> str:
    assert isinstance(op, tqi.MulShiftRound64Op)
    return (f"one rounding of the int64 accumulator: (x·{_values(ints(op.multiplier))} + "
            f"2^(n-1)) >> n with n = {_values(ints(op.amount))}, rounded half up (16x8 kernels)")


def _mul_round_double(op: Operation) -> str:
    assert isinstance(op, tqi.MulRoundDoubleOp)
    return ("one rounding as LiteRT's legacy uint8 kernel does in double: round(double(x)·M) "
            "half away from zero, M = mantissa·2^exponent exactly")


def _mul_round_f32(op: Operation) -> str:
    assert isinstance(op, tqi.MulRoundF32Op)
    return ("one rounding as XNNPACK does in float32: rint(float32(float32(x)·S)) ties to even, "
            "S = mantissa·2^exponent (a float32), emulated exactly with integers")


def _clamp(op: Operation) -> str:
    assert isinstance(op, tqi.ClampOp)
    return f"clamp to [{int_value(op.min)}, {int_value(op.max)}] (saturate)"


def _table(op: Operation) -> str:
    assert isinstance(op, tqi.TableOp)
    entries = dense_array(op.table).size
    return (f"look up a {entries}-entry table indexed by the {element(op.operands[0])} input, "
            f"built at compile time by the reference arithmetic (exact for every input)")


def _avg_pool(op: Operation) -> str:
    return "sum the in-bounds window, divide by its count rounding half away from zero"


def _quantize(op: Operation) -> str:
    assert isinstance(op, tqi.QuantizeOp)
    return (f"float32 → integer: round(x / {float_value(op.scale):.9g}) half away from zero "
            f"+ {int_value(op.zero_point)}, saturated (float32 divide)")


def _dequantize(op: Operation) -> str:
    assert isinstance(op, tqi.DequantizeOp)
    return (f"integer → float32: {float_value(op.scale):.9g}·(x - {int_value(op.zero_point)}) "
            f"(double product, rounded once to float32)")


def _softmax(op: Operation) -> str:
    assert isinstance(op, tqi.SoftmaxOp)
    return (f"fixed-point softmax (gemmlowp exp on x - max scaled by {int_value(op.input_multiplier)}"
            f"·2^{int_value(op.input_left_shift)}, diff_min {int_value(op.diff_min)}, "
            f"reciprocal of the sum)")


WORDS: dict[type[Operation], Callable[[Operation], str]] = {
    tqi.CastOp: _cast,
    tqi.AddConstOp: _add_const,
    tqi.Conv2DOp: _conv,
    tqi.DepthwiseConv2DOp: _conv,
    tqi.FullyConnectedOp: _conv,
    tqi.ShiftLeftOp: _shift_left,
    tqi.MulHighOp: _mul_high,
    tqi.ShiftRightRoundOp: _shift_right_round,
    tqi.MulShiftRoundOp: _mul_shift_round,
    tqi.MulShiftRound64Op: _mul_shift_round64,
    tqi.MulRoundDoubleOp: _mul_round_double,
    tqi.MulRoundF32Op: _mul_round_f32,
    tqi.ClampOp: _clamp,
    tqi.TableOp: _table,
    tqi.AvgPoolOp: _avg_pool,
    tqi.QuantizeOp: _quantize,
    tqi.DequantizeOp: _dequantize,
    tqi.SoftmaxOp: _softmax,
}


def describe(op: Operation) -> str:
    """One line: what `op` computes and how it rounds."""
    words = WORDS.get(type(op))
    if words is not None:
        return words(op)
    paragraph = (type(op).__doc__ or "").strip().split("\n\n")[0]
    text = " ".join(paragraph.split())
    first = text.split(". ")[0].split(": ")[0].rstrip(".")
    return first or op.name.removeprefix("tqi.").replace("_", " ")
