"""The `tqi` dialect: integer-only tensor ops that the backends print.

Values are tensors of plain integers (i8, ui8, i16, i32, i64) or f32 at float I/O edges; there is
no quantization left in the types. Requantization is spelled out as fixed-point steps, as the
TFLite reference kernels compute them (`lite/kernels/internal/common.h`):

- `tqi.shift_left`        x * 2^n with int32 wrap-around (the `x * (1 << left_shift)` of
                          MultiplyByQuantizedMultiplier);
- `tqi.mul_high`          SaturatingRoundingDoublingHighMul(x, m) (gemmlowp);
- `tqi.shift_right_round` RoundingDivideByPOT(x, n) (round half away from zero);
- `tqi.mul_shift_round`   single rounding: (x * m + 2^(30-s)) >> (31-s) in int64
                          (TFLITE_SINGLE_ROUNDING);
- `tqi.mul_shift_round64` int64 in, int32 out: (x * m16 + 2^(n-1)) >> n, the int64 overload
                          used by the 16x8 kernels (16-bit multiplier, one rounding);
- `tqi.mul_round_double`  int32(round(double(x) * scale)) emulated with integers (LiteRT's
                          legacy uint8 FULLY_CONNECTED);
- `tqi.mul_round_f32`     rint(float32(float32(x) * scale)), ties to even, emulated with integers
                          (XNNPACK's fp32 requantization, `--reference xnnpack`);
- `tqi.mul_add_round_f32` rint(float32(float32(float32(x) * scale) + z)), ties to even, with
                          integers (XNNPACK's quantized MEAN);
- `tqi.add_const`, `tqi.clamp`, `tqi.cast`.

Per-channel parameters (array attributes with one entry per channel, or a single entry) apply
along the LAST axis, which is the channel axis of every NHWC conv output and FC output.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from typing import ClassVar, cast

from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Dialect, Operation, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import MemoryReadEffect, MemoryWriteEffect, Pure
from xdsl.utils.exceptions import VerifyException

from tqc.dialects.element import KINDS, storage_name
from tqc.dialects.traits import Engine, EpilogueAnchor

INT32 = (-(2**31), 2**31 - 1)


def _ints(attr: Attribute) -> tuple[int, ...]:
    return tuple(int(v) for v in cast("DenseArrayBase[IntegerType]", attr).get_values())


def _check_range(op: Operation, what: str, values: Sequence[int], lo: int, hi: int) -> None:
    bad = [v for v in values if not lo <= v <= hi]
    if bad:
        raise VerifyException(f"{op.name}: {what} {bad[0]} outside [{lo}, {hi}]")


def _shape(value: SSAValue) -> tuple[int, ...]:
    t = value.type
    if not isinstance(t, TensorType):
        raise VerifyException(f"expected a tensor, got {t}")
    return tuple(t.get_shape())


def _element(value: SSAValue) -> str:
    t = value.type
    assert isinstance(t, TensorType)
    return storage_name(t.element_type)


class TqiOp(IRDLOperation):
    traits = traits_def(Pure())


class UnaryOp(TqiOp):
    input = operand_def()
    output = result_def()


class BinaryOp(TqiOp):
    """Element-wise with NumPy broadcasting; int32 results wrap around."""

    lhs = operand_def()
    rhs = operand_def()
    output = result_def()


@irdl_op_definition
class ConstOp(TqiOp):
    name = "tqi.const"
    value = prop_def(DenseIntOrFPElementsAttr)
    output = result_def()


@irdl_op_definition
class CastOp(UnaryOp):
    """Convert to the result element type; narrowing wraps (clamp first)."""

    name = "tqi.cast"


class ConvLikeOp(TqiOp):
    """int32 accumulation: bias + sum((x + input_offset) * (w + filter_offset)).

    `pad` is [top, bottom, left, right]; padded input positions contribute nothing (as
    the reference kernels skip them). Offsets are the negated zero points.
    """

    input = operand_def()
    filter = operand_def()
    bias = opt_operand_def()
    output = result_def()
    stride = prop_def(DenseArrayBase)
    dilation = prop_def(DenseArrayBase)
    pad = prop_def(DenseArrayBase)
    input_offset = prop_def(IntegerAttr)
    filter_offset = prop_def(IntegerAttr)

    def verify_(self) -> None:
        _check_window(self, _ints(self.stride), _ints(self.pad))
        _check_range(self, "dilation", _ints(self.dilation), 1, 2**31 - 1)
        if len(_ints(self.dilation)) != 2 or len(_shape(self.filter)) != 4:
            raise VerifyException(f"{self.name}: needs 2 dilations and a 4-D filter")


def _check_window(op: Operation, stride: Sequence[int], pad: Sequence[int]) -> None:
    if len(stride) != 2 or len(pad) != 4:
        raise VerifyException(f"{op.name}: needs 2 strides and 4 paddings")
    _check_range(op, "stride", stride, 1, 2**31 - 1)
    # top and left; bottom and right are negative where input rows/columns past the last
    # window are never read
    _check_range(op, "pad", (pad[0], pad[2]), 0, 2**31 - 1)


@irdl_op_definition
class Conv2DOp(ConvLikeOp):
    """Input NHWC, filter OHWI."""

    name = "tqi.conv_2d"
    traits = traits_def(EpilogueAnchor(), Engine("conv", mac=True))


@irdl_op_definition
class DepthwiseConv2DOp(ConvLikeOp):
    """Filter 1HW(C*M): output channel c*M+m reads input channel c."""

    name = "tqi.depthwise_conv_2d"
    traits = traits_def(EpilogueAnchor(), Engine("dw", mac=True))


@irdl_op_definition
class FullyConnectedOp(TqiOp):
    """Input [..., K], filter [units, K] → int32 [..., units]."""

    name = "tqi.fully_connected"
    traits = traits_def(EpilogueAnchor(), Engine("fc", mac=True))
    input = operand_def()
    filter = operand_def()
    bias = opt_operand_def()
    output = result_def()
    input_offset = prop_def(IntegerAttr)
    filter_offset = prop_def(IntegerAttr)


@irdl_op_definition
class AddOp(BinaryOp):
    name = "tqi.add"


@irdl_op_definition
class SubOp(BinaryOp):
    name = "tqi.sub"


@irdl_op_definition
class MulOp(BinaryOp):
    name = "tqi.mul"


@irdl_op_definition
class MaxOp(BinaryOp):
    name = "tqi.max"


@irdl_op_definition
class MinOp(BinaryOp):
    name = "tqi.min"


@irdl_op_definition
class FloorDivOp(BinaryOp):
    """floor(lhs / rhs), exact (no wrap-around: i32 operands that come from narrower types).
    rhs must hold no zero (see tqi.nonzero_check)."""

    name = "tqi.floor_div"


@irdl_op_definition
class FloorModOp(BinaryOp):
    """lhs − floor(lhs / rhs)·rhs: the sign of rhs, as Python's %; rhs nonzero."""

    name = "tqi.floor_mod"


