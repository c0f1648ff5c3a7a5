"""Verilog backend, 16x8 kernels (int16 activations, int8 weights, int64 biases and
accumulators, the one-rounding `tqi.mul_shift_round64` requantize): bit-exact simulation
against TFLM and the NumPy backend."""

from __future__ import annotations

from pathlib import Path

from test_verilog_backend import check_model, needs_sim

from tqc.tqm import build_file

INPUTS = Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"


@needs_sim
def test_int16_conv_dw_pool_fc_bit_exact(tmp_path: Path) -> None:
    """Inputs/int16.tqm: CONV_2D → DEPTHWISE_CONV_2D → AVERAGE_POOL_2D → FULLY_CONNECTED whose
    int64 biases near ±2^38 reach the results through a right shift of 50."""
    check_model(build_file(INPUTS / "int16.tqm", tmp_path / "int16.tflite"), 6, throttle=True)
