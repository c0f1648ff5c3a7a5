"""`tqc explain` / `Model.explain()`: every op kind gets its numbers and steps, read from the
lowered IR; the numbers follow --rounding; the accumulator bound is exact on a known FC."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tqc
from tqc.cli import main
from tqc.semantics.quant_math import quantize_multiplier

FIXTURES = Path(__file__).resolve().parent / "fixtures"

EVERY_KIND = """model kinds
input  x : float32[1,4,4,2]
tensor q : int8[1,4,4,2]   scale=0.05 zp=-10
tensor a : int8[1,4,4,2]   scale=0.08 zp=3
tensor p : int8[1,2,2,2]   scale=0.08 zp=3
const  axes : int32[2] data=[1, 2]
tensor m : int8[1,2]       scale=0.03 zp=-1
tensor y : float32[1,2]
q = QUANTIZE(x)
a = ADD(q, q) activation=RELU
p = AVERAGE_POOL_2D(a) filter=2 stride=2 padding=VALID
m = MEAN(p, axes) keep_dims=false
y = DEQUANTIZE(m)
output y
"""

# x' = x + 128 in [0, 255]; w + 0; acc = b + sum(x' * w): channel 0 in [-5 + 255*(-3), -5 + 255*2]
FC = """model fc
input  x : int8[1,2]    scale=0.5 zp=-128
const  w : int8[2,2]    scale=0.25 zp=0 data=[[2, -3], [1, 1]]
const  b : int32[2]     scale=auto data=[-5, 7]
tensor y : int8[1,2]    scale=3 zp=4
y = FULLY_CONNECTED(x, w, b) activation=RELU
output y
"""


def _model(tmp_path: Path, text: str, name: str) -> Path:
    path = tmp_path / f"{name}.tqm"
    path.write_text(text)
    return path


def test_every_op_kind_is_explained(tmp_path: Path) -> None:
    layers = tqc.load(_model(tmp_path, EVERY_KIND, "kinds")).explain()
    assert [layer.opcode for layer in layers] == ["QUANTIZE", "ADD", "AVERAGE_POOL_2D", "MEAN",
                                                  "DEQUANTIZE"]
    by_op = {layer.opcode: layer for layer in layers}
    for layer in layers:
        assert layer.steps and all(layer.steps), layer.title
    assert by_op["QUANTIZE"].outputs[0] is not None and by_op["QUANTIZE"].outputs[0].zero_points == [-10]
    assert "round(x / 0.0500000007" in " ".join(by_op["QUANTIZE"].steps)
    add = by_op["ADD"]
    assert len(add.rescales) == 3  # each input, then the output
    assert add.clamp == (3, 127) and add.clamp_from_activation  # RELU: q >= Z3 = 3
    assert set(add.real_multipliers) == {"S1/S3", "S2/S3"}
    assert any("divide by its count" in s for s in by_op["AVERAGE_POOL_2D"].steps)
    assert by_op["MEAN"].rescales, "MEAN requantizes the sum"
    assert "integer → float32: 0.0299999993" in " ".join(by_op["DEQUANTIZE"].steps)


DIV_L2 = """model div_l2
input  a : int8[1,4,6] scale=0.05 zp=-3
input  b : int8[1,4,6] scale=0.035 zp=-3
tensor q : int8[1,4,6] scale=0.0625 zp=5
tensor y : int8[1,4,6] scale=0.0078125 zp=0
q = DIV(a, b)
y = L2_NORMALIZATION(q)
output y
"""


def test_quotient_and_fixed_output_scale(tmp_path: Path) -> None:
    """DIV's real multiplier is S1/(S2·S3) (a quotient, not two rescaled inputs); L2's output
    scale is fixed, so no multiplier comes from the scales; each step is a whole sentence."""
    div, l2 = tqc.load(_model(tmp_path, DIV_L2, "div_l2")).explain()
    assert div.real_multipliers == {"S1/(S2*S3)": [pytest.approx(0.05 / (0.035 * 0.0625))]}
    assert l2.real_multipliers == {}
    assert l2.steps[0].endswith("(GetInvSqrtQuantizedMultiplierExp of the sum of squares)")


def test_fixed_point_matches_the_scales(tmp_path: Path) -> None:
    for layer in tqc.load(FIXTURES / "mlp_digits_int8.tflite").explain()[:3]:
        (ideal,) = layer.real_multipliers.values()
        (rescale,) = layer.rescales
        for real, m, shift, fixed in zip(ideal, rescale.multipliers, rescale.shifts, rescale.real):
            assert (m, shift) == quantize_multiplier(real, False)
            assert abs(fixed - real) <= real * 2.0**-30


def test_accumulator_bound_and_offsets(tmp_path: Path) -> None:
    (layer,) = tqc.load(_model(tmp_path, FC, "fc")).explain()
    assert (layer.input_offset, layer.weight_offset) == (128, 0)
    assert layer.accumulator is not None
    # channel 0: -5 + 255*(-3) .. -5 + 255*2; channel 1: 7 .. 7 + 255*2
    assert (layer.accumulator.lo, layer.accumulator.hi) == (-5 - 765, 7 + 510)
    assert layer.accumulator.bits == 11  # [-770, 517] needs 11 signed bits
    assert layer.clamp == (4, 127) and layer.clamp_from_activation


def test_rounding_changes_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = str(FIXTURES / "mlp_digits_int8.tflite")
    assert main(["explain", model, "--layer", "0"]) == 0
    double = capsys.readouterr().out
    assert main(["explain", model, "--layer", "0", "--rounding", "single"]) == 0
    single = capsys.readouterr().out
    assert "rounding 1: SaturatingRoundingDoublingHighMul" in double
    assert "one rounding" in single and "SaturatingRoundingDoublingHighMul" not in single


def test_json_has_every_channel(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(FIXTURES / "mlp_digits_int8.tflite"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["layers"][0]
    assert len(first["real_multipliers"]["S1*S2/S3"]) == 512
    assert len(first["rescales"][0]["multipliers"]) == 512
    assert np.all(np.asarray(first["rescales"][0]["shifts"]) < 0)


def test_table_and_bad_layer(capsys: pytest.CaptureFixture[str]) -> None:
    model = str(FIXTURES / "mlp_digits_uint8io.tflite")
    assert main(["explain", model]) == 0
    out = capsys.readouterr().out
    assert "S1 (Z1)" in out and "SOFTMAX" in out and "QUANTIZE" in out
    assert main(["explain", model, "--layer", "99"]) == 1
    assert "tqc: error: --layer 99: the model has no lowered operator #99" in capsys.readouterr().err


def test_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "layers.png"
    assert main(["explain", str(FIXTURES / "mlp_digits_int8.tflite"), "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["explain", str(FIXTURES / "mlp_digits_int8.tflite"), "--plot", str(tmp_path / "x.jpg")]) == 1
    assert "the file name must end in .png" in capsys.readouterr().err


COMPARE = """model compare
input  a : {t}[1,4] scale={s} zp={z}
input  b : {t}[1,4] scale={s} zp={z}
tensor y : bool[1,4]
y = GREATER(a, b)
output y
"""


@pytest.mark.parametrize("kind, scale, zp, real, note", [
    ("int8", 0.05, -3, {"S1": [0.05], "S2": [0.05]}, "2^8·S = 12.8, 12.8"),
    ("int8", 3.0, -3, {}, "becomes its sign 2·[q >= Z] − 1"),
    ("int16", 0.0004, 0, {}, "compared as stored"),
])
def test_comparison_multipliers(tmp_path: Path, kind: str, scale: float, zp: int,
                                real: dict[str, list[float]], note: str) -> None:
    """A comparison rescales each input by its own scale (M = S1, S2; the fixed point carries
    2^8 of headroom), reduces a scale >= 1 to the sign, compares int16 order predicates raw."""
    text = COMPARE.format(t=kind, s=scale, z=zp)
    (layer,) = tqc.load(_model(tmp_path, text, f"compare_{kind}_{zp}")).explain()
    assert {k: [pytest.approx(v) for v in vs] for k, vs in layer.real_multipliers.items()} == real
    assert len(layer.rescales) == (2 if real else 0)
    for r in layer.rescales:
        assert r.real == [pytest.approx(2**8 * scale, rel=1e-6)]
    assert any(note in n for n in layer.notes), layer.notes