@irdl_op_definition
class DivideOp(BinaryOp):
    """The quantized quotient of `reference_ops::DivElementwise` before the output zero point:
    lhs = x1 − zp1, rhs = x2 − zp2 (i32, from 16 bits or fewer, rhs nonzero), output
    = tqc.semantics.divide.divide(lhs, rhs, output_multiplier, output_shift) (i32)."""

    name = "tqi.divide"
    output_multiplier = prop_def(IntegerAttr)
    output_shift = prop_def(IntegerAttr)

    def verify_(self) -> None:
        names = (_element(self.lhs), _element(self.rhs), _element(self.output))
        if names != ("i32", "i32", "i32"):
            raise VerifyException(f"tqi.divide: operands and result must be i32, not {names}")
        if not 0 <= self.output_multiplier.value.data < 2**31:
            raise VerifyException("tqi.divide: output_multiplier must be in [0, 2^31)")


@irdl_op_definition
class NonzeroCheckOp(UnaryOp):
    """output = input, or a run-time error (NumPy raises, C's NAME_invoke returns 1) if any
    element is 0: the reference's 'Division by 0' (LiteRT FLOOR_DIV / FLOOR_MOD)."""

    name = "tqi.nonzero_check"


@irdl_op_definition
class SelectPositiveOp(TqiOp):
    """`where(cond >= 0, if_true, if_false)`, broadcasting (PRELU, LEAKY_RELU)."""

    name = "tqi.select_nonneg"
    cond = operand_def()
    if_true = operand_def()
    if_false = operand_def()
    output = result_def()


