"""UNIDIRECTIONAL_SEQUENCE_LSTM (int8 or int16 activations, int8 weights, int16 cell state: TFLM's
8x8→16 and 16x8→16 kernels) → existing `tqi` ops, unrolled over the time steps.

Reference: TFLM `micro/kernels/unidirectional_sequence_lstm.cc`, `lstm_eval.{h,cc}`,
`lstm_eval_common.cc` (`EvalLstm<int8_t, int8_t, int16_t, int32_t>`). Prepare:

  gate FCs (`CreateGateParams`; output int16 at scale 2^-12, zero point 0, no activation):
    M_x[g] = double(float(S_x · S_wx[g])) / double(2^-12)        input FC, bias b[g] (int32)
    M_h[g] = double(float(S_h · S_wh[g])) / double(2^-12)        recurrent FC, no bias
    (GetQuantizedConvolutionMultipler: the scale product is float32), QuantizeMultiplier
  element-wise muls (`CreateInterGateMulParams`, double):
    M_fc = (2^-15 · S_c) / S_c      forget gate × cell state → cell state
    M_ig = (2^-15 · 2^-15) / S_c    input gate × cell gate  → cell state
    M_oh = (2^-15 · 2^-15) / S_h    output gate × tanh(cell) → hidden state (zero point Z_h)
  cell clip: q_clip = int16(trunc(min(max(double(cell_clip) / double(S_c), −32768), 32767)))
  cell tanh: p = 12 + round(log2(S_c)) (CheckedLog2, float32 logf; S_c need not be a power
    of two, its log is rounded); p ≥ 0: Tanh(multiplier 3·2^p, shift 0); p < 0: Tanh(3, −p)

Eval, per time step t (all batches at once when time major, one batch row after the other
otherwise: the rows never mix, so both orders give the same values), x_t [B, I], h, c [B, S]:

  pre[g] = sat16(clamp16(MBQM(b[g] + Σ (x_t − Z_x)·(w − Z_wx), M_x[g]))
               + clamp16(MBQM(Σ (h − Z_h)·(w − Z_wh), M_h[g])))       int32 acc, wraps
  i, f, o = Logistic16(pre[i, f, o]);  g = Tanh16(pre[g])       both at 2^-12 in,
            reference_integer_ops int16 kernels with multiplier 3, shift 0 (65536-entry tables)
  c = sat16(clamp16(MBQM(f·c, M_fc)) + clamp16(MBQM(i·g, M_ig)));  c = clamp(c, ±q_clip) if
      cell_clip > 0
  h = clamp8(MBQM(o · CellTanh16(c), M_oh) + Z_h);  output[t] = h

16x8 (`EvalLstm<int16_t, int8_t, int16_t, int64_t>`): the same with int16 input, hidden state and
output (clamp16 in place of clamp8), int64 gate biases and int64 FC accumulators; their
requantize is the int64 overload of MBQM (16-bit multiplier, one rounding:
`tqi.mul_shift_round64`, as the 16x8 FULLY_CONNECTED), the element-wise muls stay int32.

MBQM = MultiplyByQuantizedMultiplier (double rounding; single with --rounding single), sat16 =
int32 add clamped to int16 (AddElementWise), clamp16 = the kernels' int16 output clamp. The
initial state is what TFLM's reset writes (the importer makes it a constant: Z_h, 0): where
h = Z_h and c = 0 the recurrent FC and the forget product are 0, so step 0 omits them. In stream
mode (`lower-requantize{stream=true}`) it is the state the previous invocation left
(`tqi.state_read` of h and c, reset to those constants) and the last step's h and c are written
back for the next one (`tqi.state_write`), as TFLM carries its variable tensors when it is not
reset between invokes.

IR: the four gates' weights are concatenated (input, forget, output, cell) into one FC per
source with per-unit multipliers, so a step is one input FC, one recurrent FC, two tables on
the gates, one on the cell, and element-wise ops; tensors keep the batch axis first when the
input is batch major (the NumPy module then runs N samples at once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import FloatAttr, IntegerAttr
from xdsl.ir import Attribute, Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import dense_attr, int_array, int_attr, shape
from tqc.dialects.element import element, kind, storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.activations16 import (
    checked_log2,
    logistic_int16_table,
    rescaled_domain,
    tanh_int16_of,
    tanh_int16_table,
)
from tqc.passes.lowering.conv import reduced_multiplier
from tqc.passes.lowering.layout import split_slices, stack
from tqc.passes.lowering.state import read_state, write_state
from tqc.semantics.quant_math import f32

GATE_ORDER = ("input", "forget", "output", "cell")  # the three sigmoid gates first
GATE_SCALE = 2.0**-12  # FC outputs, the gate nonlinearities' inputs (Q3.12)
ACT_SCALE = 2.0**-15  # the nonlinearities' outputs (Q0.15)
INT16 = kind("i16").range


@dataclass(frozen=True)
class GateFc:
    """The four gates' FCs from one source (the input or the hidden state), merged."""

    weights: SSAValue  # [4S, K] int8
    bias: SSAValue | None  # [4S] int32 (int64 for int16 activations)
    input_offset: int
    filter_offset: int
    multipliers: list[int]  # one per unit of the 4S
    shifts: list[int]


