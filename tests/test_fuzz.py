"""Hostile model files: the fuzz harness (tests/fuzz_models.py) and one test per meaning check.

Every damaged model must compile or be refused with one `tqc: error:` line that is not an
internal error; none may crash or hang. Environment (docs/robustness.md):
TQC_FUZZ_CASES (default 300, about 20 s; the long mode is 10000), TQC_FUZZ_SEED (default 0),
TQC_FUZZ_TIMEOUT (seconds per case, default 30), TQC_FUZZ_BACKENDS (default none; "c
verilog-lint verilog-sim" checks those back ends on every model that runs). One case again:
`python tests/fuzz_models.py --first 177 --cases 1 --seed 1`.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from fuzz_models import file_seeds, make_case, problem, run_case

from tqc.backends.verilog import sim
from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.tflite_writer import Op, Tensor, build_model

CASES = int(os.environ.get("TQC_FUZZ_CASES", "300"))
SEED = int(os.environ.get("TQC_FUZZ_SEED", "0"))
TIMEOUT = float(os.environ.get("TQC_FUZZ_TIMEOUT", "30"))
BACKENDS = tuple(os.environ.get("TQC_FUZZ_BACKENDS", "").split())  # e.g. "c verilog-lint"
CHUNK = 50


@pytest.mark.parametrize("first", range(0, CASES, CHUNK))
def test_fuzzed_models_compile_or_are_refused_in_one_line(first: int, tmp_path: Path) -> None:
    seeds = file_seeds()
    findings = []
    for index in range(first, min(first + CHUNK, CASES)):
        case = make_case(index, SEED, seeds)
        outcome = run_case(case, tmp_path, TIMEOUT, BACKENDS)
        if problem(outcome):
            findings.append(f"{case.describe()}: {outcome}")
    assert not findings, "\n".join(findings)


def test_harness_finds_crashes_and_multiline_refusals() -> None:
    assert problem("crash: ValueError: x (at a.py:1)")
    assert problem("hang")
    assert problem("refused: internal error: KeyError")
    assert problem("refused: line one\nline two")
    assert problem("refused: op #3 ADD: scale 0") is None


# -- one small model per meaning check ------------------------------------------------------------

def _fc(x: Tensor | None = None, w: Tensor | None = None, y: Tensor | None = None,
        inputs: list[str] | None = None, outputs: list[str] | None = None,
        op_inputs: list[str] | None = None, extra: list[Tensor] | None = None) -> bytes:
    x = x or Tensor("x", (1, 4), "int8", 0.5, -3)
    w = w or Tensor("w", (2, 4), "int8", 0.01, 0, data=np.ones((2, 4), np.int8))
    y = y or Tensor("y", (1, 2), "int8", 0.25, 7)
    op = Op("FULLY_CONNECTED", op_inputs or ["x", "w"], ["y"])
    return build_model([x, w, y, *(extra or [])], [op], inputs or ["x"], outputs or ["y"])


REFUSALS = {
    "scale zero": (_fc(x=Tensor("x", (1, 4), "int8", 0.0, 0)), r"tensor #0 'x': scale 0\.0 \(must be finite and > 0\)"),
    "scale NaN": (_fc(y=Tensor("y", (1, 2), "int8", float("nan"), 0)), r"tensor #2 'y': scale nan"),
    "scale negative": (_fc(x=Tensor("x", (1, 4), "int8", -1.0, 0)), r"'x': scale -1\.0"),
    "zero point": (_fc(x=Tensor("x", (1, 4), "int8", 0.5, 128)), r"'x': zero point 128 outside int8 \[-128, 127\]"),
    "uint8 zero point": (_fc(x=Tensor("x", (1, 4), "uint8", 0.5, -1)), r"zero point -1 outside uint8"),
    "per-channel count": (_fc(w=Tensor("w", (2, 4), "int8", [0.1, 0.2, 0.3], 0, data=np.ones((2, 4), np.int8))),
                          r"'w': 3 per-channel scales for 2 channels"),
    "per-channel axis": (_fc(w=Tensor("w", (2, 4), "int8", [0.1, 0.2], 0, quantized_dimension=5,
                                      data=np.ones((2, 4), np.int8))), r"'w': per-channel axis 5 outside shape \[2, 4\]"),
    "no quantization": (_fc(x=Tensor("x", (1, 4), "int8")), r"'x': int8 tensor without quantization"),
    "cycle": (_fc(inputs=["w"], op_inputs=["y", "w"]), r"op #0 FULLY_CONNECTED, tensor 'y': reads a tensor written by itself \(a cycle\)"),
    "dangling": (_fc(inputs=["w"]), r"op #0 FULLY_CONNECTED, tensor 'x': reads a tensor that no op writes"),
    "arity": (_fc(op_inputs=["x"]), r"op #0 FULLY_CONNECTED: 1 inputs \(needs 2 to 3\)"),
    "bias length": (_fc(op_inputs=["x", "w", "b"], extra=[Tensor("b", (3,), "int32", 0.005, 0, data=np.ones(3, np.int32))]),
                    r"op #0 FULLY_CONNECTED, tensor 'y': bias \[3\] does not hold one value per output channel \(2\)"),
    "bias type": (_fc(op_inputs=["x", "w", "b"], extra=[Tensor("b", (2,), "float32", 0.005, 0, data=np.ones(2, np.float32))]),
                  r"op #0 FULLY_CONNECTED, tensor 'b': bias of type float32 for int8 inputs \(the kernel reads int32\)"),
    "rank": (_fc(w=Tensor("w", (8,), "int8", 0.01, 0, data=np.ones(8, np.int8))), r"op #0 FULLY_CONNECTED, tensor 'w': rank 1 \(shape \[8\]\), needs rank 2"),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_meaningless_models_are_refused_naming_the_place(name: str, tmp_path: Path) -> None:
    data, message = REFUSALS[name]
    path = tmp_path / "m.tflite"
    path.write_bytes(data)
    with pytest.raises(TqcError, match=message):
        lower(path)


def test_signalling_nan_scale_is_refused_without_a_warning(tmp_path: Path) -> None:
    """A flipped bit can make a scale a signalling NaN, whose widening to float64 raises the
    'invalid' FP flag (a RuntimeWarning, fuzz seed 4); it is refused like any NaN scale."""
    marker = struct.pack("<f", 0.123)
    data = _fc(x=Tensor("x", (1, 4), "int8", 0.123, 0))
    assert data.count(marker) == 1
    path = tmp_path / "m.tflite"
    path.write_bytes(data.replace(marker, struct.pack("<I", 0x7F800001)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TqcError, match=r"tensor #0 'x': scale nan"):
            lower(path)


def test_add_with_a_scale_ratio_beyond_float32_is_refused_without_a_warning(tmp_path: Path) -> None:
    """S_in / S_out beyond float32 (fuzz seed 4 case 9586): XNNPACK's ADD parameters were
    computed (and overflowed float32) even when not compiling for XNNPACK."""
    path = tmp_path / "m.tflite"
    path.write_bytes(build_model([Tensor("a", (1, 4), "int8", 1e30, 0), Tensor("b", (1, 4), "int8", 1e-3, 0),
                                  Tensor("y", (1, 4), "int8", 1e-10, 0)],
                                 [Op("ADD", ["a", "b"], ["y"])], ["a", "b"], ["y"]))
    for reference in ("tflm", "xnnpack"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(TqcError, match=r"op #0 ADD: the effective scale is too large"):
                lower(path, reference=reference)


def test_pad_with_paddings_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    """Fuzz seed 5 case 455: a PAD whose paddings constant has one value (the 'arity' mutation)
    ended in a reshape ValueError."""
    path = tmp_path / "m.tflite"
    path.write_bytes(build_model([Tensor("x", (1, 4), "int8", 0.5, 0), Tensor("p", (1,), "int32", data=np.array([1], np.int32)),
                                  Tensor("y", (1, 6), "int8", 0.5, 0)],
                                 [Op("PAD", ["x", "p"], ["y"])], ["x"], ["y"]))
    with pytest.raises(TqcError, match=r"op #0 PAD, tensor 'p': paddings of shape \[1\] for a rank-2 input \(needs \[2, 2\]\)"):
        lower(path)


def test_valid_model_of_the_refusal_tests_compiles(tmp_path: Path) -> None:
    path = tmp_path / "m.tflite"
    path.write_bytes(_fc())
    lower(path)  # the base model is fine: each refusal above comes from its one change


def test_unsupported_op_names_the_supported_set(tmp_path: Path) -> None:
    x = Tensor("x", (1, 4), "int8", 0.5, -3)
    y = Tensor("y", (1, 4), "int8", 0.5, -3)
    path = tmp_path / "m.tflite"
    path.write_bytes(build_model([x, y], [Op("FLOOR", ["x"], ["y"])], ["x"], ["y"]))
    with pytest.raises(TqcError, match=r"op #0 FLOOR, tensor 'y': unsupported operator \(supported: .*ADD, .*CONV_2D"):
        lower(path)


def test_corrupt_options_name_the_op(tmp_path: Path) -> None:
    """An offset inside an options table pointing past the end: the reader reads options eagerly,
    so the message names the op (the lazy accessors used to fail inside the CONV handler)."""
    data = bytearray(_fc())
    path = tmp_path / "m.tflite"
    for at in range(0, len(data) - 4, 4):  # the first damage that reaches an options table
        damaged = data[:at] + (0x7FFFFFF0).to_bytes(4, "little") + data[at + 4:]
        path.write_bytes(bytes(damaged))
        try:
            lower(path)
        except TqcError as e:
            if "options of op #0" in str(e):
                assert re.search(r"truncated or corrupt: reading the options of op #0 FULLY_CONNECTED: "
                                 r"(an offset points to byte \d+|a table or vector)", str(e))
                return
    pytest.fail("no word of the model reaches the options table")


def test_cli_refuses_a_corrupt_file_in_one_line(tmp_path: Path) -> None:
    seeds = dict(file_seeds())
    path = tmp_path / "trunc.tflite"
    path.write_bytes(seeds["cnn_digits_int8.tflite"][:3000])
    r = subprocess.run([sys.executable, "-m", "tqc.cli", "compile", str(path), "--target", "numpy",
                        "-o", str(tmp_path / "out")], capture_output=True, text=True, check=False)
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("tqc: error: '")
    assert "truncated or corrupt: reading" in r.stderr and "internal error" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_run_case_reports_crashes_and_hangs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness itself: an exception from the compiler is a crash, a stall a hang."""
    import time

    from fuzz_models import Case

    import tqc.api
    import tqc.pipeline

    case = Case(0, "test", "none", _fc())
    assert run_case(case, tmp_path) == "ran"

    def crash(*args: object) -> None:
        raise ValueError("boom")

    with monkeypatch.context() as m:  # the generated NumPy module misbehaving at run time
        m.setattr(tqc.api.Model, "run", lambda self, *xs: [np.zeros((3, 7), np.int8)])
        assert run_case(case, tmp_path).startswith("crash: AssertionError: output (3, 7) int8")
        m.setattr(tqc.api.Model, "run", crash)
        assert run_case(case, tmp_path).startswith("crash: ValueError: boom")
    monkeypatch.setattr(tqc.pipeline, "lower", crash)
    assert run_case(case, tmp_path).startswith("crash: ValueError: boom")
    monkeypatch.setattr(tqc.pipeline, "lower", lambda *args: time.sleep(5))
    assert run_case(case, tmp_path, seconds=0.2) == "hang"


