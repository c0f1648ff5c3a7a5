"""int8/uint8 comparisons with an input scale of 1 or more (issue 12). TFLM aborts on them
(QuantizeMultiplierSmallerThanOneExp), so the reference is LiteRT REF for int8 too; LiteRT
aborts at a scale of exactly 1 and otherwise shifts by a negative exponent, whose x86-64
result tqc reproduces where it does not depend on the loop (tqc/semantics/compare_scale.py).
Every pair of stored values (256 × 256), all six predicates in one model, same shapes and
broadcast both ways, NumPy and C; the refusals; Verilog simulated (slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model, run_backends

from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model, lower
from tqc.reference import ReferenceError, run_reference, run_reference_with_runtime
from tqc.tflite_writer import Op, Tensor, write_model

PREDICATES = ("EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL")

# (scale a, zero point a, scale b, zero point b), int8 zero points (uint8: + 128): both inputs
# at a scale >= 1 (just above 1, 1.5, 100, 1e4, the largest shift that always works), one
# below and one above 1, and the larger shifts that work for these zero points (2^16 <= S <
# 2^17 with the zero point in the middle; S = 1e20, shift 67).
QUANTIZATIONS = [
    (1.5, 0, 1.5, 0),
    (1.5, -128, 1.5, 127),
    (1.0000001, 3, 1.5, -3),
    (100.0, 5, 100.0, -7),
    (1e4, 127, 1e4, -128),
    (65535.0, -100, 60000.0, 90),
    (0.3, 17, 1.5, -3),
    (100.0, 0, 0.05, 127),
    (0.9999, -128, 1e4, 0),
    (1e5, 0, 2.0, 0),
    (1e20, 3, 0.5, -5),
]


def _model(path: Path, kind: str, q1: tuple[float, int], q2: tuple[float, int],
           a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> Path:
    """Six outputs: a PREDICATE b for every predicate."""
    out_shape = tuple(int(d) for d in np.broadcast_shapes(a_shape, b_shape))
    tensors = [Tensor("a", a_shape, kind, *q1), Tensor("b", b_shape, kind, *q2)]
    tensors += [Tensor(p.lower(), out_shape, "bool") for p in PREDICATES]
    ops = [Op(p, ["a", "b"], [p.lower()]) for p in PREDICATES]
    write_model(path, tensors, ops, ["a", "b"], [p.lower() for p in PREDICATES])
    return path


def _pairs(kind: str, broadcast: bool) -> tuple[list[np.ndarray], tuple[int, ...], tuple[int, ...]]:
    """Every (a, b) pair of stored values: two (1, 65536) samples, or a (1, 256, 1) against a
    (1, 1, 256) (broadcast: the reference evaluates the inputs in other loops)."""
    info = np.iinfo(kind)
    values = np.arange(info.min, info.max + 1, dtype=np.int64)
    if broadcast:
        return ([values.reshape(1, 256, 1).astype(kind), values.reshape(1, 1, 256).astype(kind)],
                (1, 256, 1), (1, 1, 256))
    a, b = np.meshgrid(values, values, indexing="ij")
    return [a.reshape(1, -1).astype(kind), b.reshape(1, -1).astype(kind)], (1, 65536), (1, 65536)


def _quant(kind: str, quant: tuple[float, int, float, int]) -> tuple[tuple[float, int], ...]:
    s1, z1, s2, z2 = quant
    shift = 128 if kind == "uint8" else 0
    return (s1, z1 + shift), (s2, z2 + shift)


# every quantization with same-shape inputs, every other one broadcast too
CASES = [(q, k, False) for q in QUANTIZATIONS for k in ("int8", "uint8")]
CASES += [(q, k, True) for q in QUANTIZATIONS[::2] for k in ("int8", "uint8")]


@pytest.mark.parametrize(("quant", "kind", "broadcast"), CASES,
                         ids=lambda v: "_".join(map(str, v)) if isinstance(v, tuple) else str(v))
def test_every_pair_of_values(tmp_path: Path, quant: tuple[float, int, float, int], kind: str,
                              broadcast: bool) -> None:
    xs, a_shape, b_shape = _pairs(kind, broadcast)
    path = _model(tmp_path / "m.tflite", kind, *_quant(kind, quant), a_shape, b_shape)
    ref, runtime = run_reference_with_runtime(path, xs)
    assert runtime == "litert-ref"  # TFLM aborts on a scale >= 1
    ours, refused = run_backends(path, xs, ("numpy", "c"), list(load_numpy_model(path).run(*xs)))
    assert refused == []
    for name, outs in ours.items():
        for predicate, got, want in zip(PREDICATES, outs, ref):
            got = np.asarray(got)
            assert got.dtype == np.bool_, name
            a, b = (x.ravel() for x in np.broadcast_arrays(*xs))
            bad = np.flatnonzero(got.ravel() != want.ravel())
            assert bad.size == 0, (f"{name} {predicate} differs from {runtime} on {bad.size} "
                                   f"pairs, first a={a[bad[0]]} b={b[bad[0]]}")


def test_tflm_aborts_on_a_scale_above_one(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "int8", (1.5, 0), (0.5, 0), (1, 4), (1, 4))
    with pytest.raises(ReferenceError, match="tflm failed"):
        run_reference(path, [np.zeros((1, 4), np.int8)] * 2, runtime="tflm")


@pytest.mark.parametrize("kind", ["int8", "uint8"])
def test_a_scale_of_exactly_one_is_refused(tmp_path: Path, kind: str) -> None:
    """QuantizeMultiplierGreaterThanOne checks S > 1: LiteRT aborts too."""
    q1, q2 = _quant(kind, (1.0, 0, 0.5, 0))
    path = _model(tmp_path / "m.tflite", kind, q1, q2, (1, 4), (1, 4))
    with pytest.raises(TqcError, match=r"op #0 EQUAL.*input scale 1.0 is 1 or more.*abort"):
        lower(path)
    x = np.zeros((1, 4), kind)
    with pytest.raises(ReferenceError, match="litert-ref failed"):
        run_reference(path, [x, x], runtime="litert-ref")


@pytest.mark.parametrize("quant", [(1e5, -128, 0.5, 0), (2.0**20, 0, 0.5, 0), (3e9, 0, 0.5, 0),
                                   (1e12, 0, 0.5, 0), (1e38, 0, 0.5, 0)])
def test_loop_dependent_scales_are_refused(tmp_path: Path, quant: tuple[float, int, float, int]
                                           ) -> None:
    """Where the reference's result depends on its loop (measured: the same model gives other
    results with other shapes), tqc refuses."""
    s1, z1, s2, z2 = quant
    path = _model(tmp_path / "m.tflite", "int8", (s1, z1), (s2, z2), (1, 4), (1, 4))
    with pytest.raises(TqcError, match=r"op #0 EQUAL: input scale .*depends on how its loop "
                                       r"is vectorized"):
        lower(path)


# int16 EQUAL / NOT_EQUAL (LiteRT REF): supported up to S < 2^8 for any zero point, beyond (300:
# shift 9, zero point 0) where the stored range keeps |SRDHM| < 2^(32 - s).
INT16_QUANTIZATIONS = [
    (2.0, 0, 2.0, 0),
    (1.5, 100, 0.001, -5),
    (100.0, -3, 0.5, 7),
    (200.0, -32768, 255.0, 32767),
    (300.0, 0, 1.2, 1),
]


@pytest.mark.parametrize("broadcast", [False, True], ids=["same_shape", "broadcast"])
@pytest.mark.parametrize("quant", INT16_QUANTIZATIONS, ids=lambda q: "_".join(map(str, q)))
def test_int16_equal_not_equal(tmp_path: Path, quant: tuple[float, int, float, int],
                               broadcast: bool) -> None:
    """Every int16 value of a against b at its zero point, one below and above it, and a few
    fixed values (broadcast: b is (1, 1, 8), a (1, 65536, 1))."""
    s1, z1, s2, z2 = quant
    a = np.arange(-32768, 32768, dtype=np.int64)
    near = [z2 - 1, z2, z2 + 1, 0, 5, -5, 32767, -32768]
    if broadcast:
        xs = [a.reshape(1, -1, 1), np.array(near).reshape(1, 1, -1)]
    else:
        xs = [np.stack([a] * 3), np.stack([np.full_like(a, z2 + d) for d in (-1, 0, 1)])]
    xs = [np.clip(x, -32768, 32767).astype(np.int16) for x in xs]
    shape_a, shape_b = ((1, *x.shape[1:]) for x in xs)  # three samples of (1, 65536)
    out_shape = tuple(int(d) for d in np.broadcast_shapes(shape_a, shape_b))
    tensors = [Tensor("a", shape_a, "int16", s1, z1), Tensor("b", shape_b, "int16", s2, z2),
               Tensor("equal", out_shape, "bool"), Tensor("not_equal", out_shape, "bool")]
    ops = [Op("EQUAL", ["a", "b"], ["equal"]), Op("NOT_EQUAL", ["a", "b"], ["not_equal"])]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, ops, ["a", "b"], ["equal", "not_equal"])
    ref = run_reference(path, xs, runtime="litert-ref")
    ours, refused = run_backends(path, xs, ("numpy", "c"), list(load_numpy_model(path).run(*xs)))
    assert refused == []
    for name, outs in ours.items():
        for got, want in zip(outs, ref):
            bad = np.flatnonzero(np.asarray(got).ravel() != want.ravel())
            assert bad.size == 0, f"{name} {quant}: {bad.size} values differ from LiteRT REF"


def test_int16_loop_dependent_scale_is_refused(tmp_path: Path) -> None:
    tensors = [Tensor("a", (1, 3), "int16", 1000.0, 0), Tensor("b", (1, 3), "int16", 0.1, 0),
               Tensor("k", (1, 3), "bool")]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, [Op("EQUAL", ["a", "b"], ["k"])], ["a", "b"], ["k"])
    with pytest.raises(TqcError, match=r"op #0 EQUAL: input scale 1000.0 with zero point 0"):
        lower(path)


@pytest.mark.slow
def test_verilog_simulation(tmp_path: Path) -> None:
    from tqc.backends.verilog import sim

    if sim.verilator_command() is None:
        pytest.skip("verilator not installed")
    path = _model(tmp_path / "m.tflite", "int8", (1.5, -3), (0.4, 5), (1, 2, 3), (1, 1, 3))
    assert check_model(path, 6, 1, ("numpy", "c", "verilog")) == []
