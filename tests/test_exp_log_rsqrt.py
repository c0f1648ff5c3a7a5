"""EXP, LOG, RSQRT int8 / int16 (passes/lowering/exp_log_rsqrt.py): every stored value through
NumPy and C against the reference at ordinary and extreme quantizations — EXP and LOG against
LiteRT BUILTIN_REF (TFLM has no quantized EXP or LOG), RSQRT int8 against TFLM (and LiteRT REF
with --reference litert-ref), RSQRT int16 against LiteRT REF — the refusals, Verilog simulation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model, run_backends
from test_verilog_backend import check_model as check_verilog
from test_verilog_backend import needs_sim

import tqc
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model, lower
from tqc.reference import run_reference
from tqc.tflite_writer import Op, Tensor, write_model

# (S_in, zp_in, S_out, zp_out): exp's output overflows int32 at the top of the range for the
# "overflow" case (LiteRT's cast gives INT32_MIN there, clamped to the type's minimum).
INT8 = {
    "ordinary": (0.05, -3, 0.5, -128),
    "wide input": (0.1, 0, 1e-3, -100),
    "overflow": (1.0, 0, 1e-6, 0),
    "tiny": (1e-4, 60, 1e-5, 127),
    "zp max": (0.02, 127, 0.01, -128),
}
INT16 = {
    "ordinary": (10.0 / 32768, 0, 1.0 / 32768, 0),
    "wide": (8.0 / 32768, 0, 3000.0 / 32768, 0),
}


def _model(path: Path, opcode: str, kind: str, q: tuple[float, int, float, int],
           shape: tuple[int, ...]) -> Path:
    tensors = [Tensor("x", shape, kind, q[0], q[1]), Tensor("y", shape, kind, q[2], q[3])]
    write_model(path, tensors, [Op(opcode, ["x"], ["y"])], ["x"], ["y"])
    return path


def _every_value(kind: str, lowest: int | None = None) -> np.ndarray:
    info = np.iinfo(kind)
    return np.arange(info.min if lowest is None else lowest, info.max + 1, dtype=kind)[None, None]


def _check_every_value(path: Path, kind: str, runtime: str = "litert-ref",
                       lowest: int | None = None) -> None:
    xs = [_every_value(kind, lowest)]
    ref = run_reference(path, xs, runtime=runtime)[0]
    outputs, refused = run_backends(path, xs, ("numpy", "c"),
                                    [np.asarray(load_numpy_model(path).run(*xs))])
    assert refused == []
    for backend, (ours,) in outputs.items():
        bad = np.flatnonzero(ours != ref)
        assert bad.size == 0, (f"{backend}: {bad.size} values differ from LiteRT REF, first at "
                               f"x={xs[0].ravel()[bad[0]]}: {ours.ravel()[bad[0]]} vs "
                               f"{ref.ravel()[bad[0]]}")


@pytest.mark.parametrize("opcode", ["EXP", "LOG"])
@pytest.mark.parametrize("name", list(INT8))
def test_int8_every_value(tmp_path: Path, opcode: str, name: str) -> None:
    _check_every_value(_model(tmp_path / "m.tflite", opcode, "int8", INT8[name], (1, 1, 256)),
                       "int8")


@pytest.mark.parametrize("opcode", ["EXP", "LOG"])
@pytest.mark.parametrize("name", list(INT16))
def test_int16_every_value(tmp_path: Path, opcode: str, name: str) -> None:
    _check_every_value(_model(tmp_path / "m.tflite", opcode, "int16", INT16[name], (1, 1, 65536)),
                       "int16")


# RSQRT (S_in, zp_in, S_out, zp_out): a layer norm's variance → 1/sqrt, and extremes.
RSQRT8 = {
    "layer norm": (2e-3, -128, 0.05, -128),
    "wide": (0.5, -128, 0.004, -128),
    "tiny input": (1e-6, -10, 5.0, 0),
    "saturating": (1e-4, 100, 0.01, 0),
}
RSQRT16 = {"ordinary": (4.0 / 32768, 0, 30.0 / 32768, 0), "small": (0.01 / 32768, 0, 1.0 / 32, 0)}


@pytest.mark.parametrize("name", list(RSQRT8))
def test_rsqrt_int8_every_valid_value(tmp_path: Path, name: str) -> None:
    """Inputs at or above the zero point (the runtimes fail on the others)."""
    q = RSQRT8[name]
    path = _model(tmp_path / "m.tflite", "RSQRT", "int8", q, (1, 1, 128 - q[1]))
    _check_every_value(path, "int8", "tflm", q[1])


@pytest.mark.parametrize("name", list(RSQRT8))
def test_rsqrt_int8_litert_reference(tmp_path: Path, name: str) -> None:
    """--reference litert-ref: LiteRT's float32 sqrt · scale product in the multiplier."""
    q = RSQRT8[name]
    path = _model(tmp_path / "m.tflite", "RSQRT", "int8", q, (1, 1, 128 - q[1]))
    xs = [_every_value("int8", q[1])]
    ref = run_reference(path, xs, runtime="litert-ref")[0]
    for target in ("numpy", "c"):
        ours = tqc.load(path, reference="litert-ref").run(*xs, target=target)[0]
        assert np.array_equal(ours, ref), target


@pytest.mark.parametrize("name", list(RSQRT16))
def test_rsqrt_int16_every_valid_value(tmp_path: Path, name: str) -> None:
    path = _model(tmp_path / "m.tflite", "RSQRT", "int16", RSQRT16[name], (1, 1, 32768))
    _check_every_value(path, "int16", "litert-ref", 0)


def test_random_shape(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "EXP", "int8", INT8["ordinary"], (1, 3, 5, 7))
    assert check_model(path, 5, 1, ("numpy", "c")) == []


@pytest.mark.parametrize("opcode", ["EXP", "LOG"])
@pytest.mark.parametrize("zps", [(1000, 0), (0, -2000)])
def test_int16_zero_points_refused(tmp_path: Path, opcode: str, zps: tuple[int, int]) -> None:
    """LiteRT's Prepare refuses int16 zero points other than 0 (exp.cc, elementwise.cc)."""
    q = (5.0 / 32768, zps[0], 20.0 / 32768, zps[1])
    path = _model(tmp_path / "m.tflite", opcode, "int16", q, (1, 4))
    with pytest.raises(TqcError, match=rf"op #0 {opcode}.*int16 needs zero points 0"):
        lower(path)


def test_uint8_refused(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", "EXP", "uint8", (0.05, 128, 0.5, 0), (1, 4))
    with pytest.raises(TqcError, match=r"op #0 EXP.*ui8 → ui8 is not supported"):
        lower(path)


@needs_sim
@pytest.mark.parametrize("kind", ["int8", "int16"])
def test_verilog_bit_exact(tmp_path: Path, kind: str) -> None:
    q = INT8["ordinary"] if kind == "int8" else INT16["ordinary"]
    check_verilog(_model(tmp_path / f"log_{kind}.tflite", "LOG", kind, q, (1, 2, 3, 4)), 4)
