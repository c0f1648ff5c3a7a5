"""Verilog gather engine (backends/verilog/emit_gather.py): TRANSPOSE, PAD/PADV2, STRIDED_SLICE,
RESIZE_NEAREST_NEIGHBOR and CONCATENATION (streams and constants) as address generation.

Two levels: the address tables (`gather_map.apply`, a NumPy model of the engine) against the
NumPy backend on many random single-op models, no tools needed; and Verilator simulations of
small graphs at extreme quantization, bit-exact against the reference and the NumPy backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from differential import random_inputs, shared_model
from test_verilog_backend import check_model, needs_sim, needs_verilator

from tqc.backends.verilog import sim
from tqc.backends.verilog.gather_map import MAPS, apply, gather_map
from tqc.backends.verilog.target import build_design
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model, lower
from tqc.targets import TargetOptions
from tqc.tflite_writer import Op, Tensor, write_model

ZP = {"int8": -128, "uint8": 255, "int16": 0}  # extreme zero points (int16: 0, as TFLM needs)


def _i32(name: str, values: list[int] | np.ndarray) -> Tensor:
    data = np.asarray(values, np.int32)
    return Tensor(name, data.shape, "int32", data=data)


def _write(path: Path, tensors: list[Tensor], ops: list[Op], inputs: list[str] | None = None) -> Path:
    write_model(path, tensors, ops, inputs or ["x"], ["y"])
    return path


def transpose_model(path: Path, dtype: str, shape: tuple[int, ...], perm: list[int]) -> Path:
    out = tuple(shape[p] for p in perm)
    return _write(path, [Tensor("x", shape, dtype, 0.5, ZP[dtype]), _i32("perm", perm),
                         Tensor("y", out, dtype, 0.5, ZP[dtype])],
                  [Op("TRANSPOSE", ["x", "perm"], ["y"])])


def pad_model(path: Path, dtype: str, shape: tuple[int, ...], pads: list[list[int]],
              value: int | None = None) -> Path:
    """PAD fills with the output zero point (an extreme one here); PADV2 with `value`."""
    out = tuple(n + a + b for n, (a, b) in zip(shape, pads))
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    zp = 0 if dtype == "int16" else (hi if ZP[dtype] == lo else lo)
    tensors = [Tensor("x", shape, dtype, 0.5, zp), _i32("pads", pads),
               Tensor("y", out, dtype, 0.5, zp)]
    if value is None:
        return _write(path, tensors, [Op("PAD", ["x", "pads"], ["y"])])
    tensors.append(Tensor("c", (1,), dtype, 0.5, zp, data=np.array([value], dtype)))
    return _write(path, tensors, [Op("PADV2", ["x", "pads", "c"], ["y"])])


def slice_model(path: Path, dtype: str, shape: tuple[int, ...], begin: list[int],
                end: list[int], strides: list[int], out: tuple[int, ...], shrink: int = 0) -> Path:
    return _write(path, [Tensor("x", shape, dtype, 0.1, ZP[dtype]), _i32("b", begin),
                         _i32("e", end), _i32("s", strides), Tensor("y", out, dtype, 0.1, ZP[dtype])],
                  [Op("STRIDED_SLICE", ["x", "b", "e", "s"], ["y"], {"shrink_axis_mask": shrink})])


def resize_model(path: Path, dtype: str, hw: tuple[int, int], out_hw: tuple[int, int],
                 align: bool, half: bool) -> Path:
    return _write(path, [Tensor("x", (1, *hw, 3), dtype, 0.05, ZP[dtype]), _i32("size", out_hw),
                         Tensor("y", (1, *out_hw, 3), dtype, 0.05, ZP[dtype])],
                  [Op("RESIZE_NEAREST_NEIGHBOR", ["x", "size"], ["y"],
                      {"align_corners": align, "half_pixel_centers": half})])


def concat_const_model(path: Path, dtype: str, axis: int) -> Path:
    """CONCATENATION of the input and a constant (a ROM), constant first."""
    shape = (1, 3, 2, 4)
    cshape = tuple(2 if d == axis else n for d, n in enumerate(shape))
    out = tuple(n + 2 if d == axis else n for d, n in enumerate(shape))
    info = np.iinfo(dtype)
    data = np.random.default_rng(axis).integers(info.min, info.max, cshape, endpoint=True)
    return _write(path, [Tensor("x", shape, dtype, 0.25, ZP[dtype]),
                         Tensor("k", cshape, dtype, 0.25, ZP[dtype], data=data.astype(dtype)),
                         Tensor("y", out, dtype, 0.25, ZP[dtype])],
                  [Op("CONCATENATION", ["k", "x"], ["y"], {"axis": axis})])


def concat_single_model(path: Path) -> Path:
    """CONCATENATION of a one-element input and a second input: a one-element tensor buffer
    (fuzz seed 6 case 197: its memory was indexed with a bit more than it had)."""
    return _write(path, [Tensor("a", (1, 1), "int8", 0.25, -3), Tensor("x", (1, 5), "int8", 0.25, -3),
                         Tensor("y", (1, 6), "int8", 0.25, -3)],
                  [Op("CONCATENATION", ["a", "x"], ["y"], {"axis": 1})], inputs=["a", "x"])


def fork_concat_model(path: Path) -> Path:
    """x → fork → (x, a 1x1 CONV_2D of x) → CONCATENATION on the channels, then a TRANSPOSE of
    the result: a fork into a gather and an engine, two streamed sources, gathers in a row."""
    rng = np.random.default_rng(7)
    scales = [float(v) for v in rng.uniform(0.002, 0.02, 2)]
    return _write(path, [
        Tensor("x", (1, 3, 4, 3), "int8", 0.05, -128),
        Tensor("w", (2, 1, 1, 3), "int8", scales, [0, 0], 0,
               rng.integers(-127, 128, (2, 1, 1, 3)).astype(np.int8)),
        Tensor("bias", (2,), "int32", [0.05 * s for s in scales], [0, 0], 0,
               rng.integers(-500, 500, 2).astype(np.int32)),
        Tensor("a", (1, 3, 4, 2), "int8", 0.05, -128),
        Tensor("c", (1, 3, 4, 5), "int8", 0.05, -128),
        _i32("perm", [0, 3, 1, 2]),
        Tensor("y", (1, 5, 3, 4), "int8", 0.05, -128)], [
        Op("CONV_2D", ["x", "w", "bias"], ["a"], {"padding": "SAME"}),
        Op("CONCATENATION", ["a", "x"], ["c"], {"axis": 3}),
        Op("TRANSPOSE", ["c", "perm"], ["y"])])


# ---- the address tables against the NumPy backend (no tools) ---------------------------------


def check_tables(path: Path, n: int = 3, seed: int = 0) -> None:
    """The model's single gather, applied to random inputs, equals the NumPy backend."""
    module = lower(path)
    ops = [op for op in module.walk() if type(op) in MAPS]
    assert len(ops) == 1
    m = gather_map(ops[0])
    model = load_numpy_model(path)
    x = random_inputs(model.INPUTS, n, seed=seed)[0]
    expected = model.run(x)
    for i in range(n):
        ours = apply(m, [x[i].reshape(-1)])
        np.testing.assert_array_equal(ours.reshape(-1), expected[i].reshape(-1).astype(np.int64))