@irdl_op_definition
class NonNegOp(UnaryOp):
    """`x >= 0` as a bool (i1) tensor of the int32 input's shape: how a comparison's int32
    condition (passes/lowering/compare_select.py) becomes a bool tensor (a graph output, a
    CAST's input)."""

    name = "tqi.nonneg"

    def verify_(self) -> None:
        if (_element(self.input), _element(self.output)) != ("i32", "i1"):
            raise VerifyException(f"tqi.nonneg: maps i32 to i1, not {_element(self.input)} to "
                                  f"{_element(self.output)}")
        if _shape(self.input) != _shape(self.output):
            raise VerifyException(f"tqi.nonneg: result shape {_shape(self.output)} differs from "
                                  f"input shape {_shape(self.input)}")


class PerChannelOp(UnaryOp):
    """Element-wise with one parameter per channel (last axis) or a single parameter.

    Verified: the result has the input's shape; every parameter array has one entry or one per
    channel; `RANGES` bounds each parameter (name -> (lo, hi)); `IO` fixes the element types
    (input, result) where the op is only defined for those."""

    RANGES: ClassVar[dict[str, tuple[int, int]]] = {}
    IO: ClassVar[tuple[str, str] | None] = ("i32", "i32")

    def verify_(self) -> None:
        shape = _shape(self.input)
        if _shape(self.output) != shape:
            raise VerifyException(f"{self.name}: result shape {_shape(self.output)} differs from "
                                  f"input shape {shape}")
        if self.IO is not None and (_element(self.input), _element(self.output)) != self.IO:
            raise VerifyException(f"{self.name}: maps {self.IO[0]} to {self.IO[1]}, not "
                                  f"{_element(self.input)} to {_element(self.output)}")
        channels = shape[-1] if shape else 1
        for name, attr in self.properties.items():
            if not isinstance(attr, DenseArrayBase):
                continue
            values = _ints(attr)
            if len(values) not in (1, channels):
                raise VerifyException(f"{self.name}: {len(values)} values of {name} for "
                                      f"{channels} channels")
            if name in self.RANGES:
                _check_range(self, name, values, *self.RANGES[name])


@irdl_op_definition
class AddConstOp(PerChannelOp):
    name = "tqi.add_const"
    IO: ClassVar[tuple[str, str] | None] = None  # int32 accumulators and the 16x8 kernels' int64 ones
    value = prop_def(DenseArrayBase)

    def verify_(self) -> None:
        super().verify_()
        k = KINDS[_element(self.input)]
        if _element(self.output) != k.name or k.is_float:
            raise VerifyException(f"tqi.add_const: maps {k.name} to {_element(self.output)}")
        _check_range(self, "value", _ints(self.value), k.lo, k.hi)


@irdl_op_definition
class ShiftLeftOp(PerChannelOp):
    name = "tqi.shift_left"
    RANGES: ClassVar[dict[str, tuple[int, int]]] = {"amount": (0, 31)}
    amount = prop_def(DenseArrayBase)


@irdl_op_definition
class MulHighOp(PerChannelOp):
    name = "tqi.mul_high"
    RANGES: ClassVar[dict[str, tuple[int, int]]] = {"multiplier": INT32}
    multiplier = prop_def(DenseArrayBase)


@irdl_op_definition
class ShiftRightRoundOp(PerChannelOp):
    name = "tqi.shift_right_round"
    RANGES: ClassVar[dict[str, tuple[int, int]]] = {"amount": (0, 31)}
    amount = prop_def(DenseArrayBase)


