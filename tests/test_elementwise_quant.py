"""MAXIMUM / MINIMUM with input quantization different from the output's: the reference
kernels compare and copy stored integers without rescaling; so must we."""

from __future__ import annotations

from pathlib import Path

from differential import compare
from tqc.tqm import build_file

MODEL = """
model maxmin
input  a : int8[1,3,4]  scale=0.02  zp=-128
input  b : int8[1,1,4]  scale=0.5  zp=10
tensor y : int8[1,3,4]  scale=0.1  zp=3
tensor z : int8[1,3,4]  scale=0.3  zp=-3
y = MAXIMUM(a, b)
z = MINIMUM(y, a)
output z
"""


def test_max_min_mixed_quantization(tmp_path: Path) -> None:
    source = tmp_path / "maxmin.tqm"
    source.write_text(MODEL)
    target = tmp_path / "maxmin.tflite"
    build_file(source, target)
    assert compare(target, n=8) == "tflm"
