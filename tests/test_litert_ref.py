"""`--reference litert-ref`: LiteRT BUILTIN_REF's int8 FULLY_CONNECTED rounds once (TFLM twice);
tqc matches it bit for bit, per-tensor and per-channel, and the default (tflm) does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from differential import random_inputs

from tqc.pipeline import identifier, io_specs, lower
from tqc.reference import run_reference_with_runtime
from tqc.targets import TargetOptions, get_target
from tqc.tqm import build_file

FC = """
input  x : int8[3,40]  scale={sx} zp={zx}
const  w : int8[6,40]  scale={sw} zp=0  random(seed={seed})
const  b : int32[6]  scale=auto  data=[100, -200, 3000, -40, 5, 0]
tensor y : int8[3,6]  scale={sy} zp={zy}
y = FULLY_CONNECTED(x, w, b)
output y
"""


def _models(tmp_path: Path) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for k in range(6):
        per_channel = [f"{float(np.float32(v))!r}" for v in rng.uniform(0.001, 0.05, 6)]
        sw = f"[{', '.join(per_channel)}]" if k % 2 else f"{float(np.float32(0.013 + k / 100))!r}"
        text = FC.format(sx=f"{float(np.float32(rng.uniform(0.005, 0.05)))!r}",
                         zx=[-128, 127, 0][k % 3], sw=sw, seed=k,
                         sy=f"{float(np.float32(rng.uniform(0.02, 0.3)))!r}", zy=[127, -128, 3][k % 3])
        source = tmp_path / f"fc{k}.tqm"
        source.write_text(text)
        paths.append(tmp_path / f"fc{k}.tflite")
        build_file(source, paths[-1])
    return paths


def _differing(paths: list[Path], reference: str, target: str) -> int:
    count = 0
    for path in paths:
        module = lower(path, reference=reference)
        xs = random_inputs(io_specs(module)[0], 60, seed=1)
        (ref,), used = run_reference_with_runtime(path, xs, "litert-ref")
        assert used == "litert-ref"
        (ours,) = get_target(target).run(module, identifier(path.stem), xs, TargetOptions()).outputs
        count += int((np.asarray(ours) != ref).sum())
    return count


@pytest.mark.parametrize("target", ["numpy", "c"])
def test_int8_fully_connected_equals_litert_ref(tmp_path: Path, target: str) -> None:
    assert _differing(_models(tmp_path), "litert-ref", target) == 0


def test_tflm_arithmetic_differs_from_litert_ref(tmp_path: Path) -> None:
    assert _differing(_models(tmp_path), "tflm", "numpy") > 0