@irdl_op_definition
class MulShiftRoundOp(PerChannelOp):
    """Single-rounding requantize: (x * m + 2^(30-s)) >> (31-s), int64 intermediate."""

    name = "tqi.mul_shift_round"
    RANGES: ClassVar[dict[str, tuple[int, int]]] = {"multiplier": INT32, "shift": (-31, 30)}
    multiplier = prop_def(DenseArrayBase)
    shift = prop_def(DenseArrayBase)


@irdl_op_definition
class MulShiftRound64Op(PerChannelOp):
    """One-rounding requantize of an int64 accumulator (16x8 kernels, the int64 overload of
    MultiplyByQuantizedMultiplier): int32((x * m + 2^(amount-1)) >> amount) in int64, where m is
    the 16-bit reduced multiplier and amount = 15 - shift, both computed at compile time."""

    name = "tqi.mul_shift_round64"
    RANGES: ClassVar[dict[str, tuple[int, int]]] = {"multiplier": INT32, "amount": (1, 62)}
    IO: ClassVar[tuple[str, str] | None] = ("i64", "i32")
    multiplier = prop_def(DenseArrayBase)
    amount = prop_def(DenseArrayBase)


@irdl_op_definition
class MulRoundDoubleOp(PerChannelOp):
    """int32(round(double(x) * scale)) computed with integers only: the requantize of LiteRT
    BUILTIN_REF's float-scale FULLY_CONNECTED kernels (legacy uint8: int32 x; int16: an int64
    accumulator, which the lowering bounds below 2^53 so that double(x) is exact). scale =
    mantissa · 2^exponent exactly (`quant_math.double_parts`: mantissa odd, |mantissa| < 2^53,
    or 0). With a = |x| < 2^53:

      P = a · |mantissa|                         exact, < 2^106
      q = P / 2^k rounded to nearest, ties to even, k = max(bitlen(P) − 53, 0)
                                                 (the double product, rounded to 53 bits)
      R = q · 2^s, s = k + exponent, rounded half up when s < 0
                                                 (std::round: half away from zero on |·|)
      out = INT32_MIN if R ≥ 2^31 (static_cast<int32_t> out of range: x86 cvttsd2si gives
            INT32_MIN for either sign), else sign(x · mantissa) · R."""

    name = "tqi.mul_round_double"
    RANGES: ClassVar[dict[str, tuple[int, int]]] = {"mantissa": (-(2**53) + 1, 2**53 - 1), "exponent": (-1100, 1000)}
    IO: ClassVar[tuple[str, str] | None] = None  # i32 or i64 in, i32 out
    mantissa = prop_def(DenseArrayBase)
    exponent = prop_def(DenseArrayBase)

    def verify_(self) -> None:
        super().verify_()
        if _element(self.input) not in ("i32", "i64") or _element(self.output) != "i32":
            raise VerifyException(f"tqi.mul_round_double: maps {_element(self.input)} to "
                                  f"{_element(self.output)}, not i32 or i64 to i32")


@irdl_op_definition
class MulRoundF32Op(PerChannelOp):
    """rint(float32(float32(x) * scale)) with ties to even, computed with integers only, the
    magnitude saturated to 2^30: XNNPACK's "fp32" requantization (LiteRT's default CPU path,
    `--reference xnnpack`). scale = mantissa · 2^exponent exactly, a positive float32
    (`quant_math.float32_parts`: mantissa odd, below 2^24) in [2^-100, 2^8). The integer steps
    and the proof that they give the float32 results: `tqc/semantics/round_f32.py`."""

    name = "tqi.mul_round_f32"
    RANGES: ClassVar[dict[str, tuple[int, int]]] = {"mantissa": (1, 2**24 - 1),
                                                     "exponent": (-123, 7)}
    mantissa = prop_def(DenseArrayBase)
    exponent = prop_def(DenseArrayBase)


