"""Verilog backend, 16x8 kernels (int16 activations, int8 weights, int64 biases and
accumulators, the one-rounding `tqi.mul_shift_round64` requantize) and int16 SOFTMAX
(`tqi.softmax_lut`): bit-exact simulation against TFLM and the NumPy backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from differential import shared_model
from test_verilog_backend import check_model, needs_sim

from tqc.tflite_writer import Op, Tensor, write_model
from tqc.tqm import build_file

INPUTS = Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"


@needs_sim
def test_int16_conv_dw_pool_fc_bit_exact(tmp_path: Path) -> None:
    """Inputs/int16.tqm: CONV_2D → DEPTHWISE_CONV_2D → AVERAGE_POOL_2D → FULLY_CONNECTED whose
    int64 biases near ±2^38 reach the results through a right shift of 50."""
    check_model(build_file(INPUTS / "int16.tqm", tmp_path / "int16.tflite"), 6, throttle=True)


def _softmax16_model(path: Path, shape: tuple[int, ...], scale: float, beta: float) -> Path:
    write_model(path, [Tensor("x", shape, "int16", scale, 0),
                       Tensor("y", shape, "int16", 1 / 32768, 0)],
                [Op("SOFTMAX", ["x"], ["y"], {"beta": beta})], ["x"], ["y"])
    return path


@needs_sim
@pytest.mark.parametrize("shape,scale,beta", [
    ((1, 3, 12), 0.002, 1.0), pytest.param((1, 1), 0.5, 1.0, marks=pytest.mark.slow),
    pytest.param((1, 2, 40), 3e-4, 0.3, marks=pytest.mark.slow)])
def test_int16_softmax_bit_exact(tmp_path: Path, shape: tuple[int, ...], scale: float,
                                 beta: float) -> None:
    """`tqi.softmax_lut` (tqc_softmax16): rows near their maximum, one-element rows, differences
    beyond the exp LUT's range."""
    check_model(_softmax16_model(tmp_path / "s.tflite", shape, scale, beta), 6, throttle=True)


@needs_sim
@pytest.mark.slow
def test_ds_cnn_small_int16x8_bit_exact() -> None:
    """ARM ML-zoo DS-CNN small, int16x8: CONV_2D, 4 x (DEPTHWISE_CONV_2D, CONV_2D) with int64
    accumulators, AVERAGE_POOL_2D on int16, FULLY_CONNECTED, int16 SOFTMAX."""
    check_model(shared_model("armmlzoo_ds_cnn_small_int16x8.tflite"), 3)


@needs_sim
def test_int16_table_bit_exact(tmp_path: Path) -> None:
    """Inputs/leaky_int16.tqm: int16 LEAKY_RELU, a 65536-entry table as a ROM file."""
    check_model(build_file(INPUTS / "leaky_int16.tqm", tmp_path / "leaky.tflite"), 6,
                throttle=True)
