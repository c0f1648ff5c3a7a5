"""NumPy lines for the core tqi ops: constants, casts, convolutions, fixed-point steps,
element-wise arithmetic, pooling, data movement and the float edges."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import FloatAttr
from xdsl.ir import Operation, SSAValue

from tqc.backends.numpy.printer import NumpyPrinter, constant_only, dims, prints
from tqc.dialects import tqi
from tqc.dialects.accessors import dense_array, int_value, ints
from tqc.dialects.element import element, kind_of


@prints(tqi.ConstOp)
def const(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.ConstOp)
    return f"{p.v(op.output)} = {p.constant(op.output, dense_array(op.value))}"


@prints(tqi.CastOp)
def cast(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.CastOp)
    return f"{p.v(op.output)} = {p.v(op.input)}.astype({kind_of(op.output).np_spelling})"


@prints(tqi.Conv2DOp, tqi.DepthwiseConv2DOp)
def conv(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.ConvLikeOp)
    fn = "conv_2d" if isinstance(op, tqi.Conv2DOp) else "depthwise_conv_2d"
    bias = p.v(op.bias) if op.bias is not None else "None"
    out_hw = dims(op.output)[1:3]
    return (f"{p.v(op.output)} = {fn}({p.v(op.input)}, {p.v(op.filter)}, {bias}, "
            f"out_hw={out_hw}, stride={ints(op.stride)}, "
            f"dilation={ints(op.dilation)}, pad={ints(op.pad)}, "
            f"input_offset={int_value(op.input_offset)}, filter_offset={int_value(op.filter_offset)}"
            f"{_acc_bits(op)})")


def _acc_bits(op: Operation) -> str:
    """`, acc_bits=64` for the int64 accumulators of the 16x8 kernels."""
    return ", acc_bits=64" if element(op.results[0]) == "i64" else ""


@prints(tqi.FullyConnectedOp)
def fully_connected(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.FullyConnectedOp)
    bias = p.v(op.bias) if op.bias is not None else "None"
    return (f"{p.v(op.output)} = fully_connected({p.v(op.input)}, {p.v(op.filter)}, {bias}, "
            f"input_offset={int_value(op.input_offset)}, filter_offset={int_value(op.filter_offset)}"
            f"{_acc_bits(op)})")


BINARY = {tqi.AddOp: "{a} + {b}", tqi.SubOp: "{a} - {b}", tqi.MulOp: "{a} * {b}",
          tqi.MaxOp: "np.maximum({a}, {b})", tqi.MinOp: "np.minimum({a}, {b})",
          tqi.FloorDivOp: "np.floor_divide({a}, {b})", tqi.FloorModOp: "np.mod({a}, {b})"}


@prints(*BINARY)
def binary(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.BinaryOp)
    expr = BINARY[type(op)].format(a=p.v(op.lhs), b=p.v(op.rhs))
    if element(op.output) == "i32":  # int32 wrap-around, computed in int64
        expr = BINARY[type(op)].format(a=f"{p.v(op.lhs)}.astype(np.int64)", b=p.v(op.rhs))
        return f"{p.v(op.output)} = wrap_int32({expr})"
    return f"{p.v(op.output)} = {expr}"


@prints(tqi.DivideOp)
def divide_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.DivideOp)
    return (f"{p.v(op.output)} = divide({p.v(op.lhs)}, {p.v(op.rhs)}, "
            f"{int_value(op.output_multiplier)}, {int_value(op.output_shift)})")


@prints(tqi.NonzeroCheckOp)
def nonzero_check(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.NonzeroCheckOp)
    return f"{p.v(op.output)} = nonzero_check({p.v(op.input)})"


@prints(tqi.SelectPositiveOp)
def select(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.SelectPositiveOp)
    return (f"{p.v(op.output)} = np.where({p.v(op.cond)} >= 0, {p.v(op.if_true)}, "
            f"{p.v(op.if_false)})")


@prints(tqi.NonNegOp)
def nonneg(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.NonNegOp)
    return f"{p.v(op.output)} = {p.v(op.input)} >= 0"


@prints(tqi.AddConstOp)
def add_const(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.AddConstOp)
    return f"{p.v(op.output)} = wrap_int32({p.v(op.input)} + {p.param(ints(op.value), p.v(op.output) + '_offset')})"


@prints(tqi.ShiftLeftOp)
def shift_left_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.ShiftLeftOp)
    return f"{p.v(op.output)} = shift_left({p.v(op.input)}, {p.param(ints(op.amount), p.v(op.output) + '_shift')})"


@prints(tqi.MulHighOp)
def mul_high_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.MulHighOp)
    return f"{p.v(op.output)} = mul_high({p.v(op.input)}, {p.param(ints(op.multiplier), p.v(op.output) + '_multiplier')})"


@prints(tqi.ShiftRightRoundOp)
def shift_right(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.ShiftRightRoundOp)
    amount = p.param(ints(op.amount), p.v(op.output) + '_shift')
    return f"{p.v(op.output)} = shift_right_round({p.v(op.input)}, {amount})"


def _per_channel_call(p: NumpyPrinter, op: tqi.PerChannelOp, fn: str, *props: str) -> str:
    """`out = fn(input, <each per-channel array property, in order>)`."""
    args = [p.param(ints(getattr(op, name)), f"{p.v(op.output)}_{name}") for name in props]
    return f"{p.v(op.output)} = {fn}({p.v(op.input)}, {', '.join(args)})"


@prints(tqi.MulShiftRoundOp)
def mul_shift(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.MulShiftRoundOp)
    return _per_channel_call(p, op, "mul_shift_round", "multiplier", "shift")


@prints(tqi.MulRoundDoubleOp)
def mul_round_double_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.MulRoundDoubleOp)
    return _per_channel_call(p, op, "mul_round_double", "mantissa", "exponent")


@prints(tqi.MulRoundF32Op)
def mul_round_f32_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.MulRoundF32Op)
    return _per_channel_call(p, op, "mul_round_f32", "mantissa", "exponent")


@prints(tqi.MulAddRoundF32Op)
def mul_add_round_f32_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.MulAddRoundF32Op)
    return _per_channel_call(p, op, "mul_add_round_f32", "mantissa", "exponent", "addend")


@prints(tqi.ClampOp)
def clamp(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.ClampOp)
    return f"{p.v(op.output)} = np.clip({p.v(op.input)}, {int_value(op.min)}, {int_value(op.max)})"


@prints(tqi.AvgPoolOp, tqi.MaxPoolOp)
def pool(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.WindowOp)
    fn = "avg_pool" if isinstance(op, tqi.AvgPoolOp) else "max_pool"
    return (f"{p.v(op.output)} = {fn}({p.v(op.input)}, out_hw={dims(op.output)[1:3]}, "
            f"kernel={ints(op.filter_size)}, "
            f"stride={ints(op.stride)}, pad={ints(op.pad)})")


@prints(tqi.TableOp)
def table(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.TableOp)
    lut = p.constant(op.output, dense_array(op.table), shared=True)
    low = -kind_of(op.input).lo  # table index = x - min(input type)
    return f"{p.v(op.output)} = {lut}[{p.v(op.input)}.astype(np.int64) + {low}]"


@prints(tqi.ReshapeOp)
def reshape(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.ReshapeOp)
    return f"{p.v(op.output)} = {p.v(op.input)}.reshape({_moved_shape(p, op)})"


@prints(tqi.TransposeOp)
def transpose(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.TransposeOp)
    return f"{p.v(op.output)} = np.transpose({p.v(op.input)}, {ints(op.perm)})"


@prints(tqi.SliceOp)
def slice_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.SliceOp)
    parts = []
    bounds = zip(ints(op.begin), ints(op.end), ints(op.strides))
    for axis, (b, e, s) in enumerate(bounds):
        idx = range(b, e, s)  # the reference's loop: b, b+s, ... while before e
        if axis == 0 and list(idx) == [0] and dims(op.input)[0] == 1:
            parts.append(":")  # the batch axis, taken whole (it holds the N samples)
        elif not idx:
            parts.append("0:0")
        else:  # Python's slice stop must not be negative (it would count from the end)
            stop = idx[-1] + s
            parts.append(f"{idx[0]}:{stop if stop >= 0 else ''}" + (f":{s}" if s != 1 else ""))
    src = f"{p.v(op.input)}[{', '.join(parts)}]"
    return f"{p.v(op.output)} = {src}.reshape({_moved_shape(p, op)})"


@prints(tqi.PadOp)
def pad(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.PadOp)
    v = ints(op.paddings)
    pairs = tuple((v[i], v[i + 1]) for i in range(0, len(v), 2))
    return (f"{p.v(op.output)} = np.pad({p.v(op.input)}, {pairs}, "
            f"constant_values={int_value(op.pad_value)})")


def _moved_shape(p: NumpyPrinter, op: Operation) -> str:
    """The result shape of a reshape or slice: the model's own for a value computed from
    constants only (it has no sample axis, e.g. SVDF's initial state), else the run-time one."""
    return repr(dims(op.results[0])) if constant_only(op.operands[0]) else p.shape_expr(op.results[0])


def _joined(p: NumpyPrinter, op: Operation, values: Sequence[SSAValue]) -> str:
    """Operands of a concat/pack along a non-batch axis: constants are broadcast to the N
    samples (a constant of the model's batch size 1 stands for every sample)."""
    items = []
    for v in values:
        if int_value(op.properties["axis"]) != 0 and constant_only(v) and dims(v)[:1] == (1,):
            items.append(f"np.broadcast_to({p.v(v)}, {p.shape_expr(v)})")
        else:
            items.append(p.v(v))
    return ", ".join(items)


@prints(tqi.ConcatOp)
def concat(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.ConcatOp)
    items = _joined(p, op, op.inputs)
    return f"{p.v(op.output)} = np.concatenate([{items}], axis={int_value(op.axis)})"


@prints(tqi.QuantizeOp)
def quantize_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.QuantizeOp)
    assert isinstance(op.scale, FloatAttr)
    return (f"{p.v(op.output)} = quantize({p.v(op.input)}, {op.scale.value.data!r}, "
            f"{int_value(op.zero_point)}, {kind_of(op.output).np_spelling})")


@prints(tqi.QuantizeRneOp)
def quantize_rne_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.QuantizeRneOp)
    assert isinstance(op.inv_scale, FloatAttr)
    return (f"{p.v(op.output)} = quantize_rne({p.v(op.input)}, {op.inv_scale.value.data!r}, "
            f"{int_value(op.zero_point)}, {kind_of(op.output).np_spelling})")


@prints(tqi.DequantizeOp)
def dequantize_(p: NumpyPrinter, op: Operation) -> str:
    assert isinstance(op, tqi.DequantizeOp)
    assert isinstance(op.scale, FloatAttr)
    return (f"{p.v(op.output)} = dequantize({p.v(op.input)}, {op.scale.value.data!r}, "
            f"{int_value(op.zero_point)})")