@irdl_op_definition
class MulAddRoundF32Op(PerChannelOp):
    """rint(float32(float32(float32(x) * scale) + z)) with ties to even, computed with integers
    only: XNNPACK's int32 → 8-bit convert of its quantized MEAN (`--reference xnnpack`).
    scale = mantissa · 2^exponent as for `tqi.mul_round_f32`; z = addend · 2^-36 exactly, a
    float32 below 2^16 in magnitude. The integer steps and their proof:
    `tqc/semantics/round_f32.py` (`mul_add_round_f32`)."""

    name = "tqi.mul_add_round_f32"
    RANGES: ClassVar[dict[str, tuple[int, int]]] = {"mantissa": (1, 2**24 - 1),
                                                     "exponent": (-123, 7),
                                                     "addend": (-(2**52) + 1, 2**52 - 1)}
    mantissa = prop_def(DenseArrayBase)
    exponent = prop_def(DenseArrayBase)
    addend = prop_def(DenseArrayBase)


@irdl_op_definition
class ClampOp(UnaryOp):
    name = "tqi.clamp"

    def verify_(self) -> None:
        lo, hi = int(self.min.value.data), int(self.max.value.data)
        if lo > hi:
            raise VerifyException(f"tqi.clamp: min {lo} > max {hi}")
        k = KINDS.get(_element(self.input))
        if k is not None and not k.is_float and not k.lo <= lo <= hi <= k.hi:
            raise VerifyException(f"tqi.clamp: [{lo}, {hi}] outside the {k.name} range")
    min = prop_def(IntegerAttr)
    max = prop_def(IntegerAttr)


@irdl_op_definition
class TableOp(UnaryOp):
    """256-entry (or 65536-entry) lookup: output = table[x - min(input type)]."""

    name = "tqi.table"

    def verify_(self) -> None:
        k = KINDS.get(_element(self.input))
        if k is None or k.bits not in (8, 16):
            raise VerifyException(f"tqi.table: {_element(self.input)} input is not 8 or 16 bits")
        entries = prod(self.table.get_shape())
        if entries != 1 << k.bits:
            raise VerifyException(f"tqi.table: {entries} entries for {k.name} input")
    table = prop_def(DenseIntOrFPElementsAttr)


class WindowOp(UnaryOp):
    filter_size = prop_def(DenseArrayBase)
    stride = prop_def(DenseArrayBase)
    pad = prop_def(DenseArrayBase)

    def verify_(self) -> None:
        _check_window(self, _ints(self.stride), _ints(self.pad))
        size = _ints(self.filter_size)
        if len(size) != 2:
            raise VerifyException(f"{self.name}: needs a 2-D window")
        _check_range(self, "filter_size", size, 1, 2**31 - 1)


@irdl_op_definition
class AvgPoolOp(WindowOp):
    """Rounded average of the in-bounds window elements (TFLM integer AveragePool):
    sum, then (sum ± count/2) / count with C division; int32 result."""

    name = "tqi.avg_pool"
    traits = traits_def(EpilogueAnchor(), Engine("pool"))


@irdl_op_definition
class MaxPoolOp(WindowOp):
    """Maximum of the in-bounds window elements."""

    name = "tqi.max_pool"
    traits = traits_def(EpilogueAnchor(), Engine("eng"))  # "eng": the instance prefix it has always had


@irdl_op_definition
class SumOp(UnaryOp):
    """Sum over `axes` into int32 (the result type says whether dims are kept)."""

    name = "tqi.sum"
    traits = traits_def(Engine("sum"))
    axes = prop_def(DenseArrayBase)


@irdl_op_definition
class SoftmaxOp(UnaryOp):
    """Fixed-point softmax over the last axis of 8-bit input (reference_ops::Softmax, gemmlowp
    exp); the output is offset by the minimum of the result type (int8, uint8 or int16)."""

    name = "tqi.softmax"
    traits = traits_def(Engine("softmax"))
    input_multiplier = prop_def(IntegerAttr)
    input_left_shift = prop_def(IntegerAttr)
    diff_min = prop_def(IntegerAttr)


