"""Comparisons with a bool result that is not a SELECT_V2 condition: a graph output (NumPy
np.bool_, C one byte 0/1) and the input of CAST (bool → int8/uint8/int16/int32/float32), int8
against TFLM, uint8 against LiteRT REF. Every pair of stored values (256 × 256) for a few
quantizations at the ends of the scale range, NumPy and C."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model, run_backends

from tqc.pipeline import load_numpy_model
from tqc.reference import run_reference_with_runtime
from tqc.tflite_writer import Op, Tensor, write_model

PREDICATES = ("EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL")
ZPS = {"int8": (-128, 127, 0), "uint8": (0, 255, 128)}


def _compare_model(path: Path, kind: str, predicate: str, q1: tuple[float, int],
                   q2: tuple[float, int], a_shape: tuple[int, ...], b_shape: tuple[int, ...],
                   out_shape: tuple[int, ...], cast_to: str | None = None) -> Path:
    """y = a PREDICATE b (bool), or CAST(a PREDICATE b) to `cast_to`."""
    tensors = [Tensor("a", a_shape, kind, *q1), Tensor("b", b_shape, kind, *q2),
               Tensor("k", out_shape, "bool")]
    ops = [Op(predicate, ["a", "b"], ["k"])]
    out = "k"
    if cast_to is not None:
        quant = (1.0, 0) if cast_to in ("int8", "uint8", "int16") else ()  # tqc wants it
        tensors.append(Tensor("y", out_shape, cast_to, *quant))
        ops.append(Op("CAST", ["k"], ["y"]))
        out = "y"
    write_model(path, tensors, ops, ["a", "b"], [out])
    return path


@pytest.mark.parametrize("kind", ["int8", "uint8"])
@pytest.mark.parametrize("predicate", PREDICATES)
def test_comparison_as_output(tmp_path: Path, kind: str, predicate: str) -> None:
    rng = np.random.default_rng(len(predicate) + 7 * len(kind))
    zps = ZPS[kind]
    s1 = 0.05 * 2.0 ** float(rng.uniform(-6, 2))
    s2 = s1 * 2.0 ** float(rng.uniform(-3, 2))
    b_shape = (1, 1, 3) if len(predicate) % 2 else (1, 4, 3)
    path = _compare_model(tmp_path / "m.tflite", kind, predicate, (s1, zps[len(predicate) % 3]),
                          (s2, zps[(len(predicate) + 1) % 3]), (1, 4, 3), b_shape, (1, 4, 3))
    assert check_model(path, 8, len(predicate), ("numpy", "c")) == []


@pytest.mark.parametrize("cast_to", ["int8", "uint8", "int16", "int32", "float32"])
def test_comparison_into_cast(tmp_path: Path, cast_to: str) -> None:
    kind = "uint8" if cast_to == "uint8" else "int8"  # TFLM casts to no uint8
    path = _compare_model(tmp_path / "m.tflite", kind, "GREATER", (0.02, ZPS[kind][2]),
                          (0.03, ZPS[kind][0]), (1, 5, 3), (1, 5, 3), (1, 5, 3), cast_to)
    assert check_model(path, 6, 3, ("numpy", "c")) == []


def _all_pairs(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Every (a, b) pair of stored values as two (1, 65536) samples."""
    info = np.iinfo(kind)
    values = np.arange(info.min, info.max + 1, dtype=np.int64)
    a, b = np.meshgrid(values, values, indexing="ij")
    return a.reshape(1, -1).astype(kind), b.reshape(1, -1).astype(kind)


# (scale a, zero point a, scale b, zero point b): equal scales, scales an octave apart, the
# smallest and largest scales the kernel's multiplier below 1 allows, zero points at the ends.
QUANTIZATIONS = [
    (0.05, 0, 0.05, 0),
    (0.05, -128, 0.1, 127),
    (1e-6, 5, 3e-6, -7),
    (0.9999, -128, 0.5, 127),
    (0.0123, 17, 0.0124, 17),
]


@pytest.mark.parametrize("kind", ["int8", "uint8"])
@pytest.mark.parametrize("quant", QUANTIZATIONS)
def test_every_pair_of_values(tmp_path: Path, kind: str, quant: tuple[float, int, float, int]
                              ) -> None:
    s1, z1, s2, z2 = quant
    if kind == "uint8":
        z1, z2 = z1 + 128, z2 + 128
    xs = list(_all_pairs(kind))
    for predicate in ("LESS", "EQUAL", "GREATER_EQUAL", "NOT_EQUAL"):
        path = _compare_model(tmp_path / f"{predicate}.tflite", kind, predicate, (s1, z1), (s2, z2),
                              (1, 65536), (1, 65536), (1, 65536))
        ref, runtime = run_reference_with_runtime(path, xs)
        ours, _ = run_backends(path, xs, ("numpy", "c"), [load_numpy_model(path).run(*xs)])
        for name, out in ours.items():
            got = np.asarray(out[0])
            assert got.dtype == np.bool_, name
            bad = np.flatnonzero(got != ref[0])
            assert bad.size == 0, (f"{name} {predicate} differs from {runtime} on {bad.size} "
                                   f"pairs, first a={xs[0].ravel()[bad[0]]} b={xs[1].ravel()[bad[0]]}")


@pytest.mark.parametrize("kind", ["int8", "uint8"])
def test_comparison_read_by_select_and_an_output(tmp_path: Path, kind: str) -> None:
    """One bool both a graph output and SELECT_V2's condition (the bool tensor, not the int32
    condition, reaches the select)."""
    q = (0.04, ZPS[kind][2])
    tensors = [Tensor("a", (1, 4, 3), kind, *q), Tensor("b", (1, 1, 3), kind, 0.03, ZPS[kind][1]),
               Tensor("c", (1, 4, 3), kind, *q), Tensor("k", (1, 4, 3), "bool"),
               Tensor("y", (1, 4, 3), kind, *q)]
    ops = [Op("LESS_EQUAL", ["a", "b"], ["k"]), Op("SELECT_V2", ["k", "a", "c"], ["y"])]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, ops, ["a", "b", "c"], ["y", "k"])
    assert check_model(path, 8, 2, ("numpy", "c")) == []


@pytest.mark.parametrize("logical", ["LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT"])
def test_logical_ops_on_comparisons(tmp_path: Path, logical: str) -> None:
    """y = LOGICAL(a < b, a >= c) (broadcast: c is [1, 1, 3]) and NOT(a < b), bool outputs."""
    q = (0.04, -5)
    tensors = [Tensor("a", (1, 4, 3), "int8", *q), Tensor("b", (1, 4, 3), "int8", 0.03, 127),
               Tensor("c", (1, 1, 3), "int8", 0.05, -128), Tensor("k1", (1, 4, 3), "bool"),
               Tensor("k2", (1, 4, 3), "bool"), Tensor("y", (1, 4, 3), "bool")]
    ops = [Op("LESS", ["a", "b"], ["k1"]), Op("GREATER_EQUAL", ["a", "c"], ["k2"])]
    ops.append(Op(logical, ["k1"] if logical == "LOGICAL_NOT" else ["k1", "k2"], ["y"]))
    path = tmp_path / "m.tflite"
    write_model(path, tensors, ops, ["a", "b", "c"], ["y", "k2"])
    assert check_model(path, 8, 4, ("numpy", "c")) == []
