"""fold-pad (passes/fold_pad.py): PAD into the following convolution's padding. NumPy and C
against the reference on random PAD → CONV_2D / DEPTHWISE_CONV_2D models (extreme zero points,
asymmetric pads, strides), with the pass folding every PAD; a PAD of another value stays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.dialects import tqi
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, write_model


def _model(path: Path, seed: int, depthwise: bool, pad_value: int | None = None) -> Path:
    rng = np.random.default_rng(seed)
    dtype = "uint8" if seed % 2 else "int8"
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    zp = int([lo, hi, (lo + hi) // 2][seed % 3])
    h, w, c = (int(v) for v in rng.integers(2, 6, 3))
    pads = [[0, 0], *([int(a), int(b)] for a, b in rng.integers(0, 3, (2, 2))), [0, 0]]
    ph, pw = h + sum(pads[1]), w + sum(pads[2])
    k, s = int(rng.integers(1, min(ph, pw, 3) + 1)), int(rng.integers(1, 3))
    o = c if depthwise else int(rng.integers(1, 4))
    out = (1, (ph - k) // s + 1, (pw - k) // s + 1, o)
    filt = (1, k, k, c) if depthwise else (o, k, k, c)
    wq = Tensor("w", filt, dtype if dtype == "uint8" else "int8", 0.01,
                128 if dtype == "uint8" else 0, data=rng.integers(
                    1 if dtype == "uint8" else -127, 256 if dtype == "uint8" else 128, filt
                ).astype(dtype if dtype == "uint8" else "int8"))
    tensors = [Tensor("x", (1, h, w, c), dtype, 0.05, zp),
               Tensor("pads", (4, 2), "int32", data=np.array(pads, np.int32)),
               Tensor("p", (1, ph, pw, c), dtype, 0.05, zp), wq,
               Tensor("b", (o,), "int32", 0.05 * 0.01, 0,
                      data=rng.integers(-300, 300, o).astype(np.int32)),
               Tensor("y", out, dtype, 0.07, int((lo + hi) // 2))]
    ops = [Op("PAD", ["x", "pads"], ["p"])]
    if pad_value is not None:
        tensors.append(Tensor("v", (1,), dtype, 0.05, zp, data=np.array([pad_value], dtype)))
        ops = [Op("PADV2", ["x", "pads", "v"], ["p"])]
    opts = {"padding": "VALID", "stride_h": s, "stride_w": s}
    if depthwise:
        opts["depth_multiplier"] = 1
    ops.append(Op("DEPTHWISE_CONV_2D" if depthwise else "CONV_2D", ["p", "w", "b"], ["y"], opts))
    write_model(path, tensors, ops, ["x"], ["y"])
    return path


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("depthwise", [False, True])
def test_fold_pad_bit_exact(tmp_path: Path, seed: int, depthwise: bool) -> None:
    path = _model(tmp_path / "m.tflite", seed, depthwise)
    module = lower(path)
    assert not [op for op in module.walk() if isinstance(op, tqi.PadOp)], "the PAD did not fold"
    assert check_model(path, 4, seed, ("numpy", "c")) == []


def test_other_pad_value_stays(tmp_path: Path) -> None:
    path = _model(tmp_path / "m.tflite", 0, False, pad_value=5)
    assert [op for op in lower(path).walk() if isinstance(op, tqi.PadOp)]
    assert check_model(path, 4, 0, ("numpy",)) == []
