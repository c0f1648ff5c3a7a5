"""GATHER, EMBEDDING_LOOKUP and GATHER_ND with run-time indices (`tqi.gather`): index tensors
that are graph inputs (token ids into a constant int8 table, as keyword/NLP models do) or
computed in the graph (ARG_MAX), random ranks, axes and index shapes; int8 against TFLM
(int32 indices), uint8 and int16 against LiteRT REF (int32/int64 indices), NumPy and C
bit-exact. Indices the reference rejects: both fail (NumPy raises, C's NAME_invoke returns 1),
with TFLM's GATHER_ND checking the flat position only (measured); Verilog refuses."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
from differential import random_inputs

from tqc.backends.numpy.printer import print_numpy
from tqc.backends.numpy.target import import_source
from tqc.errors import TqcError
from tqc.pipeline import identifier, load_numpy_model, lower
from tqc.reference import ReferenceError, run_reference, run_reference_with_runtime
from tqc.targets import TargetOptions, get_target
from tqc.tflite_writer import Op, Tensor, write_model

ZPS = {"int8": (-128, 127, 3), "uint8": (0, 255, 77), "int16": (0, -32768, 32767)}
INDEX_TYPES = {"int8": ("int32",), "uint8": ("int32", "int64"), "int16": ("int64", "int32")}


def _run_c(path: Path, xs: list[np.ndarray]) -> list[np.ndarray]:
    with contextlib.redirect_stdout(io.StringIO()):
        result = get_target("c").run(lower(path), identifier(path.stem), xs, TargetOptions())
    return [np.asarray(o) for o in result.outputs]


def _outputs(module: object, xs: list[np.ndarray]) -> list[np.ndarray]:
    out = module.run(*xs)  # type: ignore[attr-defined]
    return list(out) if isinstance(out, tuple) else [out]


def check(path: Path, xs: list[np.ndarray], runtime: str) -> None:
    """NumPy and C equal the reference (which must be `runtime`) bit for bit."""
    ref, used = run_reference_with_runtime(path, xs)
    assert used == runtime
    for name, ours in (("numpy", _outputs(load_numpy_model(path), xs)), ("c", _run_c(path, xs))):
        for a, b in zip(ours, ref, strict=True):
            assert a.dtype == b.dtype and a.shape == b.shape, (name, a.shape, b.shape)
            assert np.array_equal(a, b), f"{name} differs from {used}: {a.ravel()[:8]} vs {b.ravel()[:8]}"


def check_fails(path: Path, xs: list[np.ndarray], runtime: str) -> None:
    """The reference rejects the indices, and so do NumPy (ValueError) and C (invoke returns 1)."""
    with pytest.raises(ReferenceError, match="failed"):
        run_reference(path, xs, runtime)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="the reference kernel returns an error"):
        load_numpy_model(path).run(*xs)
    with pytest.raises(TqcError, match="status 1"):
        _run_c(path, xs)


def gather_model(path: Path, kind: str, shape: tuple[int, ...], axis: int,
                 index_shape: tuple[int, ...], index_type: str = "int32", zp: int = 3,
                 table: np.ndarray | None = None, op: str = "GATHER") -> Path:
    """GATHER (or GATHER_ND) with the indices a graph input; the data a graph input too, or
    the constant `table`."""
    if op == "GATHER":
        out = (*shape[:axis], *index_shape, *shape[axis + 1:])
    else:
        out = (*index_shape[:-1], *shape[index_shape[-1]:])
    tensors = [Tensor("x", shape, kind, 0.03, zp, data=table),
               Tensor("ids", index_shape, index_type), Tensor("y", out, kind, 0.03, zp)]
    options = {"axis": axis} if op == "GATHER" else {}
    write_model(path, tensors, [Op(op, ["x", "ids"], ["y"], options)],
                ["ids"] if table is not None else ["x", "ids"], ["y"])
    return path


def _inputs(path: Path, seed: int, index_high: list[int]) -> list[np.ndarray]:
    """Random data (the first samples all-minimum and all-maximum) and valid indices: the last
    axis of the index input cycles through `index_high` (one bound per component)."""
    module = load_numpy_model(path)
    xs = random_inputs(module.INPUTS, 5, seed)
    rng = np.random.default_rng(seed)
    ids = xs[-1]
    high = np.resize(np.array(index_high), ids.shape) if ids.ndim > 1 else index_high[0]
    xs[-1] = (rng.integers(0, 2**20, ids.shape) % high).astype(ids.dtype)
    return xs


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
@pytest.mark.parametrize("seed", range(4))
def test_gather(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 11 * len(kind))
    rank = int(rng.integers(1, 5))
    shape = tuple(int(v) for v in rng.integers(1, 6, rank))
    if seed % 2:
        shape = (1, *shape[1:]) if rank > 1 else shape
    axis = int(rng.integers(0, rank))
    index_shape = tuple(int(v) for v in rng.integers(1, 4, int(rng.integers(0, 3))))
    index_type = INDEX_TYPES[kind][seed % len(INDEX_TYPES[kind])]
    path = gather_model(tmp_path / "m.tflite", kind, shape, axis, index_shape, index_type,
                        ZPS[kind][seed % 3])
    check(path, _inputs(path, seed, [shape[axis]]), "tflm" if kind == "int8" else "litert-ref")


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
def test_token_ids_into_a_constant_table(tmp_path: Path, kind: str) -> None:
    """An embedding lookup: (1, 7) token ids into a [50, 8] table, every row reachable."""
    rng = np.random.default_rng(5)
    info = np.iinfo(kind)
    table = rng.integers(info.min, info.max, (50, 8), endpoint=True).astype(kind)
    path = gather_model(tmp_path / "m.tflite", kind, (50, 8), 0, (1, 7), table=table,
                        zp=ZPS[kind][2])
    ids = rng.integers(0, 50, (6, 7)).astype(np.int32)
    ids[0], ids[1] = 0, 49
    check(path, [ids], "tflm" if kind == "int8" else "litert-ref")


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
def test_embedding_lookup(tmp_path: Path, kind: str) -> None:
    table = np.arange(30).reshape(6, 5).astype(kind)
    tensors = [Tensor("ids", (4,), "int32"), Tensor("table", (6, 5), kind, 0.1, 0, data=table),
               Tensor("y", (4, 5), kind, 0.1, 0)]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, [Op("EMBEDDING_LOOKUP", ["ids", "table"], ["y"])], ["ids"], ["y"])
    ids = np.array([[0, 5, 2, 2], [5, 4, 3, 1]], np.int32)
    check(path, [ids], "tflm" if kind == "int8" else "litert-ref")
    check_fails(path, [np.array([[0, 6, 0, 0]], np.int32)], "tflm" if kind == "int8" else "litert-ref")


def test_indices_computed_in_the_graph(tmp_path: Path) -> None:
    """ARG_MAX of an int8 input picks the row of a constant table."""
    table = np.arange(-60, 60, 5).reshape(8, 3).astype(np.int8)
    tensors = [Tensor("x", (1, 8), "int8", 0.1, -3), Tensor("am", (1,), "int32"),
               Tensor("t", (8, 3), "int8", 0.05, 7, data=table), Tensor("y", (1, 3), "int8", 0.05, 7)]
    path = tmp_path / "m.tflite"
    tensors.append(Tensor("axis", (1,), "int32", data=np.array([1], np.int32)))
    write_model(path, tensors, [Op("ARG_MAX", ["x", "axis"], ["am"], {"output_type": "INT32"}),
                                Op("GATHER", ["t", "am"], ["y"], {"axis": 0})], ["x"], ["y"])
    xs = random_inputs(load_numpy_model(path).INPUTS, 8, 3)
    check(path, xs, "tflm")


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
@pytest.mark.parametrize("seed", range(4))
def test_gather_nd(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 5 * len(kind))
    rank = int(rng.integers(1, 5))
    shape = tuple(int(v) for v in rng.integers(1, 5, rank))
    depth = int(rng.integers(1, rank + 1))
    index_shape = (*(int(v) for v in rng.integers(1, 4, int(rng.integers(0, 3)))), depth)
    index_type = INDEX_TYPES[kind][seed % len(INDEX_TYPES[kind])]
    path = gather_model(tmp_path / "m.tflite", kind, shape, 0, index_shape, index_type,
                        ZPS[kind][seed % 3], op="GATHER_ND")
    check(path, _inputs(path, seed, list(shape[:depth])), "tflm" if kind == "int8" else "litert-ref")


@pytest.mark.parametrize("index", [[0, 4], [-1, 0], [2**31 - 1, 0], [-2**31, 1]])
@pytest.mark.parametrize("kind", ["int8", "uint8"])
def test_gather_index_outside_fails(tmp_path: Path, kind: str, index: list[int]) -> None:
    path = gather_model(tmp_path / "m.tflite", kind, (1, 4, 3), 1, (2,))
    xs = [np.zeros((1, 4, 3), kind), np.array([index], np.int32)]
    check_fails(path, xs, "tflm" if kind == "int8" else "litert-ref")


def test_gather_nd_tflm_checks_the_flat_position(tmp_path: Path) -> None:
    """TFLM's GATHER_ND reads (0, 5) of a [4, 3] params as element 5 and (1, -1) as element 2
    (it checks only the flat position); (4, 0) and (-1, 2) leave the params and fail."""
    path = gather_model(tmp_path / "m.tflite", "int8", (4, 3), 0, (3, 2), op="GATHER_ND")
    x = np.arange(12, dtype=np.int8).reshape(1, 4, 3)
    ids = np.array([[[0, 5], [1, -1], [-1, 3]]], np.int32)
    check(path, [x, ids], "tflm")
    assert load_numpy_model(path).run(x, ids).tolist() == [[5, 2, 0]]
    for bad in ([[4, 0], [0, 0], [0, 0]], [[-1, 2], [0, 0], [0, 0]], [[3, 3], [0, 0], [0, 0]]):
        check_fails(path, [x, np.array([bad], np.int32)], "tflm")


@pytest.mark.parametrize("kind", ["uint8", "int16"])
def test_gather_nd_litert_checks_each_component(tmp_path: Path, kind: str) -> None:
    path = gather_model(tmp_path / "m.tflite", kind, (4, 3), 0, (1, 2), op="GATHER_ND", zp=0)
    x = np.arange(12).astype(kind).reshape(1, 4, 3)
    check(path, [x, np.array([[3, 2]], np.int32)], "litert-ref")  # (1, 2) takes (N, 2)
    for bad in ([[0, 5]], [[1, -1]], [[4, 0]]):
        check_fails(path, [x, np.array(bad, np.int32)], "litert-ref")


def test_int8_gather_nd_with_litert_reference_checks_each_component(tmp_path: Path) -> None:
    path = gather_model(tmp_path / "m.tflite", "int8", (4, 3), 0, (1, 2), op="GATHER_ND")
    x = np.arange(12, dtype=np.int8).reshape(1, 4, 3)
    ids = np.array([[0, 5]], np.int32)
    assert load_numpy_model(path).run(x, ids).tolist() == [5]
    module = import_source(print_numpy(lower(path, reference="litert-ref"), "m"), "m")
    with pytest.raises(ValueError, match="outside"):
        module.run(x, ids)


def test_verilog_refuses(tmp_path: Path) -> None:
    path = gather_model(tmp_path / "m.tflite", "int8", (1, 4, 3), 1, (2,))
    with pytest.raises(TqcError, match=r"tqi.gather") as e:
        get_target("verilog").emit(lower(path), "m", TargetOptions())
    assert "\n" not in str(e.value)


def test_float_indices_are_refused(tmp_path: Path) -> None:
    path = gather_model(tmp_path / "m.tflite", "int8", (1, 4, 3), 1, (2,), index_type="float32")
    with pytest.raises(TqcError, match="op #0 GATHER, tensor 'ids': indices must be int32 or "
                                       "int64"):
        lower(path)
