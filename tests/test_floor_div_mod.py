"""FLOOR_DIV and FLOOR_MOD int8 and int16 (LiteRT REF on stored values, scales ignored), NumPy
and C bit-exact: random shapes with broadcasting, extreme values, MIN / −1, constant divisors; a
zero divisor fails in the reference, NumPy (ValueError) and C (invoke returns 1; Verilog: the
`err` port, tests/test_verilog_floor_div.py); uint8 refused (LiteRT too) (see
passes/lowering/floor_div.py)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

from tqc.errors import TqcError
from tqc.pipeline import identifier, load_numpy_model, lower
from tqc.reference import ReferenceError, run_reference, run_reference_with_runtime
from tqc.targets import TargetOptions, get_target
from tqc.tflite_writer import Op, Tensor, write_model

OPS = ["FLOOR_DIV", "FLOOR_MOD"]


def model(path: Path, opcode: str, a_shape: tuple[int, ...], b_shape: tuple[int, ...],
          out_shape: tuple[int, ...], divisor: np.ndarray | None = None,
          dtype: str = "int16") -> Path:
    """a (input) OP b (input, or the constant `divisor`); scales and zero points differ on
    purpose: the kernel ignores them."""
    zps = (0, 0, 0) if dtype == "int16" else (3, -5, 7) if dtype == "int8" else (3, 5, 7)
    tensors = [Tensor("a", a_shape, dtype, 0.5, zps[0]),
               Tensor("b", b_shape, dtype, 0.003, zps[1], data=divisor),
               Tensor("y", out_shape, dtype, 7.0, zps[2])]
    inputs = ["a"] if divisor is not None else ["a", "b"]
    write_model(path, tensors, [Op(opcode, ["a", "b"], ["y"])], inputs, ["y"])
    return path


def _run_c(path: Path, xs: list[np.ndarray]) -> np.ndarray:
    with contextlib.redirect_stdout(io.StringIO()):
        result = get_target("c").run(lower(path), identifier(path.stem), xs, TargetOptions())
    return np.asarray(result.outputs[0])


def check(path: Path, xs: list[np.ndarray]) -> np.ndarray:
    ref, used = run_reference_with_runtime(path, xs)
    assert used == "litert-ref"
    for name, ours in (("numpy", load_numpy_model(path).run(*xs)), ("c", _run_c(path, xs))):
        ours = np.asarray(ours)
        assert ours.dtype == ref[0].dtype and ours.shape == ref[0].shape, name
        assert np.array_equal(ours, ref[0]), f"{name}: {ours.ravel()[:8]} vs {ref[0].ravel()[:8]}"
    return ref[0]


def _full(rng: np.random.Generator, shape: tuple[int, ...], dtype: str = "int16") -> np.ndarray:
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, shape).astype(dtype)


def _nonzero(rng: np.random.Generator, shape: tuple[int, ...], dtype: str = "int16") -> np.ndarray:
    v = _full(rng, shape, dtype)
    v[v == 0] = 1
    small = rng.random(shape) < 0.5  # small divisors too, of both signs
    return np.where(small, rng.choice([-3, -2, -1, 1, 2, 3, 7], shape), v).astype(dtype)


@pytest.mark.parametrize("opcode", OPS)
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("dtype", ["int16", "int8"])
def test_random(tmp_path: Path, opcode: str, seed: int, dtype: str) -> None:
    rng = np.random.default_rng(seed)
    shape = (1, *(int(v) for v in rng.integers(1, 5, 3)))
    b_shape = shape if seed % 2 == 0 else (1, 1, shape[2], 1)
    path = model(tmp_path / "m.tflite", opcode, shape, b_shape, shape, dtype=dtype)
    a = _full(rng, shape, dtype)
    a.flat[0], a.flat[-1] = np.iinfo(dtype).min, np.iinfo(dtype).max
    for _ in range(3):
        check(path, [a, _nonzero(rng, b_shape, dtype)])
        a = rng.integers(-40, 40, shape).astype(dtype)


@pytest.mark.parametrize("opcode", OPS)
@pytest.mark.parametrize("dtype", ["int16", "int8"])
def test_min_by_minus_one(tmp_path: Path, opcode: str, dtype: str) -> None:
    """MIN / −1 = −MIN does not fit: LiteRT's double → int16 / int8 conversion gives MIN
    (measured: −32768, −128); FLOOR_MOD gives 0."""
    lo, hi = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    path = model(tmp_path / "m.tflite", opcode, (1, 4), (1, 4), (1, 4), dtype=dtype)
    a = np.array([[lo, lo, hi, lo + 1]], dtype)
    b = np.array([[-1, 1, -1, -1]], dtype)
    y = check(path, [a, b])
    expected = [lo, lo, -hi, hi] if opcode == "FLOOR_DIV" else [0, 0, 0, 0]
    assert y.ravel().tolist() == expected


@pytest.mark.parametrize("opcode", OPS)
def test_constant_divisor(tmp_path: Path, opcode: str) -> None:
    rng = np.random.default_rng(7)
    divisor = _nonzero(rng, (1, 1, 3))
    path = model(tmp_path / "m.tflite", opcode, (1, 5, 3), (1, 1, 3), (1, 5, 3), divisor)
    check(path, [rng.integers(-32768, 32768, (1, 5, 3)).astype(np.int16)])


@pytest.mark.parametrize("opcode", OPS)
def test_zero_divisor_fails(tmp_path: Path, opcode: str) -> None:
    """LiteRT scans the divisor first and fails ('Division by 0'); NumPy raises, C's invoke
    returns 1."""
    path = model(tmp_path / "m.tflite", opcode, (1, 3), (1, 3), (1, 3))
    xs = [np.array([[5, 6, 7]], np.int16), np.array([[2, 0, 3]], np.int16)]
    with pytest.raises(ReferenceError, match="failed"):
        run_reference(path, xs, "litert-ref")
    with pytest.raises(ValueError, match="division by 0"):
        load_numpy_model(path).run(*xs)
    with pytest.raises(TqcError, match="status 1"):
        _run_c(path, xs)


def test_constant_zero_divisor_is_refused(tmp_path: Path) -> None:
    path = model(tmp_path / "m.tflite", "FLOOR_DIV", (1, 3), (1, 3), (1, 3),
                 np.array([[1, 0, 2]], np.int16))
    with pytest.raises(TqcError, match="op #0 FLOOR_DIV.*holds 0"):
        load_numpy_model(path)


@pytest.mark.parametrize("opcode", OPS)
def test_uint8_is_refused(tmp_path: Path, opcode: str) -> None:
    """LiteRT's Prepare refuses uint8 too."""
    path = model(tmp_path / "m.tflite", opcode, (1, 3), (1, 3), (1, 3), dtype="uint8")
    with pytest.raises(TqcError, match=f"op #0 {opcode}.*int8 and int16 only"):
        load_numpy_model(path)