def _gate_fc(b: Builder, op: tq.UnidirectionalSequenceLstmOp, source: SSAValue, prefix: str,
             biases: Sequence[SSAValue] | None) -> GateFc:
    """Weights (and biases) of `prefix`_to_<gate>_weights concatenated in GATE_ORDER."""
    s_in, zp_in = qtype(source).scale, qtype(source).zero_point
    weights, multipliers, shifts, zps = [], [], [], set()
    for gate in GATE_ORDER:
        w = getattr(op, f"{prefix}_to_{gate}_weights")
        wq, data = qtype(w), b.constant(w)
        if data is None:
            raise b.error(f"{prefix}_to_{gate}_weights must be constant")
        if storage_name(wq) != "i8" or len(wq.scales.data) != 1:
            raise b.error(f"{prefix}_to_{gate}_weights must be int8 with one scale (TFLM's LSTM "
                          f"reads one multiplier per gate FC) (tensor '{w.name_hint}')")
        weights.append(data)
        zps.add(wq.zero_point)
        m, s = b.multiplier(f32(s_in * wq.scale) / GATE_SCALE, f"{prefix} {gate} gate FC")
        multipliers += [m] * data.shape[0]
        shifts += [s] * data.shape[0]
    if len(zps) > 1:
        raise b.error(f"the {prefix} weights of the four gates have different zero points "
                      f"{sorted(zps)}: not supported")
    bias = None
    if biases is not None:
        wide = storage_name(qtype(source)) == "i16"
        bias_element = "i64" if wide else "i32"
        data = [b.constant(v) for v in biases]
        if any(d is None or storage_name(qtype(v)) != bias_element for d, v in zip(data, biases)):
            raise b.error(f"the gate biases must be constant {bias_element} tensors (TFLM's "
                          f"{'16x8' if wide else '8-bit'} LSTM reads {bias_element} biases)")
        bias = b.const(np.concatenate([d for d in data if d is not None]), bias_element)
    return GateFc(b.const(np.concatenate(weights), "i8"), bias, -zp_in, -zps.pop(),
                  multipliers, shifts)


def _clamp(b: Builder, x: SSAValue, lo: int, hi: int) -> SSAValue:
    return b.value(tqi.ClampOp, [x], x.type, min=int_attr(lo), max=int_attr(hi))


def _fc16(b: Builder, x: SSAValue, fc: GateFc) -> SSAValue:
    """clamp16(MBQM(acc, M[unit])) as int32 [B, 4S]; an int16 x accumulates in int64 and
    requantizes with the int64 overload."""
    rows, units = shape(x)[0], shape(fc.weights)[0]
    wide = element(x) == "i16"
    acc = b.value(tqi.FullyConnectedOp, [x, fc.weights, [fc.bias] if fc.bias else []],
                  b.tensor("i64" if wide else "i32", [rows, units]),
                  input_offset=int_attr(fc.input_offset), filter_offset=int_attr(fc.filter_offset))
    if not wide:
        return _clamp(b, b.scale(acc, fc.multipliers, fc.shifts, b.single_rounding), *INT16)
    if max(fc.shifts) >= 15:
        raise b.error("a gate FC's scale is too large for the int64 requantize (shift "
                      f"{max(fc.shifts)} >= 15)")
    scaled = b.value(tqi.MulShiftRound64Op, [acc], b.tensor("i32", [rows, units]),
                     multiplier=int_array([reduced_multiplier(m) for m in fc.multipliers]),
                     amount=int_array([15 - s for s in fc.shifts]))
    return _clamp(b, scaled, *INT16)