@pytest.mark.skipif(sim.verilator_command() is None, reason="verilator not installed")
def test_backend_checks_catch_a_c_or_verilog_difference(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`--backends`: the C (ASan/UBSan) and the Verilog (lint) of a model the NumPy module ran
    are checked, and a C output that differs from NumPy's, or a lint warning, is a finding."""
    from fuzz_models import BackendMismatch, Case, check_backends

    from tqc import api

    case = Case(0, "test", "none", _fc())
    assert run_case(case, tmp_path, backends=("c", "verilog-lint")) == "ran"
    path = tmp_path / "m.tflite"
    path.write_bytes(case.data)
    model = api.load(path)
    xs = [np.array([[-128, 127, 0, 5]] * 3, np.int8)]
    ys = list(model.run(*xs))
    check_backends(model, xs, ys, ("c",), tmp_path / "ok")
    wrong = [ys[0].copy()]
    wrong[0][1, 0] += 1
    with pytest.raises(BackendMismatch, match="c output 0: 1 of 6 values differ from NumPy"):
        check_backends(model, xs, wrong, ("c",), tmp_path / "wrong")
    monkeypatch.setattr(sim, "lint", lambda *a: "%Warning-WIDTH: m.v:1: x")
    with pytest.raises(BackendMismatch, match="verilog lint: %Warning-WIDTH"):
        check_backends(model, xs, ys, ("verilog-lint",), tmp_path / "lint")
