"""DIV int16 against LiteRT REF (TFLM refuses int16): every int16 dividend against random
divisors and divisors next to their zero point (the largest quotients), at ordinary and extreme
quantizations (ties decided by the float32 multiplier quotient, tiny and huge scales, zero points
at the ends, a multiplier flushed to zero); random broadcasting shapes with fused activations;
NumPy and C (Verilog: tests/test_verilog_div.py). A divisor at its zero point fails the reference,
NumPy and C; the refusals."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model, run_backends

from tqc.errors import TqcError
from tqc.pipeline import identifier, load_numpy_model, lower
from tqc.reference import ReferenceError, run_reference
from tqc.targets import TargetOptions, get_target
from tqc.tflite_writer import Op, Tensor, write_model

N = 65536
# (S1, zp1, S2, zp2, S_out, zp_out)
QUANTIZATIONS = {
    "ordinary": (0.0005, -3, 0.00035, 7, 0.000625, 5),
    "zero_points_at_the_ends": (0.5, -32768, 0.001, 32767, 0.9, -32768),
    "float32_quotient_ties": (3.0, 10, 0.02, -20, 200.0, -100),  # double quotient: 4 differ
    "float32_quotient_small": (1e-4, 0, 3e-4, 0, 1e-4, 0),  # double quotient: 10 differ
    "tiny_over_one": (1e-6, 0, 1.0, 0, 1000.0, 0),
    "huge_quotients": (0.02, 0, 0.02, 0, 0.0001, 0),
    "multiplier_flushed_to_zero": (1e-6, -128, 100.0, 127, 1000.0, 127),
    "multiplier_2e6": (100.0, 0, 0.0001, -1, 0.5, 0),
}


def _model(path: Path, q: tuple[float, int, float, int, float, int], a_shape: tuple[int, ...],
           b_shape: tuple[int, ...], out_shape: tuple[int, ...], activation: str = "NONE",
           divisor: np.ndarray | None = None) -> Path:
    s1, z1, s2, z2, so, zo = q
    tensors = [Tensor("a", a_shape, "int16", s1, z1),
               Tensor("b", b_shape, "int16", s2, z2, data=divisor),
               Tensor("y", out_shape, "int16", so, zo)]
    inputs = ["a"] if divisor is not None else ["a", "b"]
    write_model(path, tensors, [Op("DIV", ["a", "b"], ["y"], {"fused_activation_function": activation})],
                inputs, ["y"])
    return path


def _divisors(rng: np.random.Generator, zp: int) -> np.ndarray:
    """Two samples of divisors: random, and within 1..64 of the zero point (either side)."""
    far = rng.integers(-32768, 32768, N)
    near = zp + rng.choice([-1, 1], N) * rng.integers(1, 65, N)
    near = np.where((near < -32768) | (near > 32767), zp - (near - zp), near)
    out = np.stack([far, near])
    out[out == zp] = zp + (1 if zp < 32767 else -1)
    return out.astype(np.int16)


@pytest.mark.parametrize("name", list(QUANTIZATIONS))
def test_every_dividend_matches_litert_ref(tmp_path: Path, name: str) -> None:
    q = QUANTIZATIONS[name]
    path = _model(tmp_path / "div.tflite", q, (1, N), (1, N), (1, N))
    xs = [np.stack([np.arange(-32768, 32768)] * 2).astype(np.int16),
          _divisors(np.random.default_rng(len(name)), q[3])]
    ref = run_reference(path, xs, runtime="litert-ref")[0]
    outputs, refused = run_backends(path, xs, ("numpy", "c"),
                                    [np.asarray(load_numpy_model(path).run(*xs))])
    assert refused == []
    for backend, (ours,) in outputs.items():
        bad = np.count_nonzero(np.asarray(ours) != ref)
        assert bad == 0, f"{backend}: {bad} of {2 * N} pairs differ from LiteRT REF"


@pytest.mark.parametrize("seed", range(4))
def test_random_broadcasting_shapes(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = tuple(int(v) for v in rng.integers(2, 5, 3))
    other = tuple(1 if rng.random() < 0.5 else d for d in shape[int(rng.integers(0, 3)):])
    s1, s2, so = (float(10 ** rng.uniform(-5, 0)) for _ in range(3))
    z1, z2, zo = (int(v) for v in rng.integers(-30000, 30000, 3))
    activation = str(rng.choice(["NONE", "RELU", "RELU_N1_TO_1"]))
    path = _model(tmp_path / "div.tflite", (s1, z1, s2, z2, so, zo), shape, other, shape,
                  activation)
    assert check_model(path, 6, seed, ("numpy", "c")) == []


def test_fused_relu6_and_a_constant_divisor(tmp_path: Path) -> None:
    q = QUANTIZATIONS["ordinary"]
    divisor = np.array([[-32768, -1, 1, 8, 32767]], np.int16)
    path = _model(tmp_path / "div.tflite", q, (1, 4, 5), (1, 5), (1, 4, 5), "RELU6", divisor)
    assert check_model(path, 6, 1, ("numpy", "c")) == []


def test_divisor_at_its_zero_point_fails(tmp_path: Path) -> None:
    """LiteRT's CheckNonZero fails the inference; NumPy raises, C's invoke returns 1."""
    q = QUANTIZATIONS["ordinary"]
    path = _model(tmp_path / "div.tflite", q, (1, 3), (1, 3), (1, 3))
    xs = [np.array([[5, 6, 7]], np.int16), np.array([[2, q[3], 3]], np.int16)]
    with pytest.raises(ReferenceError, match="failed"):
        run_reference(path, xs, "litert-ref")
    with pytest.raises(ValueError, match="division by 0"):
        load_numpy_model(path).run(*xs)
    with pytest.raises(TqcError, match="status 1"), contextlib.redirect_stdout(io.StringIO()):
        get_target("c").run(lower(path), identifier(path.stem), xs, TargetOptions())


def test_constant_divisor_at_its_zero_point_is_refused(tmp_path: Path) -> None:
    q = QUANTIZATIONS["ordinary"]
    path = _model(tmp_path / "div.tflite", q, (1, 3), (1, 3), (1, 3), divisor=np.array([[1, q[3], 2]], np.int16))
    with pytest.raises(TqcError, match=r"op #0 DIV.*holds its zero point 7"):
        lower(path)


def test_mixed_types_are_refused(tmp_path: Path) -> None:
    tensors = [Tensor("a", (4,), "int16", 0.1, 0), Tensor("b", (4,), "int8", 0.1, 0),
               Tensor("y", (4,), "int16", 0.1, 0)]
    path = tmp_path / "div.tflite"
    write_model(path, tensors, [Op("DIV", ["a", "b"], ["y"])], ["a", "b"], ["y"])
    with pytest.raises(TqcError, match=r"op #0 DIV.*i16 / i8 → i16 is not supported"):
        lower(path)
