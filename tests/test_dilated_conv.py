"""Dilated convolutions as TensorFlow's converter writes them for Keras (SPACE_TO_BATCH_ND →
CONV_2D / DEPTHWISE_CONV_2D → BATCH_TO_SPACE_ND), folded by fold-dilated-conv into one dilated
conv: NumPy and C bit-exact against the reference on the unfolded model (TFLM for int8; TFLM
has no int16 SPACE_TO_BATCH_ND, so int16 falls back to LiteRT REF); and the refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model, lower
from tqc.reference import run_reference
from tqc.tflite_reader import read_model
from tqc.tflite_writer import Op, Tensor, write_model

ACTS = ["NONE", "RELU", "RELU6"]


def dilated_model(path: Path, case: int, dtype: str, depthwise: bool, padding: str,
                  zero_point: int | None = None, shift_top: tuple[int, int] = (0, 0),
                  inner_padding: str = "VALID") -> Path:
    """Keras' pattern: paddings = the conv's SAME (or VALID: none) padding plus what makes the
    padded size a multiple of the block, crops = that extra at the end. `shift_top` adds rows to
    the top padding and the top crop (pad, crop) to build inexact patterns."""
    rng = np.random.default_rng(1000 + case + 100 * (dtype == "int16") + 50 * depthwise)
    h, w = (int(v) for v in rng.integers(4, 11, 2))
    c = int(rng.integers(1, 5))
    o = c * int(rng.integers(1, 3)) if depthwise else int(rng.integers(1, 5))
    kh, kw = (int(v) for v in rng.integers(1, 4, 2))
    dh, dw = (int(v) for v in rng.integers(2, 4, 2))
    h, w = max(h, (kh - 1) * dh + 1), max(w, (kw - 1) * dw + 1)  # VALID: at least one output
    base = [[0, 0], [0, 0]]
    if padding == "SAME":
        th, tw = (kh - 1) * dh, (kw - 1) * dw
        base = [[th // 2, th - th // 2], [tw // 2, tw - tw // 2]]
    pads, crops = [], []
    for axis, ((a, b), size, d) in enumerate(zip(base, (h, w), (dh, dw))):
        top_pad, top_crop = shift_top if axis == 0 else (0, 0)
        extra = (-(size + a + b + top_pad)) % d
        pads.append([a + top_pad, b + extra])
        crops.append([top_crop, extra])
    bh, bw = (h + sum(pads[0])) // dh, (w + sum(pads[1])) // dw
    coh, cow = (bh - kh + 1, bw - kw + 1) if inner_padding == "VALID" else (bh, bw)
    oh, ow = coh * dh - sum(crops[0]), cow * dw - sum(crops[1])
    sx = float(10 ** rng.uniform(-4, -1))
    sws = [float(10 ** rng.uniform(-3, -1)) for _ in range(o)]
    so = sx * max(sws) * kh * kw * c * float(10 ** rng.uniform(0, 2)) * (
        1000 if dtype == "int16" else 1)
    ends = [-128, 127, 0, int(rng.integers(-128, 128))]
    zx = zero_point if zero_point is not None else ends[case % 4] if dtype == "int8" else 0
    zo = ends[(case + 1) % 4] if dtype == "int8" else 0
    wt = rng.integers(-127, 128, (1, kh, kw, o) if depthwise else (o, kh, kw, c)).astype(np.int8)
    bt = "int32" if dtype == "int8" else "int64"
    nb = dh * dw
    tensors = [Tensor("x", (1, h, w, c), dtype, sx, zx),
               Tensor("block", (2,), "int32", data=np.array([dh, dw], np.int32)),
               Tensor("pads", (2, 2), "int32", data=np.array(pads, np.int32)),
               Tensor("crops", (2, 2), "int32", data=np.array(crops, np.int32)),
               Tensor("sb", (nb, bh, bw, c), dtype, sx, zx),
               Tensor("w", wt.shape, "int8", sws, [0] * o, 3 if depthwise else 0, wt),
               Tensor("b", (o,), bt, [sx * s for s in sws], [0] * o, 0,
                      rng.integers(-2**16, 2**16, o).astype(bt)),
               Tensor("cv", (nb, coh, cow, o), dtype, so, zo),
               Tensor("y", (1, oh, ow, o), dtype, so, zo)]
    opts = {"padding": inner_padding, "fused_activation_function": ACTS[case % 3]}
    if depthwise:
        opts["depth_multiplier"] = o // c
    ops = [Op("SPACE_TO_BATCH_ND", ["x", "block", "pads"], ["sb"]),
           Op("DEPTHWISE_CONV_2D" if depthwise else "CONV_2D", ["sb", "w", "b"], ["cv"], opts),
           Op("BATCH_TO_SPACE_ND", ["cv", "block", "crops"], ["y"])]
    write_model(path, tensors, ops, ["x"], ["y"])
    return path


@pytest.mark.parametrize("case", range(6))
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("depthwise", [False, True], ids=["conv", "depthwise"])
@pytest.mark.parametrize("dtype", ["int8", "int16"])
def test_dilated_conv(tmp_path: Path, case: int, padding: str, depthwise: bool,
                      dtype: str) -> None:
    """VALID never reads the padding: zero points at the ends of the range fold. SAME reads it:
    zero point 0 (see test_same_padding_with_a_zero_point_is_refused)."""
    path = dilated_model(tmp_path / "m.tflite", case, dtype, depthwise, padding,
                         zero_point=0 if padding == "SAME" else None)
    assert check_model(path, 4, case, ("numpy", "c")) == []


def test_same_padding_with_a_zero_point_is_refused(tmp_path: Path) -> None:
    """TFLM's SPACE_TO_BATCH_ND pads with a value it never sets (not the zero point): on this
    model the TFLM wheel and LiteRT REF disagree, and tqc refuses rather than pick one."""
    path = dilated_model(tmp_path / "m.tflite", 0, "int8", False, "SAME", zero_point=-128)
    x = np.random.default_rng(0).integers(-128, 128, (3, *shape_of(path)[1:])).astype(np.int8)
    tflm, litert = run_reference(path, [x], "tflm")[0], run_reference(path, [x], "litert-ref")[0]
    assert (tflm != litert).any()
    with pytest.raises(TqcError, match="SPACE_TO_BATCH_ND: dilated convolution .* input zero "
                                       "point -128 with SAME padding .*references disagree"):
        load_numpy_model(path)


def shape_of(path: Path) -> tuple[int, ...]:
    return read_model(path).tensors[0].shape


def test_the_pattern_folds_into_one_conv(tmp_path: Path) -> None:
    path = dilated_model(tmp_path / "m.tflite", 1, "int8", False, "SAME", zero_point=0)
    text = str(lower(path))
    assert text.count("tqi.conv_2d") == 1 and "tqi.transpose" not in text


def test_shifted_but_exact_padding_folds(tmp_path: Path) -> None:
    """One more padded row on top, cropped again: still SAME."""
    path = dilated_model(tmp_path / "m.tflite", 2, "int8", False, "SAME", zero_point=0,
                         shift_top=(1, 1))
    assert check_model(path, 4, 0, ("numpy", "c")) == []


@pytest.mark.parametrize("kwargs, message", [
    ({"shift_top": (1, 0)}, r"paddings \[.*\] and crops \[.*\] are neither SAME nor VALID"),
    ({"inner_padding": "SAME"}, "the inner conv is not a stride-1, undilated VALID conv"),
    ({"dtype": "int16", "zero_point": 5}, "int16 input zero point 5"),
])
def test_inexact_patterns_are_refused(tmp_path: Path, kwargs: dict, message: str) -> None:
    args = {"case": 3, "dtype": "int8", "depthwise": False, "padding": "SAME", **kwargs}
    path = dilated_model(tmp_path / "m.tflite", **args)
    with pytest.raises(TqcError, match="SPACE_TO_BATCH_ND: dilated convolution .* is not "
                                       f"supported: {message}[^\n]*$"):
        load_numpy_model(path)


def test_standalone_space_to_batch_is_data_movement(tmp_path: Path) -> None:
    """Not a dilated conv: lowered on its own (tests/test_space_batch.py), no conv."""
    path = tmp_path / "m.tflite"
    write_model(path, [Tensor("x", (1, 4, 4, 1), "int8", 0.1, 0),
                       Tensor("block", (2,), "int32", data=np.array([2, 2], np.int32)),
                       Tensor("pads", (2, 2), "int32", data=np.zeros((2, 2), np.int32)),
                       Tensor("y", (4, 2, 2, 1), "int8", 0.1, 0)],
                [Op("SPACE_TO_BATCH_ND", ["x", "block", "pads"], ["y"])], ["x"], ["y"])
    assert "tqi.transpose" in str(lower(path))
    assert check_model(path, 4, 0, ("numpy",)) == []