def test_verilog_builds(tmp_path: Path) -> None:
    """Verilog has hardware for both (tests/test_verilog_floor_div.py simulates it): a run-time
    divisor gives the design an `err` port (the reference's failed invocation)."""
    path = model(tmp_path / "m.tflite", "FLOOR_DIV", (1, 3), (1, 3), (1, 3))
    files = get_target("verilog").emit(lower(path), "m", TargetOptions()).files
    assert "tqc_floordiv.v" in files and "    output err\n" in str(files["m.v"])


@pytest.mark.parametrize("opcode", OPS)
def test_folded_relu_clamps(tmp_path: Path, opcode: str) -> None:
    """OP → RELU with the same quantization: fuse-activation folds the RELU into the op's clamp,
    which the lowering must apply (it ignored it, as SQUARED_DIFFERENCE int16 once did)."""
    path = tmp_path / "m.tflite"
    tensors = [Tensor("a", (1, 8), "int8", 0.5, 3), Tensor("b", (1, 8), "int8", 0.003, -5),
               Tensor("y", (1, 8), "int8", 7.0, 7), Tensor("r", (1, 8), "int8", 7.0, 7)]
    write_model(path, tensors, [Op(opcode, ["a", "b"], ["y"]), Op("RELU", ["y"], ["r"])],
                ["a", "b"], ["r"])
    rng = np.random.default_rng(3)
    y = check(path, [_full(rng, (1, 8), "int8"), _nonzero(rng, (1, 8), "int8")])
    assert y.min() >= 7  # the RELU's zero point: the clamp is in the output
