"""int64 accumulation and requantization of the 16x8 kernels (int16 activations, int8 weights).

TFLM `reference_integer_ops::{ConvPerChannel, DepthwiseConvPerChannel, FullyConnected}` for
int16 data accumulate in int64 with an int64 bias, then call the int64 overload of
MultiplyByQuantizedMultiplier (`lite/kernels/internal/common.cc`), which rounds ONCE with a
16-bit multiplier:

    reduced = (m < 0x7FFF0000) ? (m + 2^15) >> 16 : 0x7FFF       (compile time)
    result  = int32((x * reduced + 2^(total_shift - 1)) >> total_shift),  total_shift = 15 - shift

`mul_shift_round64` takes the reduced multiplier and total_shift precomputed; the int64
accumulations are `conv_2d` / `depthwise_conv_2d` / `fully_connected` with `acc_bits=64`.
LiteRT BUILTIN_REF's int16 FULLY_CONNECTED instead rounds once with the full multiplier and an
exact product: `mul_shift_round_wide`.
"""

import numpy as np


def mul_shift_round64(x, multiplier, amount):
    """int32((x * multiplier + 2^(amount - 1)) >> amount) on int64 x: one rounding, half
    towards +infinity (arithmetic shift); the product wraps in int64 and the result wraps to
    int32, as the C code does."""
    x = np.asarray(x, dtype=np.int64)
    amount = np.asarray(amount, dtype=np.int64)
    with np.errstate(over="ignore"):
        total = x * np.asarray(multiplier, dtype=np.int64) + (np.int64(1) << (amount - 1))
    return (total >> amount).astype(np.int32)


def mul_shift_round_wide(x, multiplier, amount):
    """int32(floor((x * m + 2^(n-1)) / 2^n)) on int64 x with the product exact (LiteRT
    BUILTIN_REF's int16 FULLY_CONNECTED: the full multiplier 0 <= m < 2^31, n = 31 - shift),
    the result wrapped to int32. With x = h·2^32 + l (0 <= l < 2^32), x·m + 2^(n-1) =
    H·2^32 + L where H = h·m (|H| < 2^62) and L = l·m + 2^(n-1) < 2^64 (uint64); then
    for n >= 32: floor((H + floor(L / 2^32)) / 2^(n-32))     (H is an integer),
    for n < 32:  H·2^(32-n) + floor(L / 2^n), of which the int32 wrap keeps the low 32 bits
                 (so int64 wrap-around on the way changes nothing)."""
    x = np.asarray(x, dtype=np.int64)
    m = np.asarray(multiplier, dtype=np.int64)
    n = np.asarray(amount, dtype=np.int64)
    low = (x & 0xFFFFFFFF).astype(np.uint64)
    big = low * m.astype(np.uint64) + (np.uint64(1) << (n - 1).astype(np.uint64))
    high = (x >> 32) * m
    with np.errstate(over="ignore"):
        wide = (high + (big >> np.uint64(32)).astype(np.int64)) >> np.maximum(n - 32, 0)
        narrow = (high << np.maximum(32 - n, 0)) + (big >> np.minimum(n, 63).astype(np.uint64)).astype(np.int64)
    return np.where(n >= 32, wide, narrow).astype(np.int32)
