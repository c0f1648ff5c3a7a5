"""Conv filters packed at compile time for the inner loop of `tqc_pgemm_*` (tqc_runtime.h) on
the AVX-512 VNNI, SSE2 and NEON sdot paths; NAME_weights.c also keeps the rows [count][n] for
AVX2, plain NEON and the portable loop, and the C preprocessor keeps one (TQC_PACKED_FILTERS;
docs/c_backend.md).

XNNPACK's layout for 8-bit GEMMs with 4-byte dot products (vpdpbusd, sdot): output channels in
the vector lanes, so that a kernel broadcasts 4 activations of a pixel and updates 16 channels
at once, with no horizontal sums. For a filter w[count][n] (any trailing shape, flattened):

    packed[((b * k4 + g) * 16 + j) * 4 + t] = w[16 b + j][4 g + t] ^ 0x80,   k4 = ceil(n / 4)

and 0 past the last channel or depth value. The ^ 0x80 flips each weight to the other
signedness (int8 w + 128 as unsigned, uint8 w - 128 as signed), which is what vpdpbusd wants;
the zero padding then contributes nothing in any path.
"""

from __future__ import annotations

import numpy as np

LANES = 16  # output channels per block
GROUP = 4  # depth values per dot-product step


def packed_size(count: int, n: int) -> int:
    """Bytes of the packed filter of `count` channels of `n` values."""
    return -(-count // LANES) * -(-n // GROUP) * LANES * GROUP


def pack_conv_filter(weights: np.ndarray) -> np.ndarray:
    """The packed form (same 8-bit dtype, 1-D) of `weights` [count, ...]."""
    if weights.dtype not in (np.int8, np.uint8):
        raise ValueError(f"pack_conv_filter: 8-bit weights expected, got {weights.dtype}")
    count = weights.shape[0]
    w = weights.reshape(count, -1).view(np.uint8) ^ np.uint8(0x80)
    n = w.shape[1]
    blocks, k4 = -(-count // LANES), -(-n // GROUP)
    padded = np.zeros((blocks * LANES, k4 * GROUP), np.uint8)
    padded[:count, :n] = w
    packed = padded.reshape(blocks, LANES, k4, GROUP).transpose(0, 2, 1, 3)
    out = np.ascontiguousarray(packed).reshape(-1).view(weights.dtype)
    assert out.size == packed_size(count, n)
    return out
