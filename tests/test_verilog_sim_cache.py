"""The Verilog simulator build cache (backends/verilog/sim.py): a build keeps its binary only,
and old builds are pruned least recently used first."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from differential import shared_model
from test_verilog_backend import HELLO, needs_verilator

from tqc.backends.verilog import sim
from tqc.backends.verilog.target import build_design
from tqc.pipeline import lower
from tqc.targets import TargetOptions


def _entry(root: Path, name: str, size: int, age: float) -> Path:
    path = root / name
    (path / "obj").mkdir(parents=True)
    (path / "obj" / "Vtop").write_bytes(b"x" * size)
    t = time.time() - age
    os.utime(path, (t, t))
    return path


def test_prune_least_recently_used_first(tmp_path: Path) -> None:
    old = _entry(tmp_path, "a-old", 1000, 3 * 3600)
    older = _entry(tmp_path, "b-older", 1000, 5 * 3600)
    mid = _entry(tmp_path, "c-mid", 1000, 2 * 3600)
    recent = _entry(tmp_path, "d-recent", 1000, 60)  # used within the hour: never pruned
    keep = _entry(tmp_path, "e-keep", 1000, 9 * 3600)  # the build just made
    deleted = sim.prune(tmp_path, 2500, keep=keep)
    assert deleted == [older, old, mid]
    assert recent.exists() and keep.exists()


def test_prune_under_limit_keeps_all(tmp_path: Path) -> None:
    for i in range(3):
        _entry(tmp_path, f"e{i}", 100, 5 * 3600)
    assert sim.prune(tmp_path, 10_000, keep=tmp_path / "none") == []
    assert len(list(tmp_path.iterdir())) == 3


def test_size_ignores_files_deleted_meanwhile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another test worker may delete its staging folder while this one prunes (a CI failure:
    FileNotFoundError from rglob): a vanished file or folder counts as 0 bytes."""
    entry = _entry(tmp_path, "a", 100, 0)
    (tmp_path / ".staging").mkdir()
    (tmp_path / ".staging" / "gone").write_bytes(b"y" * 50)
    real_lstat = os.lstat

    def racing_lstat(path: str) -> os.stat_result:
        if path.endswith("gone"):
            raise FileNotFoundError(path)
        return real_lstat(path)

    monkeypatch.setattr(sim.os, "lstat", racing_lstat)
    assert sim._size(tmp_path) == 100
    assert sim._size(tmp_path / "missing") == 0
    assert sim.prune(tmp_path, 0, keep=entry) == []


@needs_verilator
def test_cached_build_keeps_the_binary_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TQC_VERILOG_CACHE", str(tmp_path))
    design = build_design(lower(shared_model(HELLO)), "sine", TargetOptions(parallel=8),
                          vectors=False)
    sources = [design.tb + ".v", *design.sources]
    folder = sim.build(design.sim_files(), sources, design.tb, "verilator")
    assert [p.name for p in (folder / "obj").iterdir()] == [f"V{design.tb}"]
    assert sim.build(design.sim_files(), sources, design.tb, "verilator") == folder  # cached
    result = sim.simulate(folder, design.tb, ["00\n"], 1)  # the trimmed build still runs
    assert result.samples == 1
