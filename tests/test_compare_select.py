"""Comparisons feeding SELECT_V2: every predicate, zero points
at the ends of the range, scales over many octaves, broadcasting, NumPy and C against TFLM
(int8) and LiteRT REF (uint8); SELECT_V2 with a constant condition (int16 too).
int16 comparisons: tests/test_compare_int16.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.tflite_writer import Op, Tensor, write_model

PREDICATES = ("EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL")
ZPS = {"int8": (-128, 127, 0), "uint8": (0, 255, 128)}


def _model(path: Path, kind: str, predicate: str, q1: tuple[float, int], q2: tuple[float, int],
           b_shape: tuple[int, ...]) -> Path:
    """y = select_v2(a PREDICATE b, a, c): c a second input quantized like a."""
    tensors = [Tensor("a", (1, 4, 3), kind, *q1), Tensor("b", b_shape, kind, *q2),
               Tensor("c", (1, 4, 3), kind, *q1), Tensor("k", (1, 4, 3), "bool"),
               Tensor("y", (1, 4, 3), kind, *q1)]
    ops = [Op(predicate, ["a", "b"], ["k"]), Op("SELECT_V2", ["k", "a", "c"], ["y"])]
    write_model(path, tensors, ops, ["a", "b", "c"], ["y"])
    return path


@pytest.mark.parametrize("kind", ["int8", "uint8"])
@pytest.mark.parametrize("predicate", PREDICATES)
def test_comparison_as_condition(tmp_path: Path, kind: str, predicate: str) -> None:
    rng = np.random.default_rng(len(predicate) + 3 * len(kind))
    zps = ZPS[kind]
    s1 = 0.05 * 2.0 ** float(rng.uniform(-6, 2))
    s2 = s1 if predicate in ("EQUAL", "NOT_EQUAL") and kind == "int8" else s1 * 2.0 ** float(rng.uniform(-3, 2))
    b_shape = (1, 1, 3) if len(predicate) % 2 else (1, 4, 3)
    path = _model(tmp_path / "m.tflite", kind, predicate, (s1, zps[len(predicate) % 3]),
                  (s2, zps[(len(predicate) + 1) % 3]), b_shape)
    assert check_model(path, 8, len(predicate), ("numpy", "c")) == []


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
def test_select_with_a_constant_condition(tmp_path: Path, kind: str) -> None:
    zp = {"int8": -128, "uint8": 255, "int16": 0}[kind]
    cond = np.random.default_rng(1).integers(0, 2, (1, 1, 3)).astype(bool)
    tensors = [Tensor("k", (1, 1, 3), "bool", data=cond), Tensor("a", (1, 4, 3), kind, 0.1, zp),
               Tensor("c", (1, 4, 3), kind, 0.1, zp), Tensor("y", (1, 4, 3), kind, 0.1, zp)]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, [Op("SELECT_V2", ["k", "a", "c"], ["y"])], ["a", "c"], ["y"])
    assert check_model(path, 5, 0, ("numpy", "c")) == []
