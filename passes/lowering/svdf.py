"""SVDF (integer) → existing tqi ops: a fully connected feature matmul, the state window, a
time-weight dot product, the rank reduction and a requantize.

Reference: TFLM `EvalIntegerSvdfReference<T>` (kernels/svdf_common.cc) with `PrepareSvdf`; T is
the type of weights_time and of the activation state (int16, or int8). Shapes: input x [B, K]
int8, weights_feature wf [F, K] int8, weights_time wt [F, M] T, bias [U] int32 (U = F / rank),
activation state [B, M·F] T (a variable tensor, laid out [B][F][M]), output [B, U] int8.

Prepare (double arithmetic on the float32 scales, left to right, then QuantizeMultiplier):

    effective_scale_1 = double(S_in) · double(S_wf) / double(S_state)   → (m1, shift1)
    effective_scale_2 = double(S_state) · double(S_wt) / double(S_out)  → (m2, shift2)
    refuses |double(S_bias) − double(S_state) · double(S_wt)| ≥ 1e-5

(tflite-micro before its PR "Fixed all foubles", e.g. main of August 2026, computed the three
products in float32; the TFLM wheel tqc tests against, 0.dev20261023, uses doubles: measured,
`tests/test_svdf.py::test_multipliers_from_double_products`.)

Eval, one invoke (int32 arithmetic, wrapping as the C does; zp = zero point):

    state[b, f, 0 : M−1] = state[b, f, 1 : M]       the buffer shifted left by one element:
                                                    per filter, the oldest column drops out
    dot[b, f]      = Σ_k wf[f, k] · (x[b, k] − zp_in)                       (no weight offset)
    state[b, f, M−1] = T(zp_state + clamp(MultiplyByQuantizedMultiplier(dot, m1, shift1),
                                          T_min, T_max))        the T store wraps (int16_t cast)
    scratch[b, f]  = Σ_j wt[f, j] · (state[b, f, j] − zp_state)
    acc[b, u]      = bias[u] + Σ_r scratch[b, u·rank + r]
    out[b, u]      = clamp(MultiplyByQuantizedMultiplier(acc, m2, shift2) + zp_out, −128, 127)

The weights' and bias' zero points are never read; the fused activation is not applied (the
clamp is always the int8 range). MultiplyByQuantizedMultiplier rounds twice in the reference
build (Builder.scale).

State: the lowering reads the state operand (the importer passes TFLM's reset value: the zero
point for an int8 state, 0 for int16; the buffer is ignored) and builds the shifted window
explicitly (slice of the old state, concat of the new column). In stream mode
(`lower-requantize{stream=true}`) the old state is the one the previous invocation left
(`tqi.state_read`, reset to that value) and the window is written back for the next one
(`tqi.state_write`), as TFLM carries its variable tensor when it is not reset between invokes.

tqi ops (int16 state, M > 1, double rounding with a right shift only): fully_connected, mul_high,
shift_right_round, clamp, add_const, cast, reshape (the new column), const, slice, concat (the
window), cast, add_const (− zp_state), const, mul, sum (over memory), reshape, sum (over rank),
const, add (bias), then the requantize (mul_high, shift_right_round, add_const, clamp, cast).
"""

from __future__ import annotations

import logging

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, int_value, shape
from tqc.dialects.element import element, kind
from tqc.dialects.quant_type import QuantType
from tqc.passes.lowering import Builder, lowers
from tqc.passes.lowering.state import read_state, write_state

log = logging.getLogger(__name__)

TYPES = {"input": ("i8",), "weights_feature": ("i8",), "weights_time": ("i16", "i8"),
         "bias": ("i32",), "activation_state": ("i16", "i8"), "output": ("i8",)}


def _quantization(b: Builder, op: tq.SvdfOp) -> dict[str, QuantType]:
    """Each tensor's per-tensor quantization, after the type checks of PrepareSvdf."""
    values = {"input": op.input, "weights_feature": op.weights_feature,
              "weights_time": op.weights_time, "bias": op.bias,
              "activation_state": op.activation_state, "output": op.output}
    found: dict[str, QuantType] = {}
    for name, v in values.items():
        if element(v) not in TYPES[name]:
            raise b.error(f"{name} of type {element(v)} is not supported (int8 input, weights "
                          "and output, int16 or int8 weights_time and state, int32 bias)")
        t = getattr(v.type, "element_type", None)
        if not isinstance(t, QuantType) or t.per_axis:
            raise b.error(f"{name} must be quantized per tensor (tensor '{v.name_hint}')")
        found[name] = t
    if element(op.weights_time) != element(op.activation_state):
        raise b.error(f"weights_time ({element(op.weights_time)}) and activation_state "
                      f"({element(op.activation_state)}) must have one type")
    return found


