"""BATCH_MATMUL (int8, int16) → fully connected layers on matrix slices.

Reference: TFLM `BatchMatMulEval` (micro/kernels/batch_matmul.cc) and
`reference_ops::BatchMatMul<int8_t, int32_t>` / `<int16_t, int64_t>` (reference/batch_matmul.h);
TFLM's Prepare:
    M = QuantizeMultiplier(double(float32(S_lhs · S_rhs)) / double(S_out))   (float32 product,
        GetQuantizedConvolutionMultipler); int16 requires all three zero points 0
    acc[i, j] = Σ_k (lhs[i, k] − zp_lhs) · (rhs[k, j] − zp_rhs)     int32 (int8, wraps) or int64
    out = clamp(MultiplyByQuantizedMultiplier(acc, M) + zp_out, type range)
          int8: the int32 overload (double rounding); int16: the int64 overload (16-bit
          multiplier, one rounding, `tqi.mul_shift_round64`); no fused activation.
The batch dimensions (all but the last two, right-aligned, ranks up to 5) broadcast: a
dimension of 1 repeats. adj_x / adj_y transpose the last two axes of lhs / rhs first. TFLM has
no uint8 kernel (LiteRT REF neither): refused.

Lowering: rhs to [..., N, K] (the FC weight layout). When rhs has no batch (all its batch
dimensions 1), one `tqi.fully_connected` of the flattened lhs [B·M, K]; otherwise one per output
batch element on the [M, K] and [N, K] slices, stacked (reshapes and a concatenation). Then the
requantize.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_attr, int_value, shape
from tqc.dialects.element import element, kind, storage_name
from tqc.passes.lowering import Builder, lowers, qtype
from tqc.passes.lowering.conv import requantize_16x8
from tqc.passes.lowering.layout import stack
from tqc.semantics.quant_math import conv_multipliers


def _swap_last(b: Builder, x: SSAValue) -> SSAValue:
    """x with its last two axes swapped."""
    dims = shape(x)
    perm = [*range(len(dims) - 2), len(dims) - 1, len(dims) - 2]
    return b.value(tqi.TransposeOp, [x], b.tensor(element(x), [dims[a] for a in perm]),
                   perm=int_array(perm))


def _matrix(b: Builder, x: SSAValue, batch: tuple[int, ...], index: tuple[int, ...]) -> SSAValue:
    """The [rows, cols] matrix of x ([*batch, rows, cols]) at batch `index` (broadcast: a
    dimension of 1 is read at 0)."""
    dims = (*batch, *shape(x)[-2:])
    if shape(x) != dims:  # the batch right-aligned to the output's rank
        x = b.value(tqi.ReshapeOp, [x], b.tensor(element(x), dims))
    at = [i if d > 1 else 0 for i, d in zip(index, batch)]
    if math.prod(batch) > 1:
        x = b.value(tqi.SliceOp, [x], b.tensor(element(x), [*(1 for _ in batch), *dims[-2:]]),
                    begin=int_array([*at, 0, 0]), end=int_array([*(a + 1 for a in at), *dims[-2:]]),
                    strides=int_array([1] * len(dims)))
    return b.value(tqi.ReshapeOp, [x], b.tensor(element(x), dims[-2:]))


@lowers(tq.BatchMatMulOp)
def lower_batch_matmul(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.BatchMatMulOp)
    qa, qb, qo = qtype(op.lhs), qtype(op.rhs), qtype(op.output)
    out_element = storage_name(qo)
    if not storage_name(qa) == storage_name(qb) == out_element or out_element not in ("i8", "i16"):
        raise b.error(f"{storage_name(qa)} x {storage_name(qb)} → {out_element} is not supported "
                      "(TFLM runs int8 and int16)")
    if out_element == "i16" and (qa.zero_point, qb.zero_point, qo.zero_point) != (0, 0, 0):
        raise b.error("int16 needs zero points 0 (TFLM refuses others), not "
                      f"{qa.zero_point}, {qb.zero_point} -> {qo.zero_point}")
    lhs, rhs = b.operands[0], b.operands[1]
    if int_value(op.adj_x):
        lhs = _swap_last(b, lhs)
    if not int_value(op.adj_y):
        rhs = _swap_last(b, rhs)
    out_shape = shape(op.output)
    rank = len(out_shape)
    a_dims, w_dims = shape(lhs), shape(rhs)
    a_batch = (1,) * (rank - len(a_dims)) + a_dims[:-2]
    w_batch = (1,) * (rank - len(w_dims)) + w_dims[:-2]
    (m, depth), n = a_dims[-2:], w_dims[-2]
    if w_dims[-1] != depth or out_shape[-2:] != (m, n):
        raise b.error(f"cannot multiply {list(a_dims)} by {list(w_dims)} (as [..., N, K]) into "
                      f"{list(out_shape)}")
    (mult,), (shift,) = conv_multipliers(qa.scale, np.array([qb.scale]), qo.scale,
                                         float32_product=True, single_rounding=b.single_rounding)
    b.note_scales(qa.scale, [qb.scale], qo.scale, [mult], [shift])
    acc_element = "i64" if out_element == "i16" else "i32"
    offsets = {"input_offset": int_attr(-qa.zero_point), "filter_offset": int_attr(-qb.zero_point)}
    if math.prod(w_batch) == 1:
        rows = math.prod(a_dims[:-1])
        x = b.value(tqi.ReshapeOp, [lhs], b.tensor(out_element, [rows, depth]))
        w = b.value(tqi.ReshapeOp, [rhs], b.tensor(out_element, [n, depth]))
        acc = b.value(tqi.FullyConnectedOp, [x, w, []], b.tensor(acc_element, [rows, n]), **offsets)
    else:
        batch = out_shape[:-2]
        parts = []
        for index in itertools.product(*(range(d) for d in batch)):
            x, w = _matrix(b, lhs, a_batch, index), _matrix(b, rhs, w_batch, index)
            parts.append(b.value(tqi.FullyConnectedOp, [x, w, []], b.tensor(acc_element, [m, n]),
                                 **offsets))
        acc = stack(b, parts, 0, b.tensor(acc_element, [len(parts), m, n]))
    acc = b.value(tqi.ReshapeOp, [acc], b.tensor(acc_element, out_shape))
    if out_element == "i16":
        return [requantize_16x8(b, acc, [mult], [shift], 0, kind(out_element).range)]
    return [b.requantize(acc, [mult], [shift], qo.zero_point, kind(out_element).range,
                         out_element)]
