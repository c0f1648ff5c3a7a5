"""Quantized DIV (TFLM `reference_ops::DivElementwise`, int8), vectorised, and the 2-D table of
every (x1, x2) pair that tqc lowers it to.

Per element, in int32 with the zero points as offsets (`v_i = x_i − zp_i`):
    if v2 < 0: v1, v2 = −v1, −v2
    (inv, recip_shift) = GetReciprocal(v2, 31)      1/v2 as Q0.31 and num_bits_over_unit
    headroom = CountLeadingSignBits(v1)              (31 for v1 = 0)
    q = SaturatingRoundingDoublingHighMul(v1 · 2^headroom, inv)
    total_shift = output_shift − recip_shift − headroom
    out = clamp(RoundingDivideByPOT(SRDHM(q, output_multiplier), −total_shift) + zp_out)
`total_shift` is often below −31 (small quotients: v1 = 1, v2 = 256 gives −38 with
output_shift 0), and v2 = 0 (x2 at its zero point) is not excluded either: gemmlowp's
RoundingDivideByPOT then computes `mask = int32((1ll << e) − 1)` (all ones for e ≥ 32) and
`x >> e` on int32, which x86 evaluates as `x >> (e & 31)`. The reference's outputs for those
inputs are that arithmetic (e.g. 0 / x gives zp_out + 1, 1 / −135 gives −128): reproduced
here, measured bit-exact on all 65536 pairs for several quantizations.
"""

import numpy as np

from .fixedpoint import mul_high
from .softmax import count_leading_zeros_u32, get_reciprocal


def count_leading_sign_bits(x):
    """CountLeadingSignBits of int32 values (31 for 0 and −1, 0 for INT32_MIN)."""
    x = np.asarray(x, dtype=np.int64)
    negative = count_leading_zeros_u32((2 * (-x) - 1) & 0xFFFFFFFF)
    return np.where(x >= 0, count_leading_zeros_u32(x) - 1, np.where(x == -(2**31), 0, negative))


def rounding_divide_by_pot_x86(x, exponent):
    """gemmlowp RoundingDivideByPOT(x, exponent) as x86 evaluates it for any exponent:
    mask = int32((1ll << (e & 63)) − 1), threshold = (mask >> 1) + (x < 0),
    (x >> (e & 31)) + (x & mask > threshold). Equals the rounding shift for 0 ≤ e ≤ 31."""
    x = np.asarray(x, dtype=np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    mask = (((np.int64(1) << (e & 63)) - 1 + 2**31) % 2**32) - 2**31
    threshold = (mask >> 1) + (x < 0)
    return (x >> (e & 31)) + ((x & mask) > threshold)


def divide(v1, v2, output_multiplier: int, output_shift: int):
    """The quotient before the output zero point: int64 array of int32 values (see the module
    docstring); v1, v2 are the inputs minus their zero points."""
    v1 = np.asarray(v1, dtype=np.int64)
    v2 = np.asarray(v2, dtype=np.int64)
    v1 = np.where(v2 < 0, -v1, v1)
    v2 = np.abs(v2)
    inverse, recip_shift = get_reciprocal(v2, 31)
    headroom = count_leading_sign_bits(v1)
    unscaled = mul_high(v1 << headroom, inverse)
    total_shift = output_shift - recip_shift - headroom
    scaled = mul_high(unscaled, output_multiplier)
    return rounding_divide_by_pot_x86(scaled, -total_shift).astype(np.int64)


def divide_table(lo: int, hi: int, zp1: int, zp2: int, zp_out: int, output_multiplier: int,
                 output_shift: int, clamp: tuple[int, int]) -> np.ndarray:
    """The output for every pair of stored inputs of a type with range [lo, hi]: entry
    (x1 − lo) · n + (x2 − lo), n = hi − lo + 1, clamped to `clamp` (the fused activation)."""
    values = np.arange(lo, hi + 1, dtype=np.int64)
    v1 = np.repeat(values, len(values)) - zp1
    v2 = np.tile(values, len(values)) - zp2
    out = divide(v1, v2, output_multiplier, output_shift) + zp_out
    return np.clip(out, clamp[0], clamp[1])
