"""DIV (int8, TFLM): every one of the 65536 int8 pairs against TFLM at ordinary and extreme
quantizations (tiny and huge scales, zero points at the ends of the range, exact ties of the
quotient, the divisor at its zero point), NumPy and C; random broadcasting shapes with fused
activations; the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model, run_backends
from test_c_backend import check_c

from tqc.backends.verilog import sim
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model, lower
from tqc.reference import run_reference
from tqc.tflite_writer import Op, Tensor, write_model

PAIRS = 65536
# (S1, zp1, S2, zp2, S_out, zp_out)
QUANTIZATIONS = {
    "ordinary": (0.05, -3, 0.035, 7, 0.0625, 5),
    "zero_points_at_the_ends": (0.5, -128, 0.001, 127, 0.9, -128),
    "exact_ties": (3.0, 10, 0.02, -20, 200.0, -100),  # multiplier 0.75: ties decided in double
    "tiny_over_one": (1e-6, 0, 1.0, 0, 1000.0, 0),
    "huge_quotients": (0.02, 0, 0.02, 0, 0.0001, 0),
    "multiplier_flushed_to_zero": (1e-6, -128, 100.0, 127, 1000.0, 127),  # 1e-11 < 2^-32
    "multiplier_2e6": (100.0, 0, 0.0001, -1, 0.5, 0),
}
SLOW = {"tiny_over_one", "huge_quotients", "multiplier_2e6"}


def _all_pairs_model(path: Path, q: tuple[float, int, float, int, float, int],
                     activation: str = "NONE") -> Path:
    s1, z1, s2, z2, so, zo = q
    tensors = [Tensor("a", (PAIRS,), "int8", s1, z1), Tensor("b", (PAIRS,), "int8", s2, z2),
               Tensor("y", (PAIRS,), "int8", so, zo)]
    write_model(path, tensors, [Op("DIV", ["a", "b"], ["y"], {"fused_activation_function": activation})],
                ["a", "b"], ["y"])
    return path


def _all_pairs() -> list[np.ndarray]:
    values = np.arange(-128, 128)
    return [np.repeat(values, 256).astype(np.int8)[None], np.tile(values, 256).astype(np.int8)[None]]


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n
                                  for n in QUANTIZATIONS])
def test_every_int8_pair_matches_tflm(tmp_path: Path, name: str) -> None:
    path = _all_pairs_model(tmp_path / "div.tflite", QUANTIZATIONS[name])
    xs = _all_pairs()
    ref = run_reference(path, xs, runtime="tflm")[0]
    outputs, refused = run_backends(path, xs, ("numpy", "c"),
                                    [np.asarray(load_numpy_model(path).run(*xs))])
    assert refused == []
    for backend, (ours,) in outputs.items():
        bad = np.count_nonzero(ours != ref)
        assert bad == 0, f"{backend}: {bad} of {PAIRS} pairs differ from TFLM"


def test_fused_relu6_clamps_the_table(tmp_path: Path) -> None:
    path = _all_pairs_model(tmp_path / "div.tflite", QUANTIZATIONS["ordinary"], "RELU6")
    xs = _all_pairs()
    ref = run_reference(path, xs, runtime="tflm")[0]
    assert np.array_equal(np.asarray(load_numpy_model(path).run(*xs)), ref)


@pytest.mark.parametrize("seed", range(4))
def test_random_broadcasting_shapes(tmp_path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = tuple(int(v) for v in rng.integers(2, 5, 3))
    other = tuple(1 if rng.random() < 0.5 else d for d in shape[int(rng.integers(0, 3)):])
    s1, s2, so = (float(10 ** rng.uniform(-3, 1)) for _ in range(3))
    z1, z2, zo = (int(v) for v in rng.integers(-128, 128, 3))
    activation = str(rng.choice(["NONE", "RELU", "RELU_N1_TO_1"]))
    path = tmp_path / "div.tflite"
    tensors = [Tensor("a", shape, "int8", s1, z1), Tensor("b", other, "int8", s2, z2),
               Tensor("y", shape, "int8", so, zo)]
    write_model(path, tensors, [Op("DIV", ["a", "b"], ["y"], {"fused_activation_function": activation})],
                ["a", "b"], ["y"])
    assert check_model(path, 6, seed, ("numpy", "c")) == []


def test_uint8_is_refused_as_tflm_does(tmp_path: Path) -> None:
    path = tmp_path / "div_u8.tflite"
    tensors = [Tensor("a", (4,), "uint8", 0.1, 128), Tensor("b", (4,), "uint8", 0.1, 128),
               Tensor("y", (4,), "uint8", 0.1, 128)]
    write_model(path, tensors, [Op("DIV", ["a", "b"], ["y"])], ["a", "b"], ["y"])
    with pytest.raises(TqcError, match=r"op #0 DIV.*TFLM divides int8 only"):
        lower(path)


@pytest.mark.slow
@pytest.mark.skipif(sim.verilator_command() is None, reason="verilator not installed")
@pytest.mark.parametrize("other", [(1, 2, 3), (1, 1, 3)])
def test_verilog_simulation_matches_tflm(tmp_path: Path, other: tuple[int, ...]) -> None:
    """The table lowering runs on the Verilog backend's existing element-wise hardware (the
    65536-entry table as a ROM), the divisor broadcast or not."""
    path = tmp_path / "div.tflite"
    tensors = [Tensor("a", (1, 2, 3), "int8", 0.05, -3), Tensor("b", other, "int8", 0.035, 7),
               Tensor("y", (1, 2, 3), "int8", 0.0625, 5)]
    write_model(path, tensors, [Op("DIV", ["a", "b"], ["y"])], ["a", "b"], ["y"])
    assert check_model(path, 5, 1, ("numpy", "c", "verilog")) == []


def test_c_sanitized(tmp_path: Path) -> None:
    """C built -O2 and with -fsanitize=address,undefined equals NumPy and TFLM (the divisor at
    its zero point among the random samples: index arithmetic and table lookup only)."""
    path = tmp_path / "div.tflite"
    tensors = [Tensor("a", (1, 4, 9), "int8", 0.5, -128), Tensor("b", (1, 1, 9), "int8", 0.001, 127),
               Tensor("y", (1, 4, 9), "int8", 0.9, -128)]
    write_model(path, tensors, [Op("DIV", ["a", "b"], ["y"])], ["a", "b"], ["y"])
    check_c(path, tmp_path, n=6, seed=2)
