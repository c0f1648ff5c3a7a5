"""BROADCAST_TO (a maximum with the type's lowest value, broadcasting): random shapes of rank up
to 5, lower-rank inputs, the batch axis broadcast too; NumPy and C against TFLM for int8, uint8
(LiteRT REF has no BROADCAST_TO) and int16."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import run_backends
from differential import random_inputs

from tqc.pipeline import load_numpy_model
from tqc.reference import run_reference
from tqc.tflite_writer import Op, Tensor, write_model

ZPS = {"int8": -128, "uint8": 255, "int16": 0}


@pytest.mark.parametrize("kind", ["int8", "uint8", "int16"])
@pytest.mark.parametrize("seed", range(4))
def test_broadcast_to(tmp_path: Path, kind: str, seed: int) -> None:
    rng = np.random.default_rng(seed + 31 * len(kind))
    rank = int(rng.integers(2, 6))
    target = [int(v) for v in rng.integers(1, 5, rank)]
    if seed % 2:
        target[0] = 1
    src = [d if rng.random() < 0.5 else 1 for d in target][int(rng.integers(0, rank - 1)):]
    tensors = [Tensor("x", tuple(src), kind, 0.5, ZPS[kind]),
               Tensor("s", (rank,), "int32", data=np.array(target, np.int32)),
               Tensor("y", tuple(target), kind, 0.5, ZPS[kind])]
    path = tmp_path / "m.tflite"
    write_model(path, tensors, [Op("BROADCAST_TO", ["x", "s"], ["y"])], ["x"], ["y"])
    module = load_numpy_model(path)
    xs = random_inputs(module.INPUTS, 5, seed)
    (ref,) = run_reference(path, xs, "tflm")
    outputs, refused = run_backends(path, xs, ("numpy", "c"), [module.run(*xs)])
    assert not refused
    for name, (ours,) in outputs.items():
        assert ours.shape == ref.shape and ours.dtype == ref.dtype, name
        assert np.array_equal(ours, ref), name