@irdl_op_definition
class SoftmaxLutOp(UnaryOp):
    """int16 softmax over the last axis with two 513-entry interpolated int16 LUTs
    (reference_ops::SoftmaxInt16): exp of the rescaled differences, 1/(1+x) of the sum."""

    name = "tqi.softmax_lut"
    traits = traits_def(Engine("softmax"))

    def verify_(self) -> None:
        for label, attr in (("exp_lut", self.exp_lut), ("reciprocal_lut", self.reciprocal_lut)):
            if attr.get_shape() != (513,) or storage_name(attr.get_element_type()) != "i16":
                raise VerifyException(f"tqi.softmax_lut: {label} must be 513 int16 values")
    input_multiplier = prop_def(IntegerAttr)
    input_shift = prop_def(IntegerAttr)
    exp_lut = prop_def(DenseIntOrFPElementsAttr)
    reciprocal_lut = prop_def(DenseIntOrFPElementsAttr)


@irdl_op_definition
class LogSoftmaxOp(UnaryOp):
    """Fixed-point log-softmax over the last axis of 8-bit input (reference_ops::LogSoftmax,
    gemmlowp exp and log); the output is offset by the maximum of the result type (int8 or
    uint8), scale 16/256 implied."""

    name = "tqi.log_softmax"
    traits = traits_def(Engine("logsoftmax"))

    def verify_(self) -> None:
        if _element(self.input) not in ("i8", "ui8") or _element(self.output) != _element(self.input):
            raise VerifyException("tqi.log_softmax: needs int8 or uint8 input and output alike")
        _check_range(self, "input_left_shift", [int(self.input_left_shift.value.data)], 1, 31)
        _check_range(self, "reverse_scaling_right_shift",
                     [int(self.reverse_scaling_right_shift.value.data)], 0, 31)
    input_multiplier = prop_def(IntegerAttr)
    input_left_shift = prop_def(IntegerAttr)
    reverse_scaling_divisor = prop_def(IntegerAttr)
    reverse_scaling_right_shift = prop_def(IntegerAttr)
    diff_min = prop_def(IntegerAttr)


@irdl_op_definition
class L2NormOp(UnaryOp):
    """Fixed-point L2 normalization over the last axis (GetInvSqrtQuantizedMultiplierExp of the
    sum of squares): int8 output as reference_integer_ops::L2Normalization (zero point 0),
    uint8 as the legacy reference_ops::L2Normalization (zero point 128); scale 1/128 implied."""

    name = "tqi.l2_norm"
    traits = traits_def(Engine("l2norm"))

    def verify_(self) -> None:
        if _element(self.input) not in ("i8", "ui8") or _element(self.output) != _element(self.input):
            raise VerifyException("tqi.l2_norm: needs int8 or uint8 input and output alike")
    input_zero_point = prop_def(IntegerAttr)


@irdl_op_definition
class ReshapeOp(UnaryOp):
    name = "tqi.reshape"


@irdl_op_definition
class TransposeOp(UnaryOp):
    name = "tqi.transpose"
    traits = traits_def(Pure(), Engine("gather"))

    def verify_(self) -> None:
        perm = _ints(self.perm)
        if sorted(perm) != list(range(len(_shape(self.input)))):
            raise VerifyException(f"tqi.transpose: {list(perm)} is not a permutation of the axes")
    perm = prop_def(DenseArrayBase)


@irdl_op_definition
class SliceOp(UnaryOp):
    name = "tqi.slice"
    traits = traits_def(Pure(), Engine("gather"))
    begin = prop_def(DenseArrayBase)
    end = prop_def(DenseArrayBase)
    strides = prop_def(DenseArrayBase)


@irdl_op_definition
class PadOp(UnaryOp):
    name = "tqi.pad"
    traits = traits_def(Pure(), Engine("gather"))

    def verify_(self) -> None:
        paddings = _ints(self.paddings)
        if len(paddings) != 2 * len(_shape(self.input)) or min(paddings, default=0) < 0:
            raise VerifyException(f"tqi.pad: paddings {list(paddings)} are not two non-negative "
                                  "values per axis")
    paddings = prop_def(DenseArrayBase)
    pad_value = prop_def(IntegerAttr)


@irdl_op_definition
class ResizeNearestOp(UnaryOp):
    """NHWC nearest-neighbour resize to the result's H×W (reference_ops::ResizeNearestNeighbor:
    float32 source-index arithmetic); stored values are copied."""

    name = "tqi.resize_nearest"
    traits = traits_def(Pure(), Engine("gather"))
    align_corners = prop_def(IntegerAttr)
    half_pixel_centers = prop_def(IntegerAttr)


