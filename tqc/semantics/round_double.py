"""int32(round(double(x) * scale)) with integers only (`tqi.mul_round_double`): the requantize of
LiteRT BUILTIN_REF's FULLY_CONNECTED kernels with float scales, the legacy uint8 one (int32
accumulator) and the int16 one (int64 accumulator). scale = mantissa · 2^exponent exactly
(mantissa odd, |mantissa| < 2^53, or 0); with a = |x| < 2^53 (double(x) is exact; the lowering
refuses an int64 accumulator that could reach 2^53):

    P = a · |mantissa|                  exact, < 2^106: two uint64 pieces hi:lo
    q = RNE(P / 2^k), k = max(bitlen(P) − 53, 0)          the double product (53 bits)
    R = q · 2^s, s = k + exponent; if s < 0: (q + 2^(−s−1)) >> −s     std::round, on |·|
    out = INT32_MIN if R ≥ 2^31 (the out-of-range cast), else sign(x · mantissa) · R

The same steps as `tqc_mul_round_double` (C) and `tqc_round_double_*` (Verilog). Every shift
count is kept in 0..63 (NumPy shifts by 64 or more are platform-defined); lanes that would need
another count are masked by np.where.
"""

import numpy as np

from .fixedpoint import INT32_MIN

_U = np.uint64


def bit_length_u64(v):
    """Number of significant bits of each uint64 (0 for 0)."""
    v = np.asarray(v, dtype=np.uint64)
    n = np.zeros(v.shape, dtype=np.int64)
    for s in (32, 16, 8, 4, 2, 1):
        big = (v >> _U(s)) != 0
        n = n + np.where(big, s, 0)
        v = np.where(big, v >> _U(s), v)
    return n + (v != 0)


def mul_round_double(x, mantissa, exponent):
    """int32(round(double(x) * mantissa * 2^exponent)), x86 semantics for the out-of-range
    cast (INT32_MIN); see the module docstring."""
    x = np.asarray(x, dtype=np.int64)
    m = np.asarray(mantissa, dtype=np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    neg = (x < 0) != (m < 0)
    a = np.abs(x).astype(np.uint64)
    mag = np.abs(m).astype(np.uint64)
    low32 = _U(0xFFFFFFFF)
    with np.errstate(over="ignore"):
        a0, a1, m0, m1 = a & low32, a >> _U(32), mag & low32, mag >> _U(32)  # a1, m1 < 2^21
        mid = a0 * m1 + a1 * m0  # < 2^54
        lo = a0 * m0 + (mid << _U(32))  # mod 2^64
        hi = a1 * m1 + (mid >> _U(32)) + (lo < (mid << _U(32))).astype(np.uint64)
        bits = np.where(hi != 0, 64 + bit_length_u64(hi), bit_length_u64(lo))
        k = np.maximum(bits - 53, 0)  # 0..53
        kc = np.maximum(k, 1).astype(np.uint64)
        q = np.where(k > 0, (lo >> kc) | (hi << (_U(64) - kc)), lo)
        rem = lo & ((_U(1) << kc) - _U(1))
        half = _U(1) << (kc - _U(1))
        up = (k > 0) & ((rem > half) | ((rem == half) & ((q & _U(1)) == 1)))
        q = q + up.astype(np.uint64)  # ≤ 2^53
        s = k + e
        left = np.clip(s, 0, 30).astype(np.uint64)
        over_left = (q != 0) & ((s >= 31) | (q >= (_U(1) << (_U(31) - left))))
        n = np.clip(-s, 1, 63).astype(np.uint64)
        right = np.where(-s >= 64, _U(0), (q + (_U(1) << (n - _U(1)))) >> n)
        r = np.where(s >= 0, q << left, right)
        over = np.where(s >= 0, over_left, right >= _U(1 << 31))
        r = np.where(over, _U(0), r).astype(np.int64)
        return np.where(over, INT32_MIN, np.where(neg, -r, r)).astype(np.int32)
