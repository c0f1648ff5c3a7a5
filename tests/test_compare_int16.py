"""int16 comparisons against LiteRT REF (TFLM refuses five of them and gets GREATER wrong, see
tests/test_reference_policy.py): EQUAL / NOT_EQUAL rescale both inputs as int8 does, the
order predicates compare the stored values raw. Every stored value of the left input against
right inputs on both sides of it (equal and different scales, zero points at the ends, the
smallest and largest scales), random broadcasting shapes, as a graph output and as a SELECT_V2
condition, NumPy and C; Verilog simulated (slow); the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model, run_backends

from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model, lower
from tqc.reference import run_reference
from tqc.tflite_writer import Op, Tensor, write_model

PREDICATES = ("EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL")
N = 65536
# (scale a, zero point a, scale b, zero point b)
QUANTIZATIONS = [
    (0.001, 0, 0.001, 0),
    (0.001, -32768, 0.002, 32767),
    (3e-7, 5, 1e-6, -7),
    (0.9999, -100, 0.5, 1000),
    (0.0123, 17, 0.0124, 17),
]


def _model(path: Path, predicate: str, q1: tuple[float, int], q2: tuple[float, int],
           a_shape: tuple[int, ...], b_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> Path:
    tensors = [Tensor("a", a_shape, "int16", *q1), Tensor("b", b_shape, "int16", *q2),
               Tensor("k", out_shape, "bool")]
    write_model(path, tensors, [Op(predicate, ["a", "b"], ["k"])], ["a", "b"], ["k"])
    return path


def _near_pairs(q: tuple[float, int, float, int]) -> list[np.ndarray]:
    """Every int16 value a, against b = the stored value nearest a's real value, and one below
    and above it: three samples of 65536 pairs, each predicate true and false on many."""
    s1, z1, s2, z2 = q
    a = np.arange(-32768, 32768, dtype=np.int64)
    nearest = np.rint((a - z1) * (s1 / s2)) + z2
    bs = [np.clip(nearest + d, -32768, 32767) for d in (-1, 0, 1)]
    return [np.stack([a] * 3).astype(np.int16), np.stack(bs).astype(np.int16)]


@pytest.mark.parametrize("quant", QUANTIZATIONS)
def test_every_value_near_the_other_input(tmp_path: Path, quant: tuple[float, int, float, int]
                                          ) -> None:
    s1, z1, s2, z2 = quant
    xs = _near_pairs(quant)
    for predicate in PREDICATES:
        path = _model(tmp_path / f"{predicate}.tflite", predicate, (s1, z1), (s2, z2), (1, N),
                      (1, N), (1, N))
        ref = run_reference(path, xs, runtime="litert-ref")[0]
        ours, refused = run_backends(path, xs, ("numpy", "c"), [load_numpy_model(path).run(*xs)])
        assert refused == []
        for name, out in ours.items():
            got = np.asarray(out[0])
            assert got.dtype == np.bool_, name
            bad = np.flatnonzero(got != ref)
            assert bad.size == 0, (f"{name} {predicate} {quant}: {bad.size} pairs differ from "
                                   f"LiteRT REF, first a={xs[0].ravel()[bad[0]]} "
                                   f"b={xs[1].ravel()[bad[0]]}")


def test_order_predicates_ignore_the_scales(tmp_path: Path) -> None:
    """LiteRT REF's LESS on int16 compares stored values: a = 10 at scale 1 is 'less' than
    b = 11 at scale 0.001 (real 10 vs 0.011); EQUAL rescales: 10 (scale 0.5) equals 5 (scale 1)."""
    less = _model(tmp_path / "less.tflite", "LESS", (1.0 - 1e-6, 0), (0.001, 0), (1, 1), (1, 1), (1, 1))
    xs = [np.array([[10]], np.int16), np.array([[11]], np.int16)]
    assert run_reference(less, xs, runtime="litert-ref")[0].tolist() == [[True]]
    assert np.asarray(load_numpy_model(less).run(*xs)).tolist() == [[True]]
    equal = _model(tmp_path / "eq.tflite", "EQUAL", (0.25, 0), (0.5, 0), (1, 1), (1, 1), (1, 1))
    xs = [np.array([[10]], np.int16), np.array([[5]], np.int16)]
    assert run_reference(equal, xs, runtime="litert-ref")[0].tolist() == [[True]]
    assert np.asarray(load_numpy_model(equal).run(*xs)).tolist() == [[True]]


@pytest.mark.parametrize("predicate", PREDICATES)
@pytest.mark.parametrize("seed", range(2))
def test_random_broadcasting_shapes(tmp_path: Path, predicate: str, seed: int) -> None:
    rng = np.random.default_rng(seed * 11 + len(predicate))
    shape = tuple(int(v) for v in rng.integers(1, 5, int(rng.integers(1, 5))))
    other = tuple(1 if rng.random() < 0.5 else d for d in shape[int(rng.integers(0, len(shape))):])
    if rng.random() < 0.5:
        shape, other = other, shape
    out = np.broadcast_shapes(shape, other)
    s1 = float(2.0 ** rng.uniform(-20, -0.01))
    s2 = s1 if seed == 0 else float(2.0 ** rng.uniform(-20, -0.01))
    z1, z2 = (int(v) for v in rng.choice([-32768, 0, 32767, int(rng.integers(-300, 300))], 2))
    path = _model(tmp_path / "m.tflite", predicate, (s1, z1), (s2, z2), shape, other, out)
    assert check_model(path, 8, seed, ("numpy", "c")) == []


@pytest.mark.parametrize("predicate", ["EQUAL", "LESS_EQUAL", "GREATER"])
def test_int16_condition_of_select(tmp_path: Path, predicate: str) -> None:
    """y = select_v2(a PREDICATE b, a, c), int16 throughout, b broadcast."""
    q1, q2 = (0.0007, -3), (0.0011, 40)
    tensors = [Tensor("a", (1, 4, 3), "int16", *q1), Tensor("b", (1, 1, 3), "int16", *q2),
               Tensor("c", (1, 4, 3), "int16", *q1), Tensor("k", (1, 4, 3), "bool"),
               Tensor("y", (1, 4, 3), "int16", *q1)]
    ops = [Op(predicate, ["a", "b"], ["k"]), Op("SELECT_V2", ["k", "a", "c"], ["y"])]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, ops, ["a", "b", "c"], ["y"])
    assert check_model(path, 8, 3, ("numpy", "c")) == []


def test_a_scale_of_one_is_refused(tmp_path: Path) -> None:
    """EQUAL rescales as int8 does: at a scale of exactly 1 LiteRT's
    QuantizeMultiplierGreaterThanOne aborts, so tqc refuses; scales above 1:
    tests/test_compare_scale.py."""
    path = _model(tmp_path / "m.tflite", "EQUAL", (1.0, 0), (0.1, 0), (1, 3), (1, 3), (1, 3))
    with pytest.raises(TqcError, match=r"op #0 EQUAL.*is 1 or more"):
        lower(path)


def test_mixed_int16_and_int8_is_refused(tmp_path: Path) -> None:
    tensors = [Tensor("a", (1, 3), "int16", 0.1, 0), Tensor("b", (1, 3), "int8", 0.1, 0),
               Tensor("k", (1, 3), "bool")]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, [Op("LESS", ["a", "b"], ["k"])], ["a", "b"], ["k"])
    with pytest.raises(TqcError, match=r"op #0 LESS.*i16, i8 inputs are not supported"):
        lower(path)


@pytest.mark.slow
@pytest.mark.parametrize("predicate", ["NOT_EQUAL", "GREATER_EQUAL"])
def test_verilog_simulation(tmp_path: Path, predicate: str) -> None:
    from tqc.backends.verilog import sim

    if sim.verilator_command() is None:
        pytest.skip("verilator not installed")
    path = _model(tmp_path / "m.tflite", predicate, (0.0007, -3), (0.0011, 40), (1, 2, 3),
                  (1, 1, 3), (1, 2, 3))
    assert check_model(path, 5, 1, ("numpy", "c", "verilog")) == []