def _check_bias_scale(b: Builder, q: dict[str, QuantType]) -> None:
    product = q["activation_state"].scale * q["weights_time"].scale
    if not abs(q["bias"].scale - product) < 1e-5:
        raise b.error(f"bias scale {q['bias'].scale!r} differs from S_state*S_wt = {product!r} "
                      "by 1e-5 or more (TFLM refuses the model)")


@lowers(tq.SvdfOp)
def lower_svdf(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.SvdfOp)
    q = _quantization(b, op)
    _check_bias_scale(b, q)
    rank = int_value(op.rank)
    (batch, _), (filters, memory) = shape(op.input), shape(op.weights_time)
    units = filters // rank
    state_kind = element(op.activation_state)
    zp_in, zp_state, zp_out = (q[n].zero_point for n in ("input", "activation_state", "output"))
    s_in, s_wf, s_state = q["input"].scale, q["weights_feature"].scale, q["activation_state"].scale
    s_wt, s_out = q["weights_time"].scale, q["output"].scale
    m1, shift1 = b.multiplier(s_in * s_wf / s_state, "S_in*S_wf/S_state")
    m2, shift2 = b.multiplier(s_state * s_wt / s_out, "S_state*S_wt/S_out")
    b.note(f"rank {rank}, {units} units, memory {memory}; zero points: in {zp_in}, state "
           f"{zp_state}, out {zp_out} (weights' ignored); feature M1 ~ {m1}*2^({shift1}-31), "
           f"time M2 ~ {m2}*2^({shift2}-31), scales multiplied in double")
    activation = op.activation.data
    if activation != "NONE":
        log.warning("%s: TFLM's integer SVDF does not apply the fused activation %s; neither "
                    "does the compiled code", b.op.name, activation)
        b.note(f"fused activation {activation} not applied, as the integer kernel does")
    x, wf, wt, bias, old = b.operands
    carried = read_state(b, op.activation_state) if b.stream else None
    if carried is not None:
        old = carried.value

    # the new state column: the feature matmul, requantized to T
    dot = b.value(tqi.FullyConnectedOp, [x, wf, []], b.tensor("i32", [batch, filters]),
                  input_offset=int_attr(-zp_in), filter_offset=int_attr(0))
    column = b.scale(dot, [m1], [shift1], b.single_rounding)
    lo, hi = kind(state_kind).range
    column = b.value(tqi.ClampOp, [column], column.type, min=int_attr(lo), max=int_attr(hi))
    column = b.cast(b.add_const(column, [zp_state]), state_kind)  # the T store wraps
    column = b.value(tqi.ReshapeOp, [column], b.tensor(state_kind, [batch, filters, 1]))

    # the window: the old state [B][F][M] without its oldest column, then the new one
    if memory > 1:
        kept = b.value(tqi.SliceOp, [old], b.tensor(state_kind, [batch, filters, memory - 1]),
                       begin=int_array([0, 0, 1]), end=int_array([batch, filters, memory]),
                       strides=int_array([1, 1, 1]))
        column = b.value(tqi.ConcatOp, [[kept, column]], old.type, axis=int_attr(2))
    if carried is not None:
        write_state(b, carried, column)
    state = b.add_const(b.widen(column), [-zp_state])

    # time weights, rank reduction, bias, requantize
    products = b.value(tqi.MulOp, [state, wt], state.type)
    scratch = b.value(tqi.SumOp, [products], b.tensor("i32", [batch, filters]),
                      axes=int_array([2]))
    if rank > 1:
        split = b.value(tqi.ReshapeOp, [scratch], b.tensor("i32", [batch, units, rank]))
        scratch = b.value(tqi.SumOp, [split], b.tensor("i32", [batch, units]), axes=int_array([2]))
    acc = b.value(tqi.AddOp, [scratch, bias], scratch.type)
    return [b.requantize(acc, [m2], [shift2], zp_out, kind("i8").range, "i8")]
