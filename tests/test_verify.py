"""`tqc verify`: identical models exit 0; a difference names the first layer, its LSB and share,
and the likely cause (here: single vs double rounding, provoked with --rounding single)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tqc.cli import main
from tqc.backends.verilog import sim
from tqc.verify import verify

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Max pool (no rescale, identical under both roundings), then a conv whose multiplier
# 0.05·0.037/0.01 = 0.185 has a right shift of 2: single and double rounding part often.
CHAIN = """model chain
input  x : int8[1,12,12,8]   scale=0.05 zp=-3
tensor p : int8[1,6,6,8]     scale=0.05 zp=-3
const  w : int8[16,3,3,8]    scale=0.037 zp=0 random(seed=2, low=-1, high=1)
const  b : int32[16]         scale=auto random(seed=3, low=-500, high=500)
tensor c : int8[1,6,6,16]    scale=0.01 zp=5
tensor y : int8[1,6,6,16]    scale=0.01 zp=5
p = MAX_POOL_2D(x) filter=2 stride=2 padding=VALID
c = CONV_2D(p, w, b) padding=SAME stride=1
y = RELU(c)
output y
"""


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    path = tmp_path / "chain.tqm"
    path.write_text(CHAIN)
    return path


def test_identical_model_exits_zero(chain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(chain), "--samples", "3"]) == 0
    out = capsys.readouterr().out
    assert "tqc numpy vs tflm on 3 samples: identical (1 outputs, 3 layers compared)" in out


def test_first_differing_layer_and_cause(chain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = verify(chain, rounding="single", samples=4)
    assert not report.identical
    first = report.first_difference
    assert first is not None and (first.tap.op_index, first.tap.opcode) == (1, "CONV_2D")
    assert first.max_lsb == 1 and 0 < first.share < 0.5
    assert report.layers[0].differing == 0  # the max pool before it matches
    assert report.cause is not None and "single vs double rounding in layer #1 (CONV_2D)" in report.cause
    assert main(["verify", str(chain), "--rounding", "single", "--samples", "4", "--json"]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["identical"] is False and data["first_difference"]["op_index"] == 1
    assert "tqc: error: tqc numpy differs from tflm" in captured.err


def test_c_target_and_litert_ref_oracle(capsys: pytest.CaptureFixture[str]) -> None:
    model = str(FIXTURES / "mlp_digits_uint8io.tflite")
    assert main(["verify", model, "--target", "c", "--oracle", "litert-ref", "--samples", "3"]) == 0
    assert "tqc c vs litert-ref on 3 samples: identical (1 outputs, 6 layers compared)" in \
        capsys.readouterr().out


def test_bad_arguments(chain: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(chain), "--samples", "0"]) == 1
    assert "tqc: error: --samples must be at least 1, not 0" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(sim.verilator_command() is None, reason="verilator not installed")
def test_verilog_target_layer_by_layer(chain: Path) -> None:
    """The Verilog design is simulated, and the tapped copy (every layer an output port) too:
    identical by default; compiled with single rounding, the conv layer is found."""
    assert verify(chain, target="verilog", samples=2).identical
    report = verify(chain, target="verilog", rounding="single", samples=3)
    first = report.first_difference
    assert first is not None and (first.tap.op_index, first.tap.opcode) == (1, "CONV_2D")
    assert report.layers[0].differing == 0
    assert report.cause is not None and "single vs double rounding in layer #1" in report.cause
