"""ABS (int8, int16) and ELU (int8), tables of the reference arithmetic: zero points at the ends
of the range, scale ratios over many octaves (and equal scales: ABS's no-rescale path), NumPy
and C against TFLM; the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model


def _model(path: Path, opcode: str, kind: str, q_in: tuple[float, int], q_out: tuple[float, int]) -> Path:
    tensors = [Tensor("x", (1, 16, 16), kind, *q_in), Tensor("y", (1, 16, 16), kind, *q_out)]
    write_model(path, tensors, [Op(opcode, ["x"], ["y"])], ["x"], ["y"])
    return path


@pytest.mark.parametrize("opcode,kind", [("ABS", "int8"), ("ABS", "int16"), ("ELU", "int8")])
@pytest.mark.parametrize("seed", range(4))
def test_table_op(tmp_path: Path, opcode: str, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed + len(opcode) + len(kind))
    zps = (0,) if kind == "int16" else (-128, 127, 0, -5)
    s_in = (0.05 if kind == "int8" else 3e-4) * 2.0 ** float(rng.uniform(-5, 5))
    s_out = s_in if seed == 0 else s_in * 2.0 ** float(rng.uniform(-6, 6))
    path = _model(tmp_path / "m.tflite", opcode, kind, (s_in, zps[seed % len(zps)]),
                  (s_out, zps[(seed + 1) % len(zps)]))
    assert check_model(path, 4, seed, ("numpy", "c")) == []


def test_uint8_abs_is_refused(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "ABS", "uint8", (0.1, 128), (0.1, 0))
    with pytest.raises(TqcError, match="op #0 ABS: ui8 → ui8 is not supported"):
        lower(path)


def test_int16_abs_zero_points_are_refused(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "ABS", "int16", (0.1, 3), (0.1, 0))
    with pytest.raises(TqcError, match="op #0 ABS: int16 needs zero points 0"):
        lower(path)
