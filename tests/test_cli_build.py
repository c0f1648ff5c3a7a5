"""`tqc build`: .tqm -> .tflite; one-line errors, exit codes, no output left behind on error; and
compile / run / opt taking a .tqm model directly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tqc.cli import main
from tqc.tflite_reader import read_model

GOOD = """model tiny
input  x : int8[1,4] scale=0.5 zp=-3
tensor y : int8[1,4] scale=0.25 zp=7
y = RELU(x)
output y
"""


def _write(tmp_path: Path, text: str, name: str = "m.tqm") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_build_writes_tflite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = _write(tmp_path, GOOD), tmp_path / "sub" / "out.tflite"
    assert main(["build", str(src), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    m = read_model(out)
    assert [t.name for t in m.tensors] == ["x", "y"] and m.ops[0].opcode == "RELU"


def test_build_default_output_next_to_input(tmp_path: Path) -> None:
    src = _write(tmp_path, GOOD)
    assert main(["build", str(src)]) == 0
    assert (tmp_path / "m.tflite").read_bytes()[4:8] == b"TFL3"


@pytest.mark.parametrize("text,where", [
    (GOOD.replace("int8[1,4] scale=0.5", "int8[1,4 scale=0.5"), "2:21: syntax error: unexpected 'scale'"),
    (GOOD.replace("RELU(x)", "RELU(z)"), "4:10: unknown tensor 'z'"),
])
def test_build_error_is_one_line_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    text: str, where: str) -> None:
    src, out = _write(tmp_path, text), tmp_path / "out.tflite"
    out.write_bytes(b"previous")
    assert main(["build", str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tqc: error: {src}:{where}") and err.count("\n") == 1, err
    assert out.read_bytes() == b"previous"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tqm", "out.tflite"]  # no temp file left


def test_build_missing_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(tmp_path / "nope.tqm")]) == 1
    assert capsys.readouterr().err.startswith("tqc: error: cannot read")
    assert list(tmp_path.iterdir()) == []


def test_build_refuses_to_overwrite_its_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, GOOD)
    assert main(["build", str(src), "-o", str(src)]) == 1
    assert "would overwrite the input" in capsys.readouterr().err and src.read_text() == GOOD


def test_build_exit_status_in_a_process(tmp_path: Path) -> None:
    src = _write(tmp_path, GOOD.replace("RELU(x)", "RELU(x) $"))
    r = subprocess.run([sys.executable, "-m", "tqc.cli", "build", str(src), "-o", str(tmp_path / "o.tflite")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == f"tqc: error: {src}:4:13: syntax error: unexpected character '$'\n"
    assert not (tmp_path / "o.tflite").exists()


def test_compile_run_opt_take_tqm(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, GOOD)
    assert main(["opt", str(src)]) == 0
    assert '"tq.relu"' in capsys.readouterr().out
    assert main(["compile", str(src), "--target", "numpy", "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "m.py").exists()
    x = np.array([[-128, -3, 0, 127]], np.int8)
    np.save(tmp_path / "x.npy", x)
    assert main(["run", str(src), "--input", str(tmp_path / "x.npy"), "--output", str(tmp_path / "y.npy")]) == 0
    # relu(0.5 * (x + 3)) requantized to scale 0.25, zero point 7
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), np.int8([[7, 7, 13, 127]]))
