"""Verilog backend, SVDF from its reset state (each sample from TFLM's reset state; stream mode
is refused): the lowering's concatenation of a slice of the constant reset state (a ROM: a
gather operand computed from constants by data movement) with the new column, and the int16
weights_time widened into the int32 product's join. Random ranks, memory sizes, feature sizes
and zero points (tests/test_svdf.py), int16 and int8 state, zero points at the ends of their
ranges; bit-exact in simulation against TFLM and the NumPy backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from op_models import Model, build
from test_svdf import Svdf, _random, _write
from test_verilog_backend import check_model, needs_sim

from tqc.tflite_writer import write_model


@needs_sim
def test_single_op_model_bit_exact(tmp_path: Path) -> None:
    model = build("SVDF", "int8")
    assert isinstance(model, Model)
    path = tmp_path / "svdf.tflite"
    write_model(path, model.tensors, model.ops, model.inputs, model.outputs)
    check_model(path, 4, throttle=True)


@needs_sim
@pytest.mark.parametrize("seed,state", [(0, "int16"), (100, "int8"),
                                        *(pytest.param(s, "int16", marks=pytest.mark.slow)
                                          for s in range(1, 4))])
def test_random_svdf_bit_exact(tmp_path: Path, seed: int, state: str) -> None:
    path = _write(tmp_path / f"svdf_{seed}.tflite", _random(seed, state), seed)
    check_model(path, 5, throttle=seed % 2 == 0)


@needs_sim
@pytest.mark.slow
@pytest.mark.parametrize("zero_points", [(-128, -32768, -128), (127, 32767, 127)])
def test_zero_points_at_the_ends_bit_exact(tmp_path: Path, zero_points: tuple[int, int, int]) -> None:
    s = Svdf(depth=16, units=3, rank=2, memory=10, zero_points=zero_points,
             scales=(1.0, 1.0, 1e-3, 1e-4, 1e-3))
    check_model(_write(tmp_path / "ends.tflite", s, 7), 4)
