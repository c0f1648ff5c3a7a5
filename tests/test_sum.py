"""SUM (MEAN's arithmetic without the 1/N): random ranks, axes (negative and repeated too),
keep_dims, zero points at the ends of the range, scale ratios over many octaves, NumPy and C
against TFLM (int8, int16) and LiteRT REF (uint8, rescaled or, with equal quantization, the
wrapping uint8 sum)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.tflite_writer import Op, Tensor, write_model

ZPS = {"int8": (-128, 127, 9), "uint8": (0, 255, 140), "int16": (0, -32768, 32767)}


def _model(path: Path, kind: str, zps: tuple[int, int], scales: tuple[float, float],
           shape: tuple[int, ...], axes: list[int], keep: bool) -> Path:
    norm = {a % len(shape) for a in axes}
    out = tuple(1 if a in norm else d for a, d in enumerate(shape) if keep or a not in norm)
    tensors = [Tensor("x", shape, kind, scales[0], zps[0]),
               Tensor("axes", (len(axes),), "int32", data=np.array(axes, np.int32)),
               Tensor("y", out, kind, scales[1], zps[1])]
    write_model(path, tensors, [Op("SUM", ["x", "axes"], ["y"], {"keep_dims": keep})], ["x"], ["y"])
    return path


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
@pytest.mark.parametrize("seed", range(4))
def test_sum(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 10 * len(kind))
    rank = int(rng.integers(2, 5))
    shape = (1, *(int(v) for v in rng.integers(1, 6, rank - 1)))
    axes = [int(a) for a in rng.choice(range(1, rank), int(rng.integers(1, rank)), replace=False)]
    axes = [a - rank if rng.random() < 0.3 else a for a in axes] + ([axes[0]] if seed == 3 else [])
    zps = (ZPS[kind][seed % 3], ZPS[kind][(seed + 1) % 3])
    scale = 0.02 if kind != "int16" else 3e-4
    scales = (scale, scale * 2.0 ** float(rng.uniform(-6, 9)))
    path = _model(tmp_path / "m.tflite", kind, zps, scales, shape, axes, keep=bool(seed % 2))
    assert check_model(path, 6, seed, ("numpy", "c")) == []


def test_uint8_sum_with_equal_quantization_saturates(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "uint8", (7, 7), (0.1, 0.1), (1, 5, 3), [1], keep=False)
    assert check_model(path, 6, 0, ("numpy", "c")) == []
