"""CUMSUM int8 → a fully connected layer with a triangular 0/1 matrix, then a requantize.

TFLM `CumSum` (micro/kernels/cumsum.cc, reference_ops::CumSum int8; LiteRT REF has no int8
kernel), along `axis`, `reverse` from the end, `exclusive` without the element itself:
    left_shift = 20;  S2 = 2 · double(S_in)
    (m_in, s_in)   = QuantizeMultiplierSmallerThanOneExp(S_in / S2)          = (2^30, 0): ·1/2
    (m_out, s_out) = QuantizeMultiplierSmallerThanOneExp(S2 / (2^20 · S_out))  (must be < 1)
    scaled(v) = MultiplyByQuantizedMultiplierSmallerThanOneExp(v · 2^20, m_in, s_in) = v · 2^19
                (exact: |v| ≤ 255, v · 2^20 is even)
    acc = scaled(−zp_in)            (the accumulator STARTS at the input offset, not at 0)
    per element: acc += scaled(x − zp_in)            (int32, wraps: the sum of 2^19-multiples
                                                      leaves int32 after ~16 elements)
    out = clamp(RDBPOT(SRDHM(acc, m_out), −s_out) + zp_out, −128, 127)   (exclusive: acc before
                                                                           the element is added)
Since multiplying by 2^19 commutes with int32 wrap-around,
    acc_k = ((Σ_{i ∈ W_k} (x_i − zp_in)) − zp_in) · 2^19 mod 2^32
with W_k the positions summed into output k. tqc moves `axis` last (`tqi.transpose`), computes
the exact sums as `tqi.fully_connected` with a D × D 0/1 filter (row k marks W_k: i ≤ k, i < k,
i ≥ k or i > k), input offset −zp_in and bias −zp_in, then `tqi.shift_left` 19 (wrapping) and
the requantize, and moves the axis back.
"""

from __future__ import annotations

from math import prod

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, int_value, shape
from tqc.dialects.element import storage_name
from tqc.passes.lowering import Builder, lowers, qtype

LEFT_SHIFT = 20  # kCumSumIntegerShift


def window(depth: int, exclusive: bool, reverse: bool) -> np.ndarray:
    """The D × D 0/1 matrix: row k marks the input positions summed into output k."""
    k, i = np.indices((depth, depth))
    if reverse:
        k, i = i, k
    return (i < k if exclusive else i <= k).astype(np.int8)


@lowers(tq.CumsumOp)
def lower_cumsum(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.CumsumOp)
    q_in, q_out = qtype(op.input), qtype(op.output)
    if (storage_name(q_in), storage_name(q_out)) != ("i8", "i8"):
        raise b.error(f"{storage_name(q_in)} → {storage_name(q_out)} is not supported (TFLM runs "
                      "int8 only)")
    twice = 2 * float(q_in.scale)
    real = twice / ((1 << LEFT_SHIFT) * float(q_out.scale))
    if not 0 < real < 1:
        raise b.error(f"output multiplier {real!r} is not below 1 (TFLM's "
                      "QuantizeMultiplierSmallerThanOneExp check)")
    m, s = b.multiplier(real, "output")
    dims = shape(op.input)
    axis = int_value(op.axis)
    depth = dims[axis]
    perm = [a for a in range(len(dims)) if a != axis] + [axis]
    moved = [dims[a] for a in perm]
    x = b.operands[0]
    if axis != len(dims) - 1:
        x = b.value(tqi.TransposeOp, [x], b.tensor("i8", moved), perm=int_array(perm))
    rows = prod(moved[:-1])
    if len(moved) != 2:
        x = b.value(tqi.ReshapeOp, [x], b.tensor("i8", (rows, depth)))
    w = b.const(window(depth, bool(int_value(op.exclusive)), bool(int_value(op.reverse))), "i8")
    bias = b.const(np.full(depth, -q_in.zero_point), "i32")
    acc = b.value(tqi.FullyConnectedOp, [x, w, [bias]], b.tensor("i32", (rows, depth)),
                  input_offset=int_attr(-q_in.zero_point), filter_offset=int_attr(0))
    acc = b.value(tqi.ShiftLeftOp, [acc], acc.type, amount=int_array([LEFT_SHIFT - 1]))
    y = b.requantize(acc, [m], [s], q_out.zero_point, (-128, 127), "i8", single_rounding=False)
    if len(moved) != 2:
        y = b.value(tqi.ReshapeOp, [y], b.tensor("i8", moved))
    if axis != len(dims) - 1:
        inverse = [perm.index(a) for a in range(len(dims))]
        y = b.value(tqi.TransposeOp, [y], b.tensor("i8", dims), perm=int_array(inverse))
    return [y]