@irdl_op_definition
class ResizeBilinearOp(UnaryOp):
    """NHWC bilinear resize to the result's H×W; no requantization. i8/i16: the integer kernel
    (ResizeBilinearInteger, 10-bit weights, round half away); ui8: LiteRT REF's float32 kernel
    (reference_ops::ResizeBilinear<uint8_t>). See passes/lowering/resize.py."""

    name = "tqi.resize_bilinear"
    traits = traits_def(Engine("resize"))
    align_corners = prop_def(IntegerAttr)
    half_pixel_centers = prop_def(IntegerAttr)


@irdl_op_definition
class GatherOp(TqiOp):
    """Rows chosen by run-time index tuples (GATHER, EMBEDDING_LOOKUP and GATHER_ND with
    computed indices). `data` [A, R, S], `indices` [K, d] (i32 or i64), result [A, K, S]
    of data's element type, `dims` [D_0, ..., D_(d-1)] with R = D_0·…·D_(d-1):

        row_k = Σ_j indices[k, j] · (D_(j+1)·…·D_(d-1))      (exact, no wrap-around)
        output[a, k, :] = data[a, row_k, :]

    `check` says which index tuples are errors (the generated code raises in NumPy, and
    NAME_invoke returns 1 in C, where the reference kernel returns an error): "each" any
    component outside [0, D_j) (TFLM's GATHER, LiteRT REF's GATHER and GATHER_ND); "flat" only
    a row outside [0, R) (TFLM's GATHER_ND, which checks the flat position alone; i32 indices
    only, so that the sum cannot overflow int64)."""

    name = "tqi.gather"
    data = operand_def()
    indices = operand_def()
    output = result_def()
    dims = prop_def(DenseArrayBase)
    check = prop_def(StringAttr)

    def verify_(self) -> None:
        dims, check = _ints(self.dims), self.check.data
        data, idx, out = _shape(self.data), _shape(self.indices), _shape(self.output)
        if check not in ("each", "flat"):
            raise VerifyException(f"tqi.gather: check must be each or flat, not {check}")
        if _element(self.indices) not in ("i32", "i64") or (
                check == "flat" and _element(self.indices) == "i64"):
            raise VerifyException(f"tqi.gather: {_element(self.indices)} indices with check "
                                  f"{check}")
        if _element(self.output) != _element(self.data) or not dims or min(dims) < 1:
            raise VerifyException("tqi.gather: copies the data's element type, dims positive")
        if len(data) != 3 or len(idx) != 2 or data[1] != prod(dims) or idx[1] != len(dims) \
                or out != (data[0], idx[0], data[2]) or len(dims) * prod(dims) >= 2**31:
            raise VerifyException(f"tqi.gather: data {list(data)}, indices {list(idx)} and "
                                  f"dims {list(dims)} cannot give {list(out)}")


@irdl_op_definition
class ArgMaxOp(UnaryOp):
    """Index (i32 or i64, the result type) of the first maximum along `axis`."""

    name = "tqi.arg_max"
    traits = traits_def(Engine("argmax"))
    axis = prop_def(IntegerAttr)


@irdl_op_definition
class ConcatOp(TqiOp):
    name = "tqi.concat"
    traits = traits_def(Pure(), Engine("gather"))
    inputs = var_operand_def()
    output = result_def()
    axis = prop_def(IntegerAttr)


@irdl_op_definition
class QuantizeOp(UnaryOp):
    """float32 → integer: round_half_away(x / scale) + zero_point, saturated (float32 divide)."""

    name = "tqi.quantize"
    scale = prop_def(FloatAttr)
    zero_point = prop_def(IntegerAttr)


@irdl_op_definition
class QuantizeRneOp(UnaryOp):
    """float32 → integer as XNNPACK converts (`--reference xnnpack`): rint(float32(x · inv_scale))
    + zero_point, ties to even, saturated; inv_scale = float32(1.0f / scale). NaN gives the
    type's minimum."""

    name = "tqi.quantize_rne"
    inv_scale = prop_def(FloatAttr)
    zero_point = prop_def(IntegerAttr)


