"""Per layer, every number of the integer arithmetic (`tqc explain`, `Model.explain()`).

One source of truth: the scales and zero points are read from the `tq` module after the graph
passes (the module `lower` lowers), everything else from the lowered `tqi` module itself: the
int32 multipliers and shifts, the rounding steps, the clamp, the offsets, the weights and bias
(for the accumulator's worst case). So the report follows every option that changes the IR
(`--rounding`, `--fold-batch-norm`).

Naming (as in the issue and the docs): S1, Z1 = the first input; S2, Z2 = the second input
(weights for CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED); S3, Z3 = the output. A real value
is S·(q − Z). A fixed-point multiplier (m, shift) stands for the real number m·2^(shift − 31)
(TFLite's QuantizeMultiplier convention: positive shift = left).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, StringAttr, TensorType
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import const_value, int_value, ints
from tqc.dialects.element import KINDS, element
from tqc.dialects.quant_type import QuantType
from tqc.explain_steps import describe
from tqc.passes.lower_requantize import parse_layer_mark
from tqc.semantics.accumulator import accumulator_range

# Not a linear rescaling: the output scale is fixed by the kernel or the function is a table.
NONLINEAR = ("SOFTMAX", "LOG_SOFTMAX", "LOGISTIC", "TANH", "HARD_SWISH", "ELU", "EXP", "LOG",
             "SQRT", "RSQRT", "GELU", "L2_NORMALIZATION")
COMPARISONS = ("EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL")
PRODUCTS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "MUL",
            "BATCH_MATMUL")


@dataclass
class TensorQuant:
    """One quantized operand or result: real = scale·(q − zero_point), per tensor or per axis."""

    name: str
    storage: str
    scales: list[float]
    zero_points: list[int]
    constant: bool = False


@dataclass
class Rescale:
    """One fixed-point multiply of the layer, as the IR holds it. `real`: the number each (m,
    shift) stands for, m·2^(shift − 31) (for `double-precision`: mantissa·2^exponent)."""

    rounding: str  # "double" (two roundings), "single", "single (int64)", "double-precision",
                   # "float32" (XNNPACK)
    multipliers: list[int]
    shifts: list[int]
    real: list[float]


@dataclass
class Accumulator:
    """Worst case of the accumulator over every input value and the layer's actual weights and
    bias (padding ignored: the bound covers every tap), and the signed bits it needs."""

    lo: int
    hi: int
    bits: int
    register_bits: int  # the accumulator's type in the IR (32 or 64)


@dataclass
class LayerReport:
    index: int | None  # the TFLite operator index
    opcode: str
    output: str | None
    inputs: list[TensorQuant | None]  # None: an operand that is not quantized (float, indices)
    outputs: list[TensorQuant | None]
    real_multipliers: dict[str, list[float]]  # e.g. {"S1*S2/S3": [...]} per channel
    rescales: list[Rescale]
    clamp: tuple[int, int] | None
    clamp_from_activation: bool  # narrower than the output type: a fused activation
    accumulator: Accumulator | None
    input_offset: int | None  # added to every input value before the products (−Z1)
    weight_offset: int | None  # added to every weight (−Z2; nonzero only for uint8 weights)
    steps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        where = f" #{self.index}" if self.index is not None else ""
        return f"{self.opcode}{where}" + (f" -> {self.output}" if self.output else "")

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _tensor_quant(value: SSAValue) -> TensorQuant | None:
    t = value.type
    if not isinstance(t, TensorType) or not isinstance(t.element_type, QuantType):
        return None
    q = t.element_type
    return TensorQuant(value.name_hint or "", element(value),
                       [float(s) for s in q.scale_array()], [int(z) for z in q.zero_point_array()],
                       isinstance(value.owner, tq.ConstOp))


def _quantized_ops(module: ModuleOp) -> dict[int, Operation]:
    """The `tq` ops by TFLite operator index."""
    found: dict[int, Operation] = {}
    for op in module.walk():
        index = op.properties.get("tfl_index")
        if index is not None and not isinstance(op, tq.ConstOp):
            found.setdefault(int_value(index), op)
    return found


def _layers(module: ModuleOp) -> list[tuple[str, list[Operation]]]:
    """(mark, ops) per lowered layer: a layer starts at an op with a `tqc.layer` mark; constants
    without a mark are data, not steps."""
    fn = next(op for op in module.ops if isinstance(op, func.FuncOp))
    layers: list[tuple[str, list[Operation]]] = []
    for op in fn.body.block.ops:
        mark = op.attributes.get("tqc.layer")
        if isinstance(mark, StringAttr):
            layers.append((mark.data, [op]))
        elif layers and not isinstance(op, tqi.ConstOp | func.ReturnOp):
            layers[-1][1].append(op)
    return layers


def _per_channel(*arrays: tuple[int, ...]) -> list[np.ndarray]:
    n = max(len(a) for a in arrays)
    return [np.broadcast_to(np.asarray(a, dtype=np.int64), (n,)) for a in arrays]


def rescales(ops: list[Operation]) -> list[Rescale]:
    """The fixed-point multiplies among `ops`: shift_left? → mul_high → shift_right_round?
    (double rounding), mul_shift_round, mul_shift_round64, mul_round_double, mul_round_f32
    (XNNPACK's float32 scale, as mantissa·2^exponent)."""
    found: list[Rescale] = []
    left: tuple[int, ...] = (0,)
    for i, op in enumerate(ops):
        if isinstance(op, tqi.ShiftLeftOp):
            left = ints(op.amount)
        elif isinstance(op, tqi.MulHighOp):
            after = ops[i + 1] if i + 1 < len(ops) else None
            right = ints(after.amount) if isinstance(after, tqi.ShiftRightRoundOp) else (0,)
            m, lft, rgt = _per_channel(ints(op.multiplier), left, right)
            found.append(_rescale("double", m, lft - rgt))
            left = (0,)
        elif isinstance(op, tqi.MulShiftRoundOp):
            m, s = _per_channel(ints(op.multiplier), ints(op.shift))
            found.append(_rescale("single", m, s))
        elif isinstance(op, tqi.MulShiftRound64Op):
            m, n = _per_channel(ints(op.multiplier), ints(op.amount))
            found.append(_rescale("single (int64)", m, 31 - n))
        elif isinstance(op, tqi.SoftmaxOp):  # MultiplyByQuantizedMultiplierGreaterThanOne
            found.append(_rescale("double", np.array([int_value(op.input_multiplier)]),
                                  np.array([int_value(op.input_left_shift)])))
        elif isinstance(op, (tqi.MulRoundDoubleOp, tqi.MulRoundF32Op)):
            m, e = _per_channel(ints(op.mantissa), ints(op.exponent))
            kind = "float32" if isinstance(op, tqi.MulRoundF32Op) else "double-precision"
            found.append(Rescale(kind, [int(v) for v in m], [int(v) for v in e],
                                 [float(v) * 2.0 ** int(x) for v, x in zip(m, e)]))
    return found


def _rescale(rounding: str, m: np.ndarray, shift: np.ndarray) -> Rescale:
    return Rescale(rounding, [int(v) for v in m], [int(v) for v in shift],
                   [float(v) * 2.0 ** (int(s) - 31) for v, s in zip(m, shift)])


def _source_kind(value: SSAValue) -> str:
    """The narrowest element type along the casts that made `value` (an int8 value widened to
    int32 still holds only int8 values)."""
    narrowest = element(value)
    while isinstance(value.owner, tqi.CastOp):
        value = value.owner.operands[0]
        if KINDS[element(value)].bits < KINDS[narrowest].bits:
            narrowest = element(value)
    return narrowest


def accumulator(op: Operation) -> Accumulator | None:
    """The worst-case accumulator of a conv / depthwise / fully-connected op over every input
    value of its (pre-widening) type, with its real weights, offsets and bias."""
    if not isinstance(op, tqi.ConvLikeOp | tqi.FullyConnectedOp):
        return None
    w = const_value(op.filter)
    source = KINDS.get(_source_kind(op.input))
    if w is None or source is None or source.is_float:
        return None
    off_in, off_w = int_value(op.input_offset), int_value(op.filter_offset)
    axes = (0, 1, 2) if isinstance(op, tqi.DepthwiseConv2DOp) else tuple(range(1, w.ndim))
    bottom, top = accumulator_range(w.astype(np.int64) + off_w, source.lo + off_in,
                                    source.hi + off_in, axes, const_value(op.bias))
    bits = max(top.bit_length(), (-bottom - 1).bit_length() if bottom < 0 else 0) + 1
    return Accumulator(bottom, top, bits, KINDS[element(op.output)].bits)


def _real_multipliers(opcode: str, ins: list[TensorQuant | None],
                      out: TensorQuant | None) -> dict[str, list[float]]:
    """The real numbers the layer must multiply by, from the scales (double products)."""
    q = [t for t in ins if t is not None and t.storage != "i32"]  # skip the bias
    if opcode in COMPARISONS:  # each input by its own scale; the output is a bool
        return {f"S{k + 1}": [t.scales[0]] for k, t in enumerate(q)}
    if out is None or not q or opcode in NONLINEAR:
        return {}
    s3 = out.scales[0]
    if opcode in PRODUCTS and len(q) >= 2:
        s1, s2 = q[0].scales[0], np.asarray(q[1].scales)
        return {"S1*S2/S3": [float(v) for v in s1 * s2 / s3]}
    if opcode == "DIV" and len(q) >= 2:  # real quotient = (S1/(S2·S3))·(q1/q2)
        return {"S1/(S2*S3)": [q[0].scales[0] / (q[1].scales[0] * s3)]}
    return {f"S{k + 1}/S3": [t.scales[0] / s3] for k, t in enumerate(q)}


def _comparison_note(ins: list[TensorQuant | None], found: list[Rescale]) -> str:
    """How a comparison's inputs meet: rescaled each by its own scale, reduced to their sign
    (a scale of 1 or more, see tqc/semantics/compare_scale.py), or compared raw."""
    parts = []
    if found:
        reals = ", ".join(f"{r.real[0]:.6g}" for r in found)
        parts.append("an input with a scale below 1 becomes 2^8·S·(q − Z) in int32 (q − Z shifted "
                     "left by 8 bits of headroom, then multiplied by its own scale S as a "
                     f"fixed-point multiplier: m·2^(shift−31) = 2^8·S = {reals})")
    if any(t is not None and t.scales[0] >= 1 for t in ins):
        parts.append("an input with a scale >= 1 becomes its sign 2·[q >= Z] − 1 (the reference's "
                     "rescale shifts right by a negative amount; tqc compiles it where every "
                     "evaluation of that by LiteRT REF x86-64 agrees: tqc/semantics/compare_scale.py)")
    if not parts:
        return ("the inputs are compared as stored (same scale and zero point, or int16 order "
                "predicates, which the reference compares raw)")
    return "; ".join(parts) + "; the two int32 values are compared"


def explain_layer(mark: str, ops: list[Operation], quantized: dict[int, Operation]) -> LayerReport:
    opcode, index, output, notes = parse_layer_mark(mark)
    source = quantized.get(index) if index is not None else None
    ins = [_tensor_quant(v) for v in source.operands] if source else []
    outs = [_tensor_quant(v) for v in source.results] if source else []
    clamps = [op for op in ops if isinstance(op, tqi.ClampOp)]
    clamp = (int_value(clamps[-1].min), int_value(clamps[-1].max)) if clamps else None
    narrow = False
    if clamp is not None and outs and outs[0] is not None:
        k = KINDS[outs[0].storage]
        narrow = (k.lo, k.hi) != clamp
    engine = next((op for op in ops if isinstance(op, tqi.ConvLikeOp | tqi.FullyConnectedOp)), None)
    found = rescales(ops)
    real = _real_multipliers(opcode, ins, outs[0] if outs else None)
    if opcode in COMPARISONS:
        notes = [*notes, _comparison_note(ins, found)]
        real = real if found else {}  # compared as stored: no multiplier
    return LayerReport(
        index, opcode, output, ins, outs, real, found, clamp, narrow,
        accumulator(engine) if engine else None,
        int_value(engine.input_offset) if engine else None,
        int_value(engine.filter_offset) if engine else None,
        [describe(op) for op in ops], notes)


def explain_module(path: str | Path, lowered: ModuleOp, fold_batch_norm: bool = False
                   ) -> list[LayerReport]:
    """Every lowered layer of the model at `path` (`lowered` is its `tqi` module)."""
    from tqc.pipeline import quantized as quantized_module

    by_index = _quantized_ops(quantized_module(path, fold_batch_norm))
    return [explain_layer(mark, ops, by_index) for mark, ops in _layers(lowered)]
