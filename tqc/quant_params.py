"""Scale and zero point from a real range [min, max], as TFLite's converter and TF's fake-quant
compute them (what `tqc quant-params` prints).

Two computations, both "nudge the zero point to an integer so that real 0.0 is exact":

- ``converter`` — the TFLite (MLIR) converter turning a FakeQuant op's min/max into the tensor's
  quantization (`fakeQuantAttrsToType` / `getNudgedScaleAndZeroPoint`, MLIR quant
  `FakeQuantSupport.cpp`; the same steps as `ChooseQuantizationParams` in
  `tensorflow/lite/kernels/internal/quantization_util.h`), in **double**:
  a point range [0, 0] gives scale 0 and zero point 0;
  ``scale = (max - min) / (qmax - qmin)``; the zero point is solved from whichever end has the
  smaller error term ``|q| + |r / scale|`` (``qmin - min/scale`` or ``qmax - max/scale``), clamped
  to [qmin, qmax] and rounded half away from zero (C ``round``). The flatbuffer stores the scale
  as float32.
- ``fake-quant`` — TF's `FakeQuantWithMinMaxVars` (`Nudge` in
  `tensorflow/core/kernels/fake_quant_ops_functor.h`), what QAT trains with, in **float32**:
  ``scale = (max - min) / (qmax - qmin)``, ``zp = qmin - min / scale`` clamped to [qmin, qmax]
  and rounded half away from zero (``std::round``); ``nudged_min = (qmin - zp) · scale``,
  ``nudged_max = (qmax - zp) · scale``. Its grid is unsigned ([0, 2^bits - 1], [1, 2^bits - 1]
  narrow); the converter's int8 tensors are that grid shifted by -2^(bits-1).

``symmetric`` first widens the range as tfmot's `LastValueQuantize` / `MovingAvgQuantize` do
(`quant_ops.py`): ratio = -1 with narrow range, else -(2^bits - 2) / 2^bits;
``min' = min(min, max / ratio)``, ``max' = max(max, min · ratio)``; asymmetric ranges are first
widened to contain 0 (``min(min, 0)``, ``max(max, 0)``), as tfmot does. Per-axis: the same for
each channel (arrays of min and max).

Where the two differ: the converter's double arithmetic and choice of end can round the zero
point differently from fake-quant's float32 ``qmin - min/scale`` when it lies near .5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from tqc.errors import TqcError

Method = Literal["converter", "fake-quant"]
METHODS: tuple[str, ...] = ("converter", "fake-quant")


@dataclass(frozen=True)
class QuantParams:
    """Per channel (arrays of one element for per-tensor): the integer grid [qmin, qmax], the
    range after tfmot's widening, the scale (double, and as the float32 the file stores), the
    zero point, and the nudged range the grid represents exactly."""

    qmin: int
    qmax: int
    range_min: np.ndarray
    range_max: np.ndarray
    scale: np.ndarray  # float64 (converter) or float32 (fake-quant) values, as float64
    scale_f32: np.ndarray
    zero_point: np.ndarray  # int64
    nudged_min: np.ndarray
    nudged_max: np.ndarray

    def as_dict(self) -> dict[str, object]:
        def values(a: np.ndarray) -> list[float] | list[int]:
            return [int(v) for v in a] if a.dtype.kind == "i" else [float(v) for v in a]

        return {"qmin": self.qmin, "qmax": self.qmax, "min": values(self.range_min),
                "max": values(self.range_max), "scale": values(self.scale),
                "scale_float32": values(self.scale_f32), "zero_point": values(self.zero_point),
                "nudged_min": values(self.nudged_min), "nudged_max": values(self.nudged_max)}


def integer_grid(bits: int, signed: bool, narrow_range: bool) -> tuple[int, int]:
    """[qmin, qmax] of a `bits`-bit grid; narrow range drops the most negative value."""
    if not 2 <= bits <= 16:
        raise TqcError(f"--bits must be between 2 and 16, not {bits}")
    qmin, qmax = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return qmin + int(narrow_range), qmax


def widen_range(rmin: np.ndarray, rmax: np.ndarray, bits: int, narrow_range: bool,
                symmetric: bool) -> tuple[np.ndarray, np.ndarray]:
    """tfmot's range adjustment (float32, as its TF graph computes it): symmetric limits, or 0
    brought into the range."""
    rmin, rmax = rmin.astype(np.float32), rmax.astype(np.float32)
    if not symmetric:
        return np.minimum(rmin, np.float32(0)), np.maximum(rmax, np.float32(0))
    ratio = np.float32(-1.0 if narrow_range else -((1 << bits) - 2) / (1 << bits))
    return np.minimum(rmin, rmax / ratio), np.maximum(rmax, rmin * ratio)


def _round_half_away(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def converter_params(rmin: np.ndarray, rmax: np.ndarray, qmin: int, qmax: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(scale, zero point) per channel, MLIR `getNudgedScaleAndZeroPoint` in double. A point
    range [0, 0] gives scale 0 and zero point 0 (the converter's special case)."""
    lo, hi = rmin.astype(np.float64), rmax.astype(np.float64)
    point = lo == hi
    span = np.where(point, 1.0, hi - lo)
    scale = span / (float(qmax) - float(qmin))
    from_min, from_max = qmin - lo / scale, qmax - hi / scale
    err_min, err_max = abs(qmin) + np.abs(lo / scale), abs(qmax) + np.abs(hi / scale)
    zp = np.where(err_min < err_max, from_min, from_max)
    zp = np.where(zp < qmin, qmin, np.where(zp > qmax, qmax, _round_half_away(zp)))
    return np.where(point, 0.0, scale), np.where(point, 0, zp).astype(np.int64)


