"""SQUARED_DIFFERENCE (int8, int16) and ADD_N (int8) against TFLM: zero points at the ends of the
range, scales over many octaves, broadcasting (SQUARED_DIFFERENCE), two to four inputs (ADD_N),
NumPy and C; the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model

ZPS = {"int8": (-128, 127, 0, 9), "int16": (0,)}


@pytest.mark.parametrize("kind", ["int8", "int16"])
@pytest.mark.parametrize("seed", range(5))
def test_squared_difference(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 50 * len(kind))
    zp = ZPS[kind]
    base = 0.05 if kind == "int8" else 3e-4
    s1, s2 = (base * 2.0 ** float(rng.uniform(-4, 4)) for _ in range(2))
    s_out = max(s1, s2) ** 2 * (128 if kind == "int8" else 32768) ** 2 / 127 * 2.0 ** float(rng.uniform(-8, 2))
    b_shape = (1, 4, 3) if seed % 2 else (1, 1, 3)
    tensors = [Tensor("a", (1, 4, 3), kind, s1, zp[seed % len(zp)]),
               Tensor("b", b_shape, kind, s2, zp[(seed + 1) % len(zp)]),
               Tensor("y", (1, 4, 3), kind, s_out, zp[(seed + 2) % len(zp)])]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, [Op("SQUARED_DIFFERENCE", ["a", "b"], ["y"])], ["a", "b"], ["y"])
    assert check_model(path, 6, seed, ("numpy", "c")) == []


def _add_n(path: Path, count: int, q_in: tuple[float, int], q_out: tuple[float, int]) -> Path:
    names = [f"x{k}" for k in range(count)]
    tensors = [*(Tensor(n, (1, 5, 3), "int8", *q_in) for n in names), Tensor("y", (1, 5, 3), "int8", *q_out)]
    write_model(path, tensors, [Op("ADD_N", names, ["y"])], names, ["y"])
    return path


@pytest.mark.parametrize("seed", range(5))
def test_add_n(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    s_in = 0.05 * 2.0 ** float(rng.uniform(-6, 6))
    s_out = s_in * 2.0 ** float(rng.uniform(-3, 5))
    zps = ZPS["int8"]
    path = _add_n(tmp_path / "m.tflite", 2 + seed % 3, (s_in, zps[seed % 4]), (s_out, zps[(seed + 1) % 4]))
    assert check_model(path, 6, seed, ("numpy", "c")) == []


def test_add_n_with_two_quantizations_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.tflite"
    tensors = [Tensor("a", (1, 3), "int8", 0.1, 0), Tensor("b", (1, 3), "int8", 0.2, 0),
               Tensor("y", (1, 3), "int8", 0.3, 0)]
    write_model(path, tensors, [Op("ADD_N", ["a", "b"], ["y"])], ["a", "b"], ["y"])
    with pytest.raises(TqcError, match="op #0 ADD_N: needs one quantization for every input"):
        lower(path)