def _mul(b: Builder, lhs: SSAValue, rhs: SSAValue, mul: tuple[int, int], zero_point: int,
         bounds: tuple[int, int]) -> SSAValue:
    """clamp(MBQM(lhs·rhs, M) + zero_point) on int32 (MulElementwise)."""
    x = b.value(tqi.MulOp, [lhs, rhs], lhs.type)
    x = b.add_const(b.scale(x, [mul[0]], [mul[1]], b.single_rounding), [zero_point])
    return _clamp(b, x, *bounds)


def _table(b: Builder, x: SSAValue, values: np.ndarray) -> SSAValue:
    """An int16 → int16 lookup of x (int32 holding int16 values), widened back to int32."""
    looked = b.value(tqi.TableOp, [b.cast(x, "i16")], b.tensor("i16", shape(x)),
                     table=dense_attr(values, "i16"))
    return b.widen(looked)


def _cell_tanh_table(b: Builder, cell_scale: float) -> np.ndarray:
    """lstm_internal::Tanh(cell_state_scale_power, ...) on every int16 value."""
    p = 12 + checked_log2(cell_scale)[1]
    multiplier, left_shift = (3 << p, 0) if p >= 0 else (3, -p)
    if multiplier > 65535 or left_shift > 31:
        raise b.error(f"cell state scale {cell_scale!r} is out of the range the reference's "
                      "int16 tanh computes in int32 (2^-43 .. 2^2)")
    return tanh_int16_of(rescaled_domain(multiplier, left_shift))


def _initial(b: Builder, value: SSAValue, rows: int, units: int) -> np.ndarray:
    data = b.constant(value)
    assert data is not None  # the importer makes the states constants
    return data.reshape(rows, units)


