"""SUM (quantized) → int32 sum + fixed-point rescale, as MEAN without the 1/N.

Reference: TFLM `EvalSumHelper` (micro/kernels/reduce_common.cc, tflite-micro 2026) runs
`reference_ops::QuantizedMeanOrSum(..., compute_sum=true)` for every int8 and int16 SUM; LiteRT
BUILTIN_REF `EvalSum` does the same for int8/uint8 whose input and output quantization differ:
    (m, s) = QuantizeMultiplier(double(S_in) / double(S_out));  N = number of reduced elements
    sum = Σ x                         (int32 accumulator, wraps)
    acc = int32(sum − zp_in · N)      (int64 difference, truncated to int32)
    out = clamp(MultiplyByQuantizedMultiplier(acc, m, s) + zp_out, type range)   (double rounding)
LiteRT's current source sums in the storage type, wrapping, when the quantizations are equal;
the ai-edge-litert 2.3.0 wheel rescales then too (measured: an all-255 uint8 input gives 255, not
the wrapped sum), and so does tqc.
No fused activation. `--rounding single` uses single rounding for the last step.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq
from tqc.passes.lowering import Builder, lowers
from tqc.passes.lowering.mean import rescaled, summed


@lowers(tq.SumOp)
def lower_sum(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, tq.SumOp)
    qi, qo, element, count, total = summed(b, op, "sum")
    multiplier, shift = b.multiplier(qi.scale / qo.scale, "S_in/S_out")
    b.note(f"S_in={qi.scale:.6g} S_out={qo.scale:.6g} N={count}: S_in/S_out ~ "
           f"{multiplier}*2^({shift}-31); zero points: in {qi.zero_point}, out {qo.zero_point}")
    return [rescaled(b, total, qi, qo, element, count, multiplier, shift)]
