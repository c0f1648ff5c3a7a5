"""NEG int8 / int16 (LiteRT REF negates the stored values; passes/lowering/neg.py): every stored
value through NumPy, C and Verilog against LiteRT REF, and the refused quantizations."""

from __future__ import annotations

from pathlib import Path

import pytest
from backends_check import check_model
from test_verilog_backend import check_model as check_verilog
from test_verilog_backend import needs_sim

from tqc.errors import TqcError
from tqc.passes.lowering.neg import neg_table
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model


def _model(path: Path, kind: str, shape: tuple[int, ...], scales: tuple[float, float] = (0.05, 0.05),
           zps: tuple[int, int] = (0, 0)) -> Path:
    tensors = [Tensor("x", shape, kind, scales[0], zps[0]), Tensor("y", shape, kind, scales[1], zps[1])]
    write_model(path, tensors, [Op("NEG", ["x"], ["y"])], ["x"], ["y"])
    return path


def test_table_wraps_the_lowest_value() -> None:
    t = neg_table("i8")
    assert (t[0], t[1], t[128], t[255]) == (-128, 127, 0, -127)
    assert neg_table("i16")[0] == -32768


@pytest.mark.parametrize("kind", ["int8", "int16"])
def test_bit_exact_with_litert_ref(tmp_path: Path, kind: str) -> None:
    """Random shapes; the first two samples are all-minimum (the wrapping value) and all-maximum."""
    path = _model(tmp_path / "neg.tflite", kind, (1, 5, 3, 7), (0.0003, 0.0003))
    assert check_model(path, 6, 2, ("numpy", "c")) == []


@pytest.mark.parametrize("scales, zps", [((0.05, 0.1), (0, 0)), ((0.05, 0.05), (-3, 0)),
                                         ((0.05, 0.05), (0, 5))])
def test_other_quantizations_are_refused(tmp_path: Path, scales: tuple[float, float],
                                         zps: tuple[int, int]) -> None:
    path = _model(tmp_path / "neg.tflite", "int8", (1, 4), scales, zps)
    with pytest.raises(TqcError, match=r"op #0 NEG.*needs zero points 0 and equal input and "
                                       "output scales"):
        lower(path)


@needs_sim
def test_verilog_bit_exact(tmp_path: Path) -> None:
    path = _model(tmp_path / "neg8.tflite", "int8", (1, 2, 3, 4))
    check_verilog(path, 4)
