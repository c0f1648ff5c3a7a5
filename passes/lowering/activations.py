"""LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU → `tqi.table`; PRELU → fixed-point select.

The table ops are functions of one 8-bit value: the rule runs the reference kernel on all 256
inputs at compile time (`tqc/semantics/tables.py`) and emits `tqi.table`. Which reference: int8
follows TFLM, uint8 (legacy models) LiteRT BUILTIN_REF. Where they differ:

- LOGISTIC / TANH: TFLM int8 computes gemmlowp fixed point (input rescaled to Q4.27, output
  assumed at scale 1/256 zp −128 for LOGISTIC — zp is checked, the scale is not — and scale
  1/128 zp 0 for TANH — neither is read). LiteRT's reference kernels fill a float32 table
  (expf / tanhf of the host libm) that honours the output quantization. Both are reproduced.
- HARD_SWISH, LEAKY_RELU: the same kernel and the same float32 scale arithmetic in both.

int16: LOGISTIC / TANH in `activations16.py`; LEAKY_RELU (TFLM `QuantizeLeakyRelu<int16_t>`) is
a function of one int16 value too, so its table has 65536 entries. TFLM's HARD_SWISH has no
int16 kernel (float32 and int8 only): refused by lower-requantize (no AcceptsInt16 trait).
- PRELU: the multipliers come from double arithmetic in TFLM and float32 in LiteRT.

The tables carry no run-time rounding, so they do not depend on `--rounding`.

PRELU (`reference_ops::BroadcastPrelu4DSlow`, element-wise with NumPy broadcasting):
    d = x − zp_in,  a = alpha − zp_alpha
    out = clamp(zp_out + (d >= 0 ? MBQM(d, m1, s1) : MBQM(d · a, m2, s2)), type range)
    TFLM (int8/int16):  m1 = QM(S_in / S_out),        m2 = QM(S_in · S_alpha / S_out)   double
    LiteRT (uint8):     m1 = QM(f32(S_in / S_out)),   m2 = QM(f32(f32(S_in · S_alpha) / S_out))
"""

from __future__ import annotations

import logging

import numpy as np
from xdsl.dialects.builtin import FloatAttr, TensorType
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import dense_attr, int_attr, shape
from tqc.dialects.element import kind, storage_name
from tqc.passes.lowering import Builder, lowers, plain, qtype
from tqc.passes.lowering.activation import clamp_bounds
from tqc.passes.lowering.activations16 import lower_int16_activation
from tqc.semantics import tables
from tqc.semantics.quant_math import f32, quantize_multiplier

log = logging.getLogger(__name__)

TABLE_ELEMENTS = ("i8", "ui8")


def table_op(b: Builder, op: Operation, values: np.ndarray) -> SSAValue:
    """`tqi.table` mapping the op's input to its output through `values` (one entry per value
    of the input type: 256 or 65536)."""
    out_type = plain(op.results[0].type)
    assert isinstance(out_type, TensorType)
    element = storage_name(out_type.element_type)
    lo, hi = kind(element).range
    entries = 1 << kind(storage_name(qtype(op.operands[0]))).bits
    assert values.shape == (entries,) and values.min() >= lo and values.max() <= hi
    table = dense_attr(values, element)
    return b.value(tqi.TableOp, [b.operands[0]], out_type, table=table)


def _check_elements(b: Builder, op: Operation) -> str:
    qi, qo = qtype(op.operands[0]), qtype(op.results[0])
    element = storage_name(qi)
    allowed = TABLE_ELEMENTS + ("i16",) if isinstance(op, tq.LeakyReluOp) else TABLE_ELEMENTS
    if element not in allowed or storage_name(qo) != element:
        names = "int8, uint8 and int16" if "i16" in allowed else "int8 and uint8"
        raise b.error(f"supported for {names} only, not {element} → {storage_name(qo)}")
    if qi.per_axis or qo.per_axis:
        raise b.error("per-axis quantization is not supported")
    return element


def _lower_table(b: Builder, op: Operation) -> list[SSAValue]:
    element = _check_elements(b, op)
    qi, qo = qtype(op.operands[0]), qtype(op.results[0])
    try:
        values = _table(op, element, qi.scale, qi.zero_point, qo.scale, qo.zero_point)
    except tables.ReferenceRefuses as e:
        raise b.error(f"the reference kernel refuses this op: {e}") from None
    return [table_op(b, op, values)]


