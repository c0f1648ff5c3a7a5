"""Verilog backend, the accumulating sum engine (`tqi.sum`: MEAN, global average pooling):
bit-exact simulation against the reference and the NumPy backend at extreme quantization."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_reduce_max import _model as reduce_model
from test_verilog_backend import check_model, needs_sim

from tqc.backends.verilog.emit_sum import axis_groups, output_strides
from tqc.tflite_writer import Op, Tensor, write_model
from tqc.tqm import build_file

INPUTS = Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"


def test_axis_groups() -> None:
    """Adjacent kept or reduced axes merge; size-1 axes drop out; strides are row-major."""
    groups = axis_groups((1, 7, 7, 1280), {1, 2})
    assert groups == [(49, False), (1280, True)]
    assert output_strides(groups) == [0, 1]
    groups = axis_groups((1, 3, 4, 5), {1, 3})
    assert groups == [(3, False), (4, True), (5, False)]
    assert output_strides(groups) == [0, 1, 0]
    groups = axis_groups((2, 3, 4, 5), {2})
    assert groups == [(6, True), (4, False), (5, True)]
    assert output_strides(groups) == [5, 0, 1]


def _mean_model(path: Path, shape: tuple[int, ...], axes: list[int], keep: bool, dtype: str,
                zps: tuple[int, int], ratio: float) -> Path:
    """MEAN with input scale 0.05 and output scale 0.05 / ratio; zero points `zps`."""
    out_shape = tuple(1 if a in [x % len(shape) for x in axes] else d for a, d in enumerate(shape)
                      if keep or a not in [x % len(shape) for x in axes])
    write_model(path, [Tensor("x", shape, dtype, 0.05, zps[0]),
                       Tensor("axes", (len(axes),), "int32", data=np.array(axes, np.int32)),
                       Tensor("y", out_shape, dtype, 0.05 / ratio, zps[1])],
                [Op("MEAN", ["x", "axes"], ["y"], {"keep_dims": keep})], ["x"], ["y"])
    return path


@needs_sim
def test_conv_mean_fc_bit_exact(tmp_path: Path) -> None:
    """Inputs/conv_mean_fc.tqm: CONV_2D → MEAN over H, W → RESHAPE → FULLY_CONNECTED, back to back
    with handshake gaps."""
    check_model(build_file(INPUTS / "conv_mean_fc.tqm", tmp_path / "mean.tflite"), 6, throttle=True)


@needs_sim
@pytest.mark.parametrize("shape,axes,keep,dtype,zps,ratio", [
    ((1, 4, 8), [-1], True, "int8", (-128, -128), 1 / 7),   # innermost reduced: one word
    pytest.param((1, 3, 4, 5), [1, 3], False, "uint8", (255, 255), 0.9,  # reduced, kept, reduced
                 marks=pytest.mark.slow),
    pytest.param((1, 6, 2, 3), [1], True, "int8", (0, 0), 1.0, marks=pytest.mark.slow),
])
def test_mean_axes_bit_exact(tmp_path: Path, shape: tuple[int, ...], axes: list[int],
                             keep: bool, dtype: str, zps: tuple[int, int], ratio: float) -> None:
    """Zero points at the range ends; output scales that keep the means inside the output
    type (so that a wrong sum shows)."""
    check_model(_mean_model(tmp_path / "m.tflite", shape, axes, keep, dtype, zps, ratio), 5,
                throttle=False)


@needs_sim
@pytest.mark.slow
def test_int16_reduce_min_bit_exact(tmp_path: Path) -> None:
    """int16 REDUCE_MIN (LiteRT REF's stored minimum): the 65536-entry reversal ROM and an int16
    max pool, against the reference and NumPy."""
    path = reduce_model(tmp_path / "reduce_min16.tflite", "REDUCE_MIN", "int16", 0, (1, 3, 5, 2),
                  [1, -1], keep=False)
    check_model(path, 4)