@lowers(tq.UnidirectionalSequenceLstmOp)
def lower_lstm(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.UnidirectionalSequenceLstmOp)
    x_q, h_q, c_q, out_q = (qtype(v) for v in (op.input, op.hidden_state, op.cell_state,
                                                op.output))
    elements = {storage_name(q) for q in (x_q, h_q, out_q)}
    if elements not in ({"i8"}, {"i16"}):
        raise b.error(f"input, hidden state and output must be all int8 or all int16, not "
                      f"{', '.join(sorted(elements))}")
    act = elements.pop()
    if storage_name(c_q) != "i16":
        raise b.error(f"the cell state must be int16 (TFLM refuses {storage_name(c_q)})")
    time_major = isinstance(op.time_major, IntegerAttr) and op.time_major.value.data != 0
    in_shape = shape(op.input)
    if len(in_shape) != 3:
        raise b.error(f"needs a 3-D input, not {list(in_shape)}")
    steps, batch = (in_shape[0], in_shape[1]) if time_major else (in_shape[1], in_shape[0])
    units = shape(op.input_to_input_weights)[0]
    if shape(op.output) != ((steps, batch, units) if time_major else (batch, steps, units)):
        raise b.error(f"output shape {list(shape(op.output))} does not match input "
                      f"{list(in_shape)} and {units} units")

    biases = [getattr(op, f"{gate}_gate_bias") for gate in GATE_ORDER]
    x_fc = _gate_fc(b, op, op.input, "input", biases)
    h_fc = _gate_fc(b, op, op.hidden_state, "recurrent", None)
    m_fc = b.multiplier(ACT_SCALE * c_q.scale / c_q.scale, "forget gate × cell state")
    m_ig = b.multiplier(ACT_SCALE * ACT_SCALE / c_q.scale, "input gate × cell gate")
    m_oh = b.multiplier(ACT_SCALE * ACT_SCALE / h_q.scale, "output gate × tanh(cell)")
    clip = op.cell_clip.value.data if isinstance(op.cell_clip, FloatAttr) else 0.0
    c_lo, c_hi = INT16
    if clip > 0:
        q_clip = int(min(max(clip / c_q.scale, -32768.0), 32767.0))  # int() truncates, as C
        c_lo, c_hi = max(c_lo, -q_clip), min(c_hi, q_clip)
    sigmoid, gate_tanh = logistic_int16_table(GATE_SCALE), tanh_int16_table(GATE_SCALE)
    cell_tanh = _cell_tanh_table(b, c_q.scale)
    b.note(f"{steps} steps x batch {batch}, {units} units, {'time' if time_major else 'batch'} "
           f"major; gates at 2^-12 -> 2^-15, cell S={c_q.scale:.6g} clamp [{c_lo}, {c_hi}]; "
           f"M_x {x_fc.multipliers[0]}*2^({x_fc.shifts[0]}-31) (input gate), M_ig "
           f"{m_ig[0]}*2^({m_ig[1]}-31), M_oh {m_oh[0]}*2^({m_oh[1]}-31)")

    h: SSAValue | None
    c: SSAValue | None
    states = (read_state(b, op.hidden_state), read_state(b, op.cell_state)) if b.stream else None
    if states is not None:
        h, c = states[0].value, b.widen(states[1].value)
    else:
        h0 = _initial(b, op.hidden_state, batch, units)
        c0 = _initial(b, op.cell_state, batch, units)
        h = None if (h0 == h_q.zero_point).all() else b.const(h0, act)
        c = None if not c0.any() else b.widen(b.const(c0, "i16"))
    features = in_shape[2]
    outputs = []
    for t in range(steps):
        begin, end, step_shape = ([t, 0, 0], [t + 1, batch, features], [1, batch, features]) \
            if time_major else ([0, t, 0], [batch, t + 1, features], [batch, 1, features])
        x_t = b.value(tqi.SliceOp, [b.operands[0]], b.tensor(act, step_shape),
                      begin=int_array(begin), end=int_array(end), strides=int_array([1, 1, 1]))
        x_t = b.value(tqi.ReshapeOp, [x_t], b.tensor(act, [batch, features]))
        pre = _fc16(b, x_t, x_fc)
        if h is not None:
            pre = _clamp(b, b.value(tqi.AddOp, [pre, _fc16(b, h, h_fc)], pre.type), *INT16)
        sig_part = b.value(tqi.SliceOp, [pre], b.tensor("i32", [batch, 3 * units]),
                           begin=int_array([0, 0]), end=int_array([batch, 3 * units]),
                           strides=int_array([1, 1]))
        g_part = b.value(tqi.SliceOp, [pre], b.tensor("i32", [batch, units]),
                         begin=int_array([0, 3 * units]), end=int_array([batch, 4 * units]),
                         strides=int_array([1, 1]))
        parts: list[Attribute] = [b.tensor("i32", [batch, units])] * 3
        i_gate, f_gate, o_gate = split_slices(b, _table(b, sig_part, sigmoid), 1, parts)
        ig = _mul(b, i_gate, _table(b, g_part, gate_tanh), m_ig, 0,
                  INT16 if c is not None else (c_lo, c_hi))  # c = 0: the clip is ig's clamp
        if c is None:
            c = ig
        else:
            fc = _mul(b, f_gate, c, m_fc, 0, INT16)
            c = _clamp(b, b.value(tqi.AddOp, [fc, ig], fc.type), c_lo, c_hi)
        hidden = _mul(b, o_gate, _table(b, c, cell_tanh), m_oh, h_q.zero_point, kind(act).range)
        h = b.cast(hidden, act)
        outputs.append(h)
    if states is not None:
        assert h is not None and c is not None  # at least one step
        write_state(b, states[0], h)
        write_state(b, states[1], b.cast(c, "i16"))
    return [stack(b, outputs, 0 if time_major else 1, b.tensor(act, shape(op.output)))]
