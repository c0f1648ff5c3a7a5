"""Test vectors for the Verilog float32 modules (templates/tqc_f32_*.v, tqc_u8_to_f32.v,
tqc_f32_to_u8.v), expected values from NumPy float32 (IEEE binary32, round to nearest even).

Every vector is inside the modules' domain: operands +-0 or normal, exact results 0 or at
least 2^-126 in magnitude and finite (the resize engine never leaves it, see
backends/verilog/emit_resize_f32.py). The families aim at the rounding corner cases: ties
(sparse mantissas), carries out of the mantissa, cancellation, large exponent differences,
signed zeros, and the values the resize engine actually computes."""

from __future__ import annotations

import numpy as np

MUL, ADD, U8, TRUNC = 0, 1, 2, 3
TINY = 2.0 ** -126


def bits(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, np.float32).view(np.uint32).astype(np.int64)


def floats(rng: np.random.Generator, n: int, lo: int, hi: int, sparse: bool = False) -> np.ndarray:
    """Random float32 with biased exponents in [lo, hi], random signs; `sparse`: at most three
    mantissa bits set (products and sums of such values often land exactly on ties)."""
    e = rng.integers(lo, hi + 1, n)
    if sparse:
        m = np.zeros(n, np.int64)
        for _ in range(3):
            m |= np.where(rng.random(n) < 0.7, 1 << rng.integers(0, 23, n), 0)
        m |= np.where(rng.random(n) < 0.3, (1 << 23) - 1 - (1 << rng.integers(0, 23, n)), 0)
        m &= (1 << 23) - 1
    else:
        m = rng.integers(0, 1 << 23, n)
    s = rng.integers(0, 2, n)
    return ((s << 31) | (e << 23) | m).astype(np.uint32).view(np.float32)


def resize_values(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(byte, weight) and (term, weight) pairs as the resize engine multiplies them: weights
    d = pos - floor(pos) and 1 - d of float32 positions, d negative at half-pixel edges."""
    pos = (rng.integers(0, 600, n).astype(np.float32) + np.float32(0.5)) \
        * (np.float32(rng.integers(1, 600, n)) / np.float32(rng.integers(1, 600, n))) \
        - np.float32(0.5)
    d = (pos - np.maximum(np.floor(pos), 0).astype(np.float32)).astype(np.float32)
    w = np.where(rng.random(n) < 0.5, d, np.float32(1) - d).astype(np.float32)
    x = rng.integers(0, 256, n).astype(np.float32)
    return x, w


def in_domain(a: np.ndarray, b: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """Operands +-0 or normal, exact result 0 or normal (float64 `exact` is close enough to
    decide this: it errs only for results far from 2^-126) and the float32 result finite."""
    ok_a = (a == 0) | (np.abs(a.astype(np.float64)) >= TINY)
    ok_b = (b == 0) | (np.abs(b.astype(np.float64)) >= TINY)
    ok_r = (exact == 0) | (np.abs(exact) >= 2 * TINY)
    with np.errstate(over="ignore"):
        finite = np.isfinite(exact.astype(np.float32)) & (np.abs(exact) < 2.0 ** 127)
    return ok_a & ok_b & ok_r & finite


def mul_cases(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    k = n // 5
    a = [floats(rng, k, 60, 190), floats(rng, k, 60, 190, sparse=True)]
    b = [floats(rng, k, 60, 190), floats(rng, k, 60, 190, sparse=True)]
    x, w = resize_values(rng, k)
    t, w2 = resize_values(rng, k)
    a += [x, (t * w2).astype(np.float32)]
    b += [w, w]
    near = floats(rng, k, 120, 134)  # mantissas near all ones: carry out of the rounding
    near = (near.view(np.uint32) | np.uint32((1 << 23) - 1 - 15)).view(np.float32)
    a.append(near)
    b.append(floats(rng, k, 120, 134, sparse=True))
    zeros = np.array([0.0, -0.0, 0.0, -0.0, 1.5, -3.0], np.float32)
    a.append(zeros)
    b.append(np.array([0.0, 0.0, -0.0, -0.0, -0.0, 0.0], np.float32))
    a_all, b_all = np.concatenate(a), np.concatenate(b)
    keep = in_domain(a_all, b_all, a_all.astype(np.float64) * b_all.astype(np.float64))
    return a_all[keep], b_all[keep]


def add_cases(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    k = n // 5
    a = floats(rng, k, 60, 190)
    b = (a.view(np.uint32).astype(np.int64) - (rng.integers(0, 40, k) << 23)).astype(np.uint32)
    b = (b ^ (rng.integers(0, 2, k).astype(np.uint32) << 31)).view(np.float32)
    b = np.where(rng.random(k) < 0.5, b, floats(rng, k, 60, 190)).astype(np.float32)
    sa = floats(rng, k, 100, 140, sparse=True)
    sb = floats(rng, k, 100, 140, sparse=True)
    # cancellation: the same or a neighbouring exponent, opposite signs
    ca = floats(rng, k, 100, 140)
    step = rng.integers(-3, 4, k)
    cb = (-(ca.astype(np.float64)) * (1 + step * 2.0 ** -23)).astype(np.float32)
    cb = np.where(rng.random(k) < 0.3, -ca * np.float32(0.5), cb).astype(np.float32)
    # the resize engine's sums: terms of both signs, then + 0.5
    x, w = resize_values(rng, 2 * k)
    terms = (x * w).astype(np.float32)
    ra, rb = terms[:k], terms[k:]
    half = np.full(k, 0.5, np.float32)
    zeros = np.array([0.0, -0.0, 0.0, -0.0, 2.5, -2.5, 0.0], np.float32)
    zb = np.array([0.0, 0.0, -0.0, -0.0, -2.5, 0.0, -1.0], np.float32)
    a_all = np.concatenate([a, sa, ca, ra, (ra + rb).astype(np.float32), zeros])
    b_all = np.concatenate([b, sb, cb, rb, half, zb])
    keep = in_domain(a_all, b_all, a_all.astype(np.float64) + b_all.astype(np.float64))
    return a_all[keep], b_all[keep]


def trunc_cases(rng: np.random.Generator, n: int) -> np.ndarray:
    """Values in (-1, 256): every multiple of 1/8, random ones, and both neighbours of each
    integer."""
    eighths = np.arange(-7, 256 * 8).astype(np.float32) / np.float32(8)
    whole = np.arange(1, 256).astype(np.float32)
    below = np.nextafter(whole, np.float32(0))
    above = np.nextafter(whole, np.float32(300))[:-1]
    rand = rng.uniform(-0.99, 255.99, n).astype(np.float32)
    v = np.concatenate([eighths, below, above, rand, np.array([-0.0, 0.0], np.float32)])
    return v[(v > -1) & (v < 256)]


def vectors(seed: int, n: int) -> list[tuple[int, int, int, int]]:
    """(op, a, b, want) as bit patterns."""
    rng = np.random.default_rng(seed)
    out: list[tuple[int, int, int, int]] = []
    a, b = mul_cases(rng, n)
    out += [(MUL, int(p), int(q), int(r)) for p, q, r in zip(bits(a), bits(b), bits(a * b))]
    a, b = add_cases(rng, n)
    out += [(ADD, int(p), int(q), int(r)) for p, q, r in zip(bits(a), bits(b), bits(a + b))]
    out += [(U8, k, 0, int(bits(np.float32(k)))) for k in range(256)]
    v = trunc_cases(rng, n // 10)
    want = np.trunc(v).astype(np.int64) & 0xFF
    out += [(TRUNC, int(p), 0, int(r)) for p, r in zip(bits(v), want)]
    return out