def _table(op: Operation, element: str, s_in: float, zp_in: int, s_out: float,
           zp_out: int) -> np.ndarray:
    litert = element == "ui8"
    if isinstance(op, tq.LogisticOp):
        if litert:
            return tables.logistic_table_litert(element, s_in, zp_in, s_out, zp_out)
        if s_out != 1.0 / 256:
            log.warning("int8 LOGISTIC with output scale %r: TFLM ignores it and writes "
                        "values at scale 1/256; so does the compiled code", s_out)
        return tables.logistic_table_tflm(s_in, zp_in, zp_out)
    if isinstance(op, tq.TanhOp):
        if litert:
            return tables.tanh_table_litert(element, s_in, zp_in, s_out, zp_out)
        if (s_out, zp_out) != (1.0 / 128, 0):
            log.warning("int8 TANH with output quantization %r:%d: TFLM ignores it and "
                        "writes values at scale 1/128 zp 0; so does the compiled code",
                        s_out, zp_out)
        return tables.tanh_table_tflm(s_in, zp_in)
    if isinstance(op, tq.HardSwishOp):
        return tables.hard_swish_table(element, s_in, zp_in, s_out, zp_out, litert)
    assert isinstance(op, tq.LeakyReluOp) and isinstance(op.alpha, FloatAttr)
    return tables.leaky_relu_table(element, s_in, zp_in, s_out, zp_out, op.alpha.value.data,
                                   litert)


@lowers(tq.LogisticOp, tq.TanhOp, tq.HardSwishOp, tq.LeakyReluOp)
def lower_table_activation(b: Builder, op: Operation) -> list[SSAValue]:
    if isinstance(op, (tq.LogisticOp, tq.TanhOp)) and storage_name(qtype(op.operands[0])) == "i16":
        return [lower_int16_activation(b, op)]
    return _lower_table(b, op)


def prelu_multipliers(s_in: float, s_alpha: float, s_out: float, element: str,
                      single_rounding: bool) -> tuple[tuple[int, int], tuple[int, int]]:
    """((m1, s1), (m2, s2)) of PRELU: double arithmetic (TFLM) or float32 (LiteRT, uint8)."""
    if element == "ui8":
        real_1, real_2 = f32(s_in / s_out), f32(f32(s_in * s_alpha) / s_out)
    else:
        real_1, real_2 = s_in / s_out, s_in * s_alpha / s_out
    return (quantize_multiplier(real_1, single_rounding),
            quantize_multiplier(real_2, single_rounding))


@lowers(tq.PreluOp)
def lower_prelu(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.PreluOp)
    qi, qa, qo = qtype(op.lhs), qtype(op.rhs), qtype(op.output)
    element = storage_name(qo)
    if element not in ("i8", "ui8", "i16") or storage_name(qi) != element:
        raise b.error(f"supported for int8, uint8 and int16 only, not {storage_name(qi)}")
    if element == "i16" and storage_name(qa) != "i8":  # TFLM's Prepare requires it
        raise b.error(f"int16 PRELU needs an int8 alpha, not {storage_name(qa)} "
                      f"(tensor '{op.rhs.name_hint}')")
    if qi.per_axis or qa.per_axis or qo.per_axis:
        raise b.error("per-axis quantization is not supported")
    (m1, s1), (m2, s2) = prelu_multipliers(qi.scale, qa.scale, qo.scale, element,
                                           b.single_rounding)
    d = b.add_const(b.widen(b.operands[0]), [-qi.zero_point])
    a = b.add_const(b.widen(b.operands[1]), [-qa.zero_point])
    out_shape = shape(op.output)
    product = b.value(tqi.MulOp, [d, a], b.tensor("i32", out_shape))
    positive = b.scale(d, [m1], [s1], b.single_rounding)
    negative = b.scale(product, [m2], [s2], b.single_rounding)
    chosen = b.value(tqi.SelectPositiveOp, [d, positive, negative], b.tensor("i32", out_shape))
    x = b.add_const(chosen, [qo.zero_point])
    lo, hi = clamp_bounds(op, op.output)  # the type's range, or a RELU folded by fuse-activation
    x = b.value(tqi.ClampOp, [x], x.type, min=int_attr(lo), max=int_attr(hi))
    return [b.cast(x, element)]
