"""Data movement: RESHAPE, TRANSPOSE, STRIDED_SLICE, PAD, CONCATENATION, PACK, SPLIT.

PACK lowers to RESHAPEs (a size-1 axis) and one `tqi.concat`; SPLIT to one `tqi.slice` per
result: every lowered op has one result, and the backends need no ops of their own for them.

These move stored integers without arithmetic; the reference kernels never rescale them, except
uint8 CONCATENATION:

CONCATENATION whose input quantization differs from the output's:
- uint8 (LiteRT REF `reference_ops::ConcatenationWithScaling`; TFLM has no uint8 concat): an
  input with (S_in, zp_in) == (S_out, zp_out) (float32 scales) is copied; any other goes through
      inv = 1.f / S_out; scale = S_in * inv; bias = float(−zp_in) * scale
      y = clamp((int32)roundf(float(x) * scale + bias) + zp_out, 0, 255)
  every step a float32 operation (roundf: ties away from zero), no fused multiply-add (measured
  against ai-edge-litert 2.3.0 x86-64 on 12 parameter sets where an FMA would differ). As x has 256
  values this is a 256-entry `tqi.table` computed here, so the generated code has no float.
- int8: TFLM and LiteRT refuse the model (scales and zero points must equal the output's); so do we.
- int16: both kernels only require zero points 0 and copy the stored values whatever the scales;
  so do we.
A fused activation other than NONE is refused by both kernels; we clamp to its range.
"""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.ir import Attribute, Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import dense_attr, int_array, int_attr, int_value, shape
from tqc.dialects.element import storage_name
from tqc.dialects.quant_type import QuantType
from tqc.passes.lowering import Builder, lowers, plain, qtype
from tqc.passes.lowering.activation import clamp_result


def _same_quant(a: QuantType, c: QuantType) -> bool:
    return (a.scale, a.zero_point, storage_name(a)) == (c.scale, c.zero_point, storage_name(c))


@lowers(tq.ReshapeOp, tq.TransposeOp, tq.SliceOp, tq.PadOp)
def lower_movement(b: Builder, op: Operation) -> list[SSAValue]:
    cls = {tq.ReshapeOp: tqi.ReshapeOp, tq.TransposeOp: tqi.TransposeOp,
           tq.SliceOp: tqi.SliceOp, tq.PadOp: tqi.PadOp}[type(op)]
    props = {k: v for k, v in op.properties.items() if k != "tfl_index"}
    return [b.value(cls, [b.operands[0]], plain(op.results[0].type), **props)]


@lowers(tq.ConcatenationOp)
def lower_concat(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.ConcatenationOp)
    out_q = qtype(op.output)
    inputs = [_concat_input(b, x, qtype(v), out_q) for x, v in zip(b.operands, op.inputs)]
    out = b.value(tqi.ConcatOp, [inputs], plain(op.output.type), axis=op.axis)
    return [clamp_result(b, out, op)]


def _concat_input(b: Builder, x: SSAValue, q: QuantType, out_q: QuantType) -> SSAValue:
    """One CONCATENATION input, rescaled to the output quantization as the reference does."""
    element = storage_name(out_q)
    if storage_name(q) != element:
        raise b.error("CONCATENATION inputs must have the output's storage type")
    if _same_quant(q, out_q) or element == "i16":
        return x
    if element != "ui8":
        raise b.error(f"{element} CONCATENATION needs every input quantized as the output "
                      "(the reference kernels require it)")
    table = concat_rescale_table(q.scale, q.zero_point, out_q.scale, out_q.zero_point)
    return b.value(tqi.TableOp, [x], x.type, table=dense_attr(table, "ui8"))


def concat_rescale_table(s_in: float, zp_in: int, s_out: float, zp_out: int) -> np.ndarray:
    """ConcatenationWithScaling for every uint8 input value, in float32 arithmetic."""
    f = np.float32
    scale = f(f(s_in) * (f(1) / f(s_out)))
    bias = f(f(-zp_in) * scale)
    v = (np.arange(256, dtype=np.float32) * scale + bias).astype(np.float64)  # float32 ops
    rounded = np.sign(v) * np.floor(np.abs(v) + 0.5)  # roundf, exact in float64
    return np.clip(rounded.astype(np.int64) + zp_out, 0, 255).astype(np.uint8)


@lowers(tq.PackOp)
def lower_pack(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.PackOp)
    return [stack(b, list(b.operands), int_value(op.axis), plain(op.output.type))]


def stack(b: Builder, values: list[SSAValue], axis: int, out: Attribute) -> SSAValue:
    """PACK as data movement the backends already have: each value reshaped to a size-1 axis
    at `axis`, then one `tqi.concat` along it."""
    assert isinstance(out, TensorType)
    element = storage_name(out.element_type)
    parts = []
    for v in values:
        dims = list(shape(v))
        parts.append(b.value(tqi.ReshapeOp, [v], b.tensor(element, [*dims[:axis], 1, *dims[axis:]])))
    return b.value(tqi.ConcatOp, [parts], out, axis=int_attr(axis))


@lowers(tq.SplitOp)
def lower_split(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.SplitOp)
    parts = split_slices(b, b.operands[0], int_value(op.axis), [plain(r.type) for r in op.outputs])
    where = f" #{int_value(op.tfl_index)}" if op.tfl_index is not None else ""
    for part, result in list(zip(parts, op.outputs))[1:]:  # each part a layer of its own (C)
        assert isinstance(part.owner, Operation)
        part.owner.attributes["tqc.layer"] = StringAttr(f"SPLIT{where} -> {result.name_hint}")
    return parts


def split_slices(b: Builder, x: SSAValue, axis: int, types: list[Attribute]) -> list[SSAValue]:
    """SPLIT as one `tqi.slice` per result (the parts follow one another along `axis`), so
    every result is a value of its own (a Verilog stage carries one result)."""
    dims = shape(x)
    axis %= len(dims)
    results, start = [], 0
    for t in types:
        assert isinstance(t, TensorType)
        stop = start + t.get_shape()[axis]
        begin = [start if d == axis else 0 for d in range(len(dims))]
        end = [stop if d == axis else n for d, n in enumerate(dims)]
        results.append(b.value(tqi.SliceOp, [x], t, begin=int_array(begin), end=int_array(end),
                               strides=int_array([1] * len(dims))))
        start = stop
    return results
