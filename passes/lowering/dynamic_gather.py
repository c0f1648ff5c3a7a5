"""GATHER, EMBEDDING_LOOKUP and GATHER_ND with run-time indices → reshapes around one `tqi.gather`.

The reference kernels copy stored values (no requantization, whatever the output's
quantization says):

- GATHER (TFLM micro/kernels/gather.cc: int8 params, int32 indices; LiteRT REF
  kernels/gather.cc + reference_ops::Gather: also uint8 and int16, indices int16/int32/int64):
  with the input viewed as [outer, axis_size, inner],
      output[o, i, :] = input[o, indices[i], :]
  and an error (invoke fails) when an index is outside [0, axis_size) — measured on both
  runtimes: negative and too large indices fail, TFLM included (its wheel checks in release).
  EMBEDDING_LOOKUP is axis 0 with 1-D ids and the same check (TFLM and LiteRT REF).
- GATHER_ND (TFLM micro/kernels/gather_nd.cc: int8 params, int32 indices): for an index tuple
  t of length d into params of shape D, from_pos = Σ_j t_j · (D[j+1]·…·D[-1]) in elements and
  the slice params_flat[from_pos : from_pos + slice] with slice = D[d]·…·D[-1]; TFLM returns an
  error only when from_pos < 0 or from_pos + slice > the params' size. It checks the flat
  position alone: measured, indices (0, 5) into [4, 3] give element 5 and (1, −1) element 2.
  LiteRT REF (reference_ops::GatherNd, uint8/int16/int8 params, int16/int32/int64 indices)
  fails on any negative index and on any component t_j ≥ D[j] (measured: (0, 5) fails there).

tqc reproduces the reference that runs the model: `check = "flat"` for int8 params with int32
indices and `--reference tflm` (the default), `"each"` otherwise (uint8 and int16 params, which
TFLM refuses; int64 indices; `--reference litert-ref`). tqc takes int32 and int64 indices (an
int16 tensor without quantization is refused model-wide). An index the reference rejects
is an error at run time: the generated NumPy module raises ValueError, C's NAME_invoke returns 1
(as for a SOFTMAX the reference aborts on). tqc computes the position exactly; TFLM computes
from_pos in int32, which overflows (undefined behaviour in C) only for |t_j · stride| ≥ 2^31,
where tqc reports the error instead.

Lowering: the data reshaped to [A, R, S] (GATHER: outer, axis size, inner; GATHER_ND: 1,
D[0]·…·D[d-1], slice), the indices to [K, d], `tqi.gather` → [A, K, S], reshaped to the output.
"""

from __future__ import annotations

from math import prod

from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_value, shape
from tqc.dialects.element import element, storage_name
from tqc.passes.lowering import Builder, lowers, qtype


def _view(b: Builder, x: SSAValue, dims: tuple[int, ...]) -> SSAValue:
    if tuple(shape(x)) == dims:
        return x
    return b.value(tqi.ReshapeOp, [x], b.tensor(element(x), dims))


@lowers(tq.DynamicGatherOp, tq.DynamicGatherNdOp)
def lower_dynamic_gather(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, (tq.DynamicGatherOp, tq.DynamicGatherNdOp))
    if storage_name(qtype(op.output)) != storage_name(qtype(op.input)):
        raise b.error(f"copies {storage_name(qtype(op.input))} into "
                      f"{storage_name(qtype(op.output))}")
    data, indices = b.operands
    x, idx = shape(op.input), shape(op.indices)
    if isinstance(op, tq.DynamicGatherOp):
        axis = int_value(op.axis)
        dims = (x[axis],)
        view = (prod(x[:axis]), x[axis], prod(x[axis + 1:]))
        check = "each"
    else:
        depth = idx[-1]
        dims = tuple(x[:depth])
        view = (1, prod(dims), prod(x[depth:]))
        tflm = b.reference == "tflm" and storage_name(qtype(op.input)) == "i8" \
            and element(indices) == "i32"
        check = "flat" if tflm else "each"
    tuples = (prod(idx) // len(dims), len(dims))
    if min(x, default=1) < 1 or len(dims) * prod(dims) >= 2**31:
        raise b.error(f"cannot index {list(x)} at run time (an empty or too large axis)")
    out = b.value(tqi.GatherOp, [_view(b, data, view), _view(b, indices, tuples)],
                  b.tensor(element(data), (view[0], tuples[0], view[2])),
                  dims=int_array(dims), check=StringAttr(check))
    return [_view(b, out, tuple(shape(op.output)))]