def fake_quant_params(rmin: np.ndarray, rmax: np.ndarray, qmin: int, qmax: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(scale, zero point) per channel, TF's float32 `Nudge`."""
    lo, hi = rmin.astype(np.float32), rmax.astype(np.float32)
    scale = (hi - lo) / np.float32(qmax - qmin)
    with np.errstate(divide="ignore", invalid="ignore"):
        from_min = np.float32(qmin) - lo / scale
    zp = np.where(from_min < qmin, qmin, np.where(from_min > qmax, qmax,
                                                  _round_half_away(from_min.astype(np.float64))))
    return scale.astype(np.float32).astype(np.float64), zp.astype(np.int64)


def quant_params(rmin: float | list[float] | np.ndarray, rmax: float | list[float] | np.ndarray,
                 bits: int = 8, narrow_range: bool = False, symmetric: bool = False,
                 signed: bool = True, method: Method = "converter") -> QuantParams:
    """Scale and zero point of the range [rmin, rmax] (scalars, or one per channel)."""
    lo = np.atleast_1d(np.asarray(rmin, dtype=np.float64))
    hi = np.atleast_1d(np.asarray(rmax, dtype=np.float64))
    if lo.shape != hi.shape or lo.ndim != 1:
        raise TqcError(f"--min and --max need the same number of values, got {lo.size} and {hi.size}")
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise TqcError("--min and --max must be finite numbers")
    bad = np.flatnonzero(lo > hi)
    if bad.size:
        k = int(bad[0])
        raise TqcError(f"channel {k}: min {lo[k]} is greater than max {hi[k]}")
    if method not in METHODS:
        raise TqcError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    qmin, qmax = integer_grid(bits, signed, narrow_range)
    lo32, hi32 = widen_range(lo, hi, bits, narrow_range, symmetric)
    if method == "converter":
        scale, zp = converter_params(lo32, hi32, qmin, qmax)
        nudged_min, nudged_max = (qmin - zp) * scale, (qmax - zp) * scale
    else:
        if (lo32 == hi32).any():
            k = int(np.flatnonzero(lo32 == hi32)[0])
            raise TqcError(f"channel {k}: fake-quant needs min < max")
        shift = qmin - int(narrow_range)  # TF's grid is unsigned: [0 or 1, 2^bits - 1]
        scale, zp = fake_quant_params(lo32, hi32, qmin - shift, qmax - shift)
        s32 = scale.astype(np.float32)
        nudged_min = ((qmin - shift - zp).astype(np.float32) * s32).astype(np.float64)
        nudged_max = ((qmax - shift - zp).astype(np.float32) * s32).astype(np.float64)
        zp = zp + shift
    return QuantParams(qmin, qmax, lo32.astype(np.float64), hi32.astype(np.float64), scale,
                       scale.astype(np.float32).astype(np.float64), zp, nudged_min, nudged_max)
