"""Replay every `tests/regressions/*.tqm`: minimal models that once failed (most found and shrunk by
tests/test_properties.py), each checked bit for bit against the reference.

Header comments a file may carry:
    # check: n=6 seed=0 backends=numpy,c   inputs (differential.random_inputs) and backends;
                                            name=NAME builds the model as NAME.tflite
    # xfail: <reason>                       a known, reported mismatch not fixed yet (strict: the
                                            test fails once it passes, so the line gets removed)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backends_check import check_model
from tqc.tqm import load

REGRESSIONS = Path(__file__).resolve().parent / "regressions"
FILES = sorted(REGRESSIONS.glob("*.tqm"))


def header(path: Path) -> dict[str, str]:
    """`# key: value` comment lines before the first statement."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            break
        m = re.match(r"#\s*(check|xfail):\s*(.*)", line)
        if m:
            found[m.group(1)] = m.group(2).strip()
    return found


def check_options(text: str) -> tuple[int, int, list[str], str]:
    """n, seed, backends and the model name (the .tflite stem, which names generated modules)."""
    opts = dict(kv.split("=", 1) for kv in text.split())
    return (int(opts.get("n", 6)), int(opts.get("seed", 0)), opts.get("backends", "numpy").split(","),
            opts.get("name", ""))


def params() -> list[object]:
    out = []
    for f in FILES:
        h = header(f)
        marks = [pytest.mark.xfail(reason=h["xfail"], strict=True)] if "xfail" in h else []
        out.append(pytest.param(f, id=f.stem, marks=marks))
    return out


def test_the_suite_is_not_empty() -> None:
    assert FILES, f"no .tqm files in {REGRESSIONS}"


@pytest.mark.parametrize("path", params())
def test_regression(path: Path, tmp_path: Path) -> None:
    n, seed, backends, name = check_options(header(path).get("check", ""))
    model = tmp_path / f"{name or path.stem}.tflite"
    model.write_bytes(load(path).to_bytes())
    check_model(model, n, seed, backends)


def test_header_parsing(tmp_path: Path) -> None:
    f = tmp_path / "x.tqm"
    f.write_text("# a comment\n# check: n=3 seed=7 backends=numpy,c name=k\n# xfail: known\nmodel m\n"
                 "# check: n=9\n")
    assert header(f) == {"check": "n=3 seed=7 backends=numpy,c name=k", "xfail": "known"}
    assert check_options(header(f)["check"]) == (3, 7, ["numpy", "c"], "k")
    assert check_options("") == (6, 0, ["numpy"], "")