@irdl_op_definition
class DequantizeOp(UnaryOp):
    """integer → float32: float32(double(scale) * (x - zero_point))."""

    name = "tqi.dequantize"
    scale = prop_def(FloatAttr)
    zero_point = prop_def(IntegerAttr)


class StateOp(IRDLOperation):
    """State carried from one invocation of the model to the next (SVDF's activation state, an
    LSTM's hidden and cell state, in stream mode). The only side-effecting tqi ops: a function
    reads each state `name` once (`tqi.state_read`, the value the previous invocation wrote, or
    the reset value) and writes it once, later (`tqi.state_write`, the value the next invocation
    reads), with one type."""

    state = prop_def(StringAttr, prop_name="name")

    @property
    def state_name(self) -> str:
        return self.state.data

    def verify_(self) -> None:
        block = self.parent_block()
        if block is None:
            return
        same = [op for op in block.ops
                if isinstance(op, StateOp) and op.state_name == self.state_name]
        reads = [op for op in same if isinstance(op, StateReadOp)]
        writes = [op for op in same if isinstance(op, StateWriteOp)]
        if len(reads) != 1 or len(writes) != 1:
            raise VerifyException(f"{self.name}: state '{self.state_name}' needs one "
                                  f"tqi.state_read and one tqi.state_write, has {len(reads)} "
                                  f"and {len(writes)}")
        read, write = reads[0], writes[0]
        if not read.is_before_in_block(write):
            raise VerifyException(f"{self.name}: state '{self.state_name}' is written before "
                                  "it is read")
        if read.output.type != write.value.type:
            raise VerifyException(f"{self.name}: state '{self.state_name}' is read as "
                                  f"{read.output.type} and written as {write.value.type}")


@irdl_op_definition
class StateReadOp(StateOp):
    """The state `name` as the previous invocation left it; `reset` before the first
    invocation and after a reset."""

    name = "tqi.state_read"
    traits = traits_def(MemoryReadEffect())
    reset = prop_def(DenseIntOrFPElementsAttr)
    output = result_def()

    def verify_(self) -> None:
        if self.reset.type != self.output.type:
            raise VerifyException(f"{self.name}: reset value of type {self.reset.type} for a "
                                  f"state of type {self.output.type}")
        super().verify_()


@irdl_op_definition
class StateWriteOp(StateOp):
    """The state `name` the next invocation reads."""

    name = "tqi.state_write"
    traits = traits_def(MemoryWriteEffect())
    value = operand_def()


def has_state(op: Operation) -> bool:
    """True if op (a module, a function) carries state between invocations."""
    return any(isinstance(o, StateOp) for o in op.walk())


TQI = Dialect(
    "tqi",
    [
        ConstOp,
        GatherOp,
        CastOp,
        Conv2DOp,
        DepthwiseConv2DOp,
        FullyConnectedOp,
        AddOp,
        SubOp,
        MulOp,
        MaxOp,
        MinOp,
        FloorDivOp,
        FloorModOp,
        DivideOp,
        NonzeroCheckOp,
        SelectPositiveOp,
        NonNegOp,
        AddConstOp,
        ShiftLeftOp,
        MulHighOp,
        ShiftRightRoundOp,
        MulShiftRoundOp,
        MulShiftRound64Op,
        MulRoundDoubleOp,
        MulRoundF32Op,
        MulAddRoundF32Op,
        ClampOp,
        TableOp,
        AvgPoolOp,
        MaxPoolOp,
        SumOp,
        SoftmaxOp,
        SoftmaxLutOp,
        LogSoftmaxOp,
        L2NormOp,
        ReshapeOp,
        TransposeOp,
        SliceOp,
        PadOp,
        ResizeNearestOp,
        ResizeBilinearOp,
        ArgMaxOp,
        ConcatOp,
        QuantizeOp,
        QuantizeRneOp,
        DequantizeOp,
        StateReadOp,
        StateWriteOp,
    ],
)
