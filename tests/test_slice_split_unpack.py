"""SLICE, SPLIT_V, UNPACK and REVERSE_V2 (imported as `tq.slice` per output, plus a `tq.reshape` where
UNPACK drops the axis): random ranks, shapes, axes (negative too), sizes with −1, zero points at
the ends of the range; NumPy and C against TFLM (int8, int16) and LiteRT REF (uint8); the
refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model

ZPS = {"int8": (-128, 127, 3), "uint8": (0, 255, 100), "int16": (0, 0, 0)}
KINDS = ("int8", "uint8", "int16")


def _shape(rng: np.random.Generator, rank: int) -> tuple[int, ...]:
    return (1, *(int(v) for v in rng.integers(1, 5, rank - 1)))


def _write(path: Path, kind: str, zp: int, x_shape: tuple[int, ...], out_shapes: list[tuple[int, ...]],
           opcode: str, consts: list[np.ndarray], options: dict | None = None, x_first: bool = True) -> Path:
    names = [f"y{k}" for k in range(len(out_shapes))]
    tensors = [Tensor("x", x_shape, kind, 0.02, zp)]
    tensors += [Tensor(n, s, kind, 0.02, zp) for n, s in zip(names, out_shapes)]
    tensors += [Tensor(f"c{k}", c.shape, "int32", data=c) for k, c in enumerate(consts)]
    const_names = [f"c{k}" for k in range(len(consts))]
    inputs = ["x", *const_names] if x_first else [*const_names, "x"]
    write_model(path, tensors, [Op(opcode, inputs, names, options or {})], ["x"], names)
    return path


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(3))
def test_slice(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = _shape(rng, int(rng.integers(2, 5)))
    begin = [int(rng.integers(0, d)) for d in shape]
    size = [int(rng.integers(1, d - b + 1)) if rng.random() < 0.7 else -1 for b, d in zip(begin, shape)]
    out = tuple(d - b if s == -1 else s for b, s, d in zip(begin, size, shape))
    path = _write(tmp_path / "m.tflite", kind, ZPS[kind][seed], shape, [out], "SLICE",
                  [np.array(begin, np.int32), np.array(size, np.int32)])
    assert check_model(path, 5, seed, ("numpy", "c")) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(3))
def test_split_v(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(10 + seed)
    shape = list(_shape(rng, int(rng.integers(2, 5))))
    axis = int(rng.integers(1, len(shape)))
    sizes = [int(v) for v in rng.integers(1, 4, int(rng.integers(1, 4)))]
    shape[axis] = sum(sizes)
    outs = [tuple(s if a == axis else d for a, d in enumerate(shape)) for s in sizes]
    written = list(sizes)
    if seed % 2:
        written[int(rng.integers(len(sizes)))] = -1
    path = _write(tmp_path / "m.tflite", kind, ZPS[kind][seed], tuple(shape), outs, "SPLIT_V",
                  [np.array(written, np.int32), np.array([axis - len(shape) if seed == 2 else axis], np.int32)],
                  {"num_splits": len(sizes)})
    assert check_model(path, 5, seed, ("numpy", "c")) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(3))
def test_unpack(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(20 + seed)
    shape = _shape(rng, int(rng.integers(2, 5)))
    axis = int(rng.integers(1, len(shape)))
    out = tuple(d for a, d in enumerate(shape) if a != axis)
    path = _write(tmp_path / "m.tflite", kind, ZPS[kind][seed], shape, [out] * shape[axis], "UNPACK", [],
                  {"num": shape[axis], "axis": axis - len(shape) if seed == 1 else axis})
    assert check_model(path, 5, seed, ("numpy", "c")) == []


def test_unpack_lowers_to_slice_and_reshape(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.tflite", "int8", -128, (1, 3, 2), [(1, 2)] * 3, "UNPACK", [],
                  {"num": 3, "axis": 1})
    text = str(lower(path))
    assert text.count("tqi.slice") == 3 and text.count("tqi.reshape") == 3


def test_slice_outside_the_input_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.tflite", "int8", 0, (1, 4), [(1, 3)], "SLICE",
                  [np.array([0, 2], np.int32), np.array([1, 3], np.int32)])
    with pytest.raises(TqcError, match=r"op #0 SLICE: begin \[0, 2\] and size \[1, 3\] are outside \[1, 4\]"):
        lower(path)


def test_split_sizes_that_do_not_add_up_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.tflite", "int8", 0, (1, 5), [(1, 2), (1, 2)], "SPLIT_V",
                  [np.array([2, 2], np.int32), np.array([1], np.int32)], {"num_splits": 2})
    with pytest.raises(TqcError, match=r"op #0 SPLIT_V: size_splits \[2, 2\] do not split axis 1"):
        lower(path)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("axes", [[1], [-1], [2, 1], [1, 2, 3]])
def test_reverse_v2(tmp_path: Path, kind: str, axes: list[int]) -> None:
    """(imported as a stride −1 `tq.slice` on the axes)"""
    shape = (1, 3, 4, 2)
    path = _write(tmp_path / "m.tflite", kind, ZPS[kind][len(axes) % 3], shape, [shape], "REVERSE_V2",
                  [np.array(axes, np.int32)])
    assert check_model(path, 5, len(axes), ("numpy", "c")) == []


def test_reverse_of_non_contiguous_axes_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.tflite", "int8", 0, (1, 3, 4, 2), [(1, 3, 4, 2)], "REVERSE_V2",
                  [np.array([1, 3], np.int32)])
    with pytest.raises(TqcError, match=r"op #0 REVERSE_V2: non-contiguous axes \[1, 3\] are not supported"):
        lower(path)
