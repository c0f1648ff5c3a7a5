"""Outputs of `tqc compile` / `tqc run` (tqc/outputs.py): all or nothing, nothing stale, nothing
replaced without --force, never a user's folder, and no option silently ignored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tqc.cli import main
from tqc.errors import TqcError
from tqc.outputs import MARKER, check_options, write_file, write_folder

MODEL = Path(__file__).parent / "fixtures" / "mlp_digits_int8.tflite"


def _compile(out: Path, *extra: str) -> int:
    return main(["compile", str(MODEL), "--target", "numpy", "-o", str(out), *extra])


def test_existing_folder_needs_force_and_loses_stale_files(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _compile(out, "--name", "first") == 0
    assert (out / "first.py").is_file() and (out / MARKER).is_file()
    assert _compile(out, "--name", "second") == 1
    assert "exists (use --force to replace it)" in capsys.readouterr().err
    assert _compile(out, "--name", "second", "--force") == 0
    assert (out / "second.py").is_file() and not (out / "first.py").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folders left


def test_force_never_replaces_a_folder_tqc_did_not_write(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    assert _compile(mine, "--force") == 1
    assert "was not written by tqc" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_output_naming_a_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    assert _compile(target) == 1
    err = capsys.readouterr().err
    assert err == f"tqc: error: output '{target}' exists and is not a folder\n"


def test_empty_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    assert _compile(tmp_path / "out") == 0


def test_failed_write_leaves_the_old_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write_folder(out, {"a.txt": "old"})

    def broken(self: Path, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", broken)
    with pytest.raises(TqcError, match="cannot write .*No space left"):
        write_folder(out, {"b.bin": b"new"}, force=True)
    assert (out / "a.txt").read_text() == "old" and not (out / "b.bin").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_run_output_file_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    np.save(tmp_path / "x.npy", np.zeros((2, 784), np.int8))
    y = tmp_path / "y.npy"
    args = ["run", str(MODEL), "--input", str(tmp_path / "x.npy"), "--output", str(y)]
    assert main(args) == 0
    first = y.read_bytes()
    assert main(args) == 1
    assert "exists (use --force" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0 and y.read_bytes() == first


def test_write_file_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "y.npy"

    def fail(p: Path) -> None:
        p.write_bytes(b"half")
        raise OSError(5, "I/O error")

    with pytest.raises(TqcError, match="cannot write"):
        write_file(path, fail)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("target", "option"), [("c", "--parallel"), ("numpy", "--parallel"),
                                                ("verilog", "--stream")])
def test_options_that_do_not_apply_are_errors(target: str, option: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    extra = [option, "4"] if option == "--parallel" else [option]
    assert main(["compile", str(MODEL), "--target", target, "-o", str(tmp_path / "o"), *extra]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tqc: error: {option} does not apply to --target {target}")
    assert not (tmp_path / "o").exists()


def test_check_options_accepts_what_applies() -> None:
    check_options("verilog", {"--parallel": 4, "--stream": False})
    check_options("c", {"--parallel": None, "--stream": True})
    with pytest.raises(TqcError):
        check_options("numpy", {"--parallel": 1})
