"""The Python API (tqc/api.py): load, compile, run, explain; the CLI goes through it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tqc
from tqc.cli import main
from tqc.errors import TqcError
from tqc.outputs import MARKER

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MLP = FIXTURES / "mlp_digits_int8.tflite"


def test_load_run_matches_reference_on_digits() -> None:
    from tqc.reference import run_reference

    model = tqc.load(MLP)
    assert [s.sample_shape for s in model.inputs] == [(784,)]
    first = model.explain()[0].inputs[0]  # the input's scale and zero point
    assert first is not None
    x = np.load(FIXTURES / "digits_test_x.npy")[:16]
    xq = np.clip(np.round(x / first.scales[0]) + first.zero_points[0], -128, 127).astype(np.int8)
    (ours,) = model.run(xq)
    (ref,) = run_reference(MLP, [xq])
    assert ours.dtype == np.int8 and ours.shape == (16, 10)
    np.testing.assert_array_equal(ours, ref)


def test_compile_writes_files_and_cli_agrees(tmp_path: Path) -> None:
    written = tqc.load(MLP).compile("c", tmp_path / "api")
    listed = sorted(p.name for p in (tmp_path / "api").iterdir() if p.name != MARKER)
    assert sorted(p.name for p in written) == listed  # MARKER: tqc wrote the folder (tqc/outputs.py)
    assert main(["compile", str(MLP), "--target", "c", "-o", str(tmp_path / "cli")]) == 0
    for p in written:
        assert (tmp_path / "cli" / p.name).read_bytes() == p.read_bytes()


def test_run_targets_agree_and_inputs_are_checked() -> None:
    model = tqc.load(MLP)
    x = np.random.default_rng(0).integers(-128, 128, (3, 784)).astype(np.int8)
    np.testing.assert_array_equal(model.run(x)[0], model.run(x, target="c")[0])
    with pytest.raises(TqcError, match=r"input 0 needs shape \(N, 784\)"):
        model.run(x[:, :10])
    with pytest.raises(TqcError, match="needs dtype int8"):
        model.run(x.astype(np.int32) + 1000)


def test_load_refuses_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(TqcError, match="no such file"):
        tqc.load(tmp_path / "missing.tflite")
    with pytest.raises(TqcError, match="rounding must be"):
        tqc.load(MLP, rounding="triple")


def test_rounding_option_reaches_the_ir() -> None:
    double = tqc.load(MLP).explain()
    single = tqc.load(MLP, rounding="single").explain()
    assert {r.rounding for layer in double for r in layer.rescales} == {"double"}
    assert {r.rounding for layer in single[:3] for r in layer.rescales} == {"single"}


def test_verify_through_the_api() -> None:
    report = tqc.load(FIXTURES / "mlp_digits_uint8io.tflite").verify(samples=3)
    assert report.identical and report.first_difference is None and len(report.layers) == 6