@pytest.mark.parametrize("seed", range(6))
def test_tables_transpose_pad(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rank = 2 + seed % 4
    shape = (1, *(int(v) for v in rng.integers(1, 5, rank - 1)))
    perm = [0, *(int(p) + 1 for p in rng.permutation(rank - 1))]
    check_tables(transpose_model(tmp_path / "t.tflite", "int8", shape, perm), seed=seed)
    pads = [[0, 0], *([int(a), int(b)] for a, b in rng.integers(0, 3, (rank - 1, 2)))]
    check_tables(pad_model(tmp_path / "p.tflite", "uint8", shape, pads), seed=seed)


@pytest.mark.parametrize("seed", range(6))
def test_tables_slice_resize(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(20 + seed)
    shape = (1, 5, 4, 6)
    starts = [int(rng.integers(0, n)) for n in shape[1:]]
    steps = [int(rng.choice([1, 2, -1, -2])) for _ in shape[1:]]
    begin, end, strides, out = [0], [1], [1], [1]
    for s0, st, n in zip(starts, steps, shape[1:]):
        stop = n if st > 0 else -n - 1  # through the end / through index 0
        begin.append(s0)
        end.append(stop)
        strides.append(st)
        out.append(len(range(s0, n if st > 0 else -1, st)))
    check_tables(slice_model(tmp_path / "s.tflite", "int8", shape, begin, end, strides,
                             tuple(out)), seed=seed)
    hw = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    out_hw = (int(rng.integers(1, 12)), int(rng.integers(1, 12)))
    align, half = [(False, False), (True, False), (False, True)][seed % 3]
    check_tables(resize_model(tmp_path / "r.tflite", "uint8", hw, out_hw, align, half), seed=seed)


@pytest.mark.parametrize("axis", [1, 2, 3])
def test_tables_concat_constant(tmp_path: Path, axis: int) -> None:
    check_tables(concat_const_model(tmp_path / "c.tflite", "int8", axis))


def test_tables_fail_when_wrong(tmp_path: Path) -> None:
    """The table check catches a wrong table (a test that cannot fail is a defect)."""
    path = transpose_model(tmp_path / "t.tflite", "int8", (1, 2, 3, 4), [0, 2, 3, 1])
    op = next(op for op in lower(path).walk() if type(op) in MAPS)
    m = gather_map(op)
    m.tables[0][2] = m.tables[0][2][::-1].copy()
    x = np.arange(24, dtype=np.int64)
    assert not np.array_equal(apply(m, [x]), apply(gather_map(op), [x]))


def test_gather_module_emitted(tmp_path: Path) -> None:
    path = pad_model(tmp_path / "p.tflite", "int8", (1, 2, 3, 2), [[0, 0], [1, 0], [0, 2], [0, 0]])
    design = build_design(lower(path), "pad", TargetOptions(), vectors=False)
    text = design.files["pad_gather0.v"]
    assert "tqc_tensor_buffer #(.W(8), .N(12), .AW(4))" in text
    assert "function [4:0] t0_1;" in text  # the padded rows: a case table with valid bits
    assert "8'h7F" in text  # the pad value: the output zero point 127


def test_slice_out_of_range_refused(tmp_path: Path) -> None:
    path = slice_model(tmp_path / "s.tflite", "int8", (1, 4, 4, 2), [0, 1, 0, 0], [1, 3, 4, 2],
                       [1, 1, 1, 1], (1, 2, 4, 2))
    module = lower(path)
    op = next(op for op in module.walk() if type(op) in MAPS)
    op.properties["end"] = op.properties["begin"]  # an empty range: does not match the result
    with pytest.raises(TqcError, match="does not match the ranges"):
        gather_map(op)


# ---- simulation ---------------------------------------------------------------------------------


def chain_model(path: Path) -> Path:
    """PAD → STRIDED_SLICE (negative strides) → RESIZE_NEAREST_NEIGHBOR → TRANSPOSE, int8 at
    zero point -128: four gathers in a row, each loading while the previous one streams."""
    return _write(path, [
        Tensor("x", (1, 3, 4, 2), "int8", 0.5, -128), _i32("pads", [[0, 0], [1, 1], [0, 2], [0, 0]]),
        Tensor("p", (1, 5, 6, 2), "int8", 0.5, 127),
        _i32("b", [0, 4, 5, 1]), _i32("e", [1, -6, 0, 2]), _i32("s", [1, -2, -2, 1]),
        Tensor("q", (1, 3, 3, 1), "int8", 0.5, 127), _i32("size", [5, 4]),
        Tensor("r", (1, 5, 4, 1), "int8", 0.5, 127), _i32("perm", [0, 2, 3, 1]),
        Tensor("y", (1, 4, 1, 5), "int8", 0.5, 127)], [
        Op("PAD", ["x", "pads"], ["p"]),
        Op("STRIDED_SLICE", ["p", "b", "e", "s"], ["q"]),
        Op("RESIZE_NEAREST_NEIGHBOR", ["q", "size"], ["r"], {"half_pixel_centers": True}),
        Op("TRANSPOSE", ["r", "perm"], ["y"])])


@needs_sim
def test_gather_chain_bit_exact(tmp_path: Path) -> None:
    check_model(chain_model(tmp_path / "chain.tflite"), 5, throttle=True)


@needs_sim
@pytest.mark.parametrize("dtype,perm", [pytest.param("int8", [0, 2, 3, 1], marks=pytest.mark.slow),
                                        pytest.param("uint8", [0, 3, 1, 2], marks=pytest.mark.slow),
                                        ("int16", [0, 3, 2, 1])])
def test_transpose_bit_exact(tmp_path: Path, dtype: str, perm: list[int]) -> None:
    check_model(transpose_model(tmp_path / f"t_{dtype}.tflite", dtype, (1, 2, 3, 4), perm), 4,
                throttle=dtype == "int8")


@needs_sim
@pytest.mark.slow
@pytest.mark.parametrize("dtype,value", [("int8", None), ("uint8", 7), ("int16", -32768)])
def test_pad_bit_exact(tmp_path: Path, dtype: str, value: int | None) -> None:
    pads = [[0, 0], [2, 1], [0, 3], [1, 1]]
    check_model(pad_model(tmp_path / f"p_{dtype}.tflite", dtype, (1, 3, 2, 2), pads, value), 4,
                throttle=True)


@needs_sim
@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_slice_bit_exact(tmp_path: Path, dtype: str) -> None:
    """Negative and positive strides, a shrunk axis."""
    path = slice_model(tmp_path / f"s_{dtype}.tflite", dtype, (1, 5, 4, 6), [0, 4, 1, 0],
                       [1, -6, 2, 6], [1, -2, 1, 2], (1, 3, 3), shrink=0b100)
    check_model(path, 4, throttle=True)


@needs_sim
@pytest.mark.slow
@pytest.mark.parametrize("dtype,flags", [("int8", (False, True)), ("uint8", (True, False))])
def test_resize_nearest_bit_exact(tmp_path: Path, dtype: str, flags: tuple[bool, bool]) -> None:
    check_model(resize_model(tmp_path / f"r_{dtype}.tflite", dtype, (3, 2), (5, 7), *flags), 4)


@needs_sim
@pytest.mark.parametrize("dtype,axis", [("uint8", 2), pytest.param("int16", 3, marks=pytest.mark.slow)])
def test_concat_constant_bit_exact(tmp_path: Path, dtype: str, axis: int) -> None:
    check_model(concat_const_model(tmp_path / f"c_{dtype}.tflite", dtype, axis), 4, throttle=True)


@needs_sim
def test_fork_concat_transpose_bit_exact(tmp_path: Path) -> None:
    check_model(fork_concat_model(tmp_path / "fc.tflite"), 4, throttle=True)


@needs_sim
def test_coral_split_concat_bit_exact() -> None:
    """coral_split_concat_uint8: three inputs, CONCATENATION (uint8 rescaling tables), SPLIT into
    six slices, a second CONCATENATION; five outputs."""
    check_model(shared_model("coral_split_concat_uint8.tflite"), 4, throttle=True)


@needs_sim
def test_concat_of_one_element_bit_exact(tmp_path: Path) -> None:
    check_model(concat_single_model(tmp_path / "c1.tflite"), 4, throttle=True)


@needs_verilator
@pytest.mark.parametrize("model", [fork_concat_model, concat_single_model])
def test_gather_lint_clean(tmp_path: Path, model: Callable[[Path], Path]) -> None:
    design = build_design(lower(model(tmp_path / "m.tflite")), "dut",
                          TargetOptions(), vectors=False)
    sim.write_files(tmp_path, design.sim_files())
    log = sim.lint(tmp_path, design.sources, "dut")
    assert "%Warning" not in log and "%Error" not in log, log
