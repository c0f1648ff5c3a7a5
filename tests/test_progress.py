"""Progress lines of long steps (tqc/progress.py): on stderr only when asked for (a terminal or
TQC_PROGRESS=1), a start, heartbeats, and the end with its time or the failure."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tqc import progress
from tqc.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_step_prints_start_heartbeat_and_end(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TQC_PROGRESS", "1")
    with progress.step("thing", every=0.05):
        time.sleep(0.2)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "tqc: thing ..."
    assert any(line.startswith("tqc: thing: ") and line.endswith(" s") and "done" not in line
               for line in err[1:-1])
    assert err[-1].startswith("tqc: thing: done in ")


def test_failed_step_says_so(monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TQC_PROGRESS", "1")
    with pytest.raises(ValueError), progress.step("thing"):
        raise ValueError("x")
    assert capsys.readouterr().err.splitlines()[-1].startswith("tqc: thing: failed after ")


def test_silent_unless_asked(monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TQC_PROGRESS", "0")
    with progress.step("thing"):
        pass
    assert capsys.readouterr().err == ""


def test_verify_reports_the_c_build_and_the_oracle(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TQC_PROGRESS", "1")
    model = str(FIXTURES / "mlp_digits_uint8io.tflite")
    assert main(["verify", model, "--target", "c", "--samples", "2", "--no-layers"]) == 0
    err = capsys.readouterr().err
    assert "tqc: C build of mlp_digits_uint8io (" in err and "): done in " in err
    assert "samples of mlp_digits_uint8io.tflite: done in " in err
    assert "tqc: error" not in err
