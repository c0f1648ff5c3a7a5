"""Verilog backend, RESIZE_BILINEAR of int8 images (`tqc_resize`, ResizeBilinearInteger):
bit-exact in simulation against TFLM and the NumPy backend; uint8 (LiteRT's float32 kernel)
is refused in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_verilog_backend import check_model, needs_sim

from tqc.backends.verilog.target import build_design
from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.targets import TargetOptions
from tqc.tflite_writer import Op, Tensor, write_model
from tqc.tqm import build_file

INPUTS = Path(__file__).parent / "filecheck" / "backends" / "verilog" / "Inputs"


@needs_sim
def test_resize_bilinear_bit_exact(tmp_path: Path) -> None:
    """Inputs/resize.tqm: 4x3 → 10x7 (half-pixel centers) → 3x4 (align corners), back to back
    with handshake gaps."""
    check_model(build_file(INPUTS / "resize.tqm", tmp_path / "resize.tflite"), 6, throttle=True)


def test_resize_bilinear_uint8_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.tflite"
    write_model(path, [Tensor("x", (1, 2, 2, 1), "uint8", 0.5, 0),
                       Tensor("s", (2,), "int32", data=np.array([4, 4], np.int32)),
                       Tensor("y", (1, 4, 4, 1), "uint8", 0.5, 0)],
                [Op("RESIZE_BILINEAR", ["x", "s"], ["y"])], ["x"], ["y"])
    with pytest.raises(TqcError, match=r"^op #0 RESIZE_BILINEAR 'y' \(tqi\.resize_bilinear\): "
                                       r"ui8 input \(LiteRT's float32 kernel\): no Verilog "
                                       r"hardware yet$"):
        build_design(lower(path), "m", TargetOptions(), vectors=False)
