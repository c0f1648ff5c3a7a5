"""BATCH_MATMUL (int8 against TFLM, int16 against TFLM): random ranks 2-5 with broadcast batch
dimensions, adj_x / adj_y, a constant or a computed rhs, zero points at the ends of the range,
scales over many octaves; NumPy and C. The refusals (uint8, int16 zero points)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model

ZPS = {"int8": (-128, 127, 0, 17), "int16": (0,)}


def _model(path: Path, kind: str, a_shape: tuple[int, ...], b_shape: tuple[int, ...],
           out: tuple[int, ...], adj: tuple[bool, bool], zps: tuple[int, int, int],
           scales: tuple[float, float, float], const_rhs: np.ndarray | None = None) -> Path:
    tensors = [Tensor("a", a_shape, kind, scales[0], zps[0]),
               Tensor("b", b_shape, kind, scales[1], zps[1], data=const_rhs),
               Tensor("y", out, kind, scales[2], zps[2])]
    inputs = ["a"] if const_rhs is not None else ["a", "b"]
    write_model(path, tensors, [Op("BATCH_MATMUL", ["a", "b"], ["y"],
                                   {"adj_x": adj[0], "adj_y": adj[1]})], inputs, ["y"])
    return path


def _case(rng: np.random.Generator) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...],
                                             tuple[bool, bool]]:
    """Shapes (lhs, rhs, out) with broadcast batch dimensions of a random rank, and adj."""
    rank = int(rng.integers(2, 6))
    batch = [int(v) for v in rng.integers(1, 4, rank - 2)]
    if batch:
        batch[0] = 1  # the model's batch axis: the samples replace it
    a_batch = [d if rng.random() < 0.7 else 1 for d in batch]
    b_batch = [d if rng.random() < 0.7 else 1 for d in batch]
    b_batch = b_batch[int(rng.integers(0, len(b_batch) + 1)):]  # rhs may have a lower rank
    m, k, n = (int(v) for v in rng.integers(1, 6, 3))
    adj = (bool(rng.random() < 0.5), bool(rng.random() < 0.5))
    a = (*a_batch, *((k, m) if adj[0] else (m, k)))
    b = (*b_batch, *((n, k) if adj[1] else (k, n)))
    out_batch = [max(x, y) for x, y in zip(a_batch, [1] * (len(a_batch) - len(b_batch)) + b_batch)]
    return a, b, (*out_batch, m, n), adj


@pytest.mark.parametrize("kind", ["int8", "int16"])
@pytest.mark.parametrize("seed", range(6))
def test_batch_matmul(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 100 * len(kind))
    a, b, out, adj = _case(rng)
    zp = ZPS[kind]
    zps = (zp[seed % len(zp)], zp[(seed + 1) % len(zp)], zp[(seed + 2) % len(zp)])
    s = 0.05 if kind == "int8" else 2e-4
    scales = (s * 2.0 ** float(rng.uniform(-4, 4)), s * 2.0 ** float(rng.uniform(-4, 4)),
              s * 2.0 ** float(rng.uniform(-3, 6)))
    info = np.iinfo(kind)
    rhs = rng.integers(info.min, info.max + 1, b).astype(kind) if seed % 3 == 2 else None
    path = _model(tmp_path / "m.tflite", kind, a, b, out, adj, zps, scales, rhs)
    assert check_model(path, 5, seed, ("numpy", "c")) == []


def test_attention_shapes(tmp_path: Path) -> None:
    """[1, heads, T, d] x [1, heads, T, d]^T, as a transformer's scores."""
    path = _model(tmp_path / "m.tflite", "int8", (1, 2, 4, 8), (1, 2, 4, 8), (1, 2, 4, 4),
                  (False, True), (-128, 127, 3), (0.02, 0.03, 0.1))
    assert check_model(path, 4, 0, ("numpy", "c")) == []


def test_one_unit_computed_rhs(tmp_path: Path) -> None:
    """[1, 1, 5] x [1, 5, 1]: the computed filter [1, 5] has a leading 1 that is a unit, not
    the batch axis (the NumPy module ran it batched and failed to reshape)."""
    for kind, zps in (("int16", (0, 0, 0)), ("int8", (-128, 127, 3))):
        path = _model(tmp_path / f"m_{kind}.tflite", kind, (1, 1, 5), (1, 5, 1), (1, 1, 1),
                      (False, False), zps, (0.02, 0.03, 0.1))
        assert check_model(path, 4, 0, ("numpy", "c")) == []


def test_uint8_is_refused(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "uint8", (1, 2, 3), (1, 3, 2), (1, 2, 2), (False, False),
                  (128, 128, 128), (0.1, 0.1, 0.1))
    with pytest.raises(TqcError, match=r"op #0 BATCH_MATMUL: ui8 x ui8 → ui8 is not supported"):
        lower(path)


def test_int16_zero_points_are_refused(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "int16", (1, 2, 3), (1, 3, 2), (1, 2, 2), (False, False),
                  (0, 4, 0), (0.1, 0.1, 0.1))
    with pytest.raises(TqcError, match="op #0 BATCH_MATMUL: int16 needs zero points 0"):
        lower(path)


@pytest.mark.parametrize("a_shape, b_shape, out, adj, message", [
    ((1, 2, 3), (1, 3, 4), (7, 2, 4), (False, False), r"output shape \[7, 2, 4\] should be \[1, 2, 4\]"),
    ((1, 2, 3), (1, 4, 3), (1, 2, 4), (False, False), r"inner dimensions differ: \[1, 2, 3\] by \[1, 4, 3\]"),
    ((1, 2, 2, 3), (1, 3, 3, 4), (1, 3, 2, 4), (False, False), r"batch dimensions of \[1, 2, 2, 3\] and \[1, 3, 3, 4\] do not broadcast"),
    ((1, 3, 2), (1, 4, 3), (1, 2, 4), (True, True), None),
])
def test_shapes_are_checked(tmp_path: Path, a_shape: tuple[int, ...], b_shape: tuple[int, ...],
                            out: tuple[int, ...], adj: tuple[bool, bool], message: str | None) -> None:
    """The output shape follows from the operands (fuzz seed 4 case 3648: a damaged output shape
    reached the NumPy run); adj_x / adj_y swap the last two axes."""
    path = _model(tmp_path / "m.tflite", "int8", a_shape, b_shape, out, adj, (0, 0, 0), (0.1, 0.1, 0.1))
    if message is None:
        lower(path)
        return
    with pytest.raises(TqcError, match=r"op #0 BATCH_MATMUL, tensor '[by]': " + message):
        lower(path)
