"""int64 accumulation and requantization of the 16x8 kernels (int16 activations, int8 weights).

TFLM `reference_integer_ops::{ConvPerChannel, DepthwiseConvPerChannel, FullyConnected}` for
int16 data accumulate in int64 with an int64 bias, then call the int64 overload of
MultiplyByQuantizedMultiplier (`lite/kernels/internal/common.cc`), which rounds ONCE with a
16-bit multiplier:

    reduced = (m < 0x7FFF0000) ? (m + 2^15) >> 16 : 0x7FFF       (compile time)
    result  = int32((x * reduced + 2^(total_shift - 1)) >> total_shift),  total_shift = 15 - shift

`mul_shift_round64` takes the reduced multiplier and total_shift precomputed; the int64
accumulations are `conv_2d` / `depthwise_conv_2d` / `fully_connected` with `acc_bits=64`.
LiteRT BUILTIN_REF's int16 FULLY_CONNECTED instead rounds double(acc) * scale in double, as its
legacy uint8 kernel does (`round_double.py`).
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

