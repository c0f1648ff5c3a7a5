"""Issue 14's performance table: per model, tqc's C beside XNNPACK, LiteRT's builtin kernels,
TFLM and tqc's NumPy module; arena bytes beside TFLM's; a roofline bound.

    python benchmarks/perf_table.py [--runs 30] [--out docs/performance.md] [MODEL.tflite ...]

Without models: every shared model (../shared/models) that tqc compiles to C. Per model, in one
run (so the ratios compare like with like):
- C: `NAME_invoke` timed inside a small C harness (gcc -O3 -march=native; benchmarks/c_latency.py);
- XNNPACK: LiteRT's default interpreter, 1 thread; LiteRT builtin: the same without delegates
  (`BUILTIN_WITHOUT_DEFAULT_DELEGATES`); TFLM: the tflite-micro Python interpreter (reference
  kernels). These three are timed around `invoke()` from Python (a few µs of call overhead);
- NumPy: the generated module's `run` on a batch of 1 and of 64 (per sample);
- arena: tqc's `NAME_ARENA_BYTES` and TFLM's arena ("head": activations, "total": with its
  persistent data), as TFLM's RecordingMicroAllocator reports them;
- roofline: weight bytes and MACs of the model; the lower bound max(MACs / peak, weight bytes /
  bandwidth) with the machine's measured int8 peak and read bandwidth (benchmarks/machine_peak.py),
  and tqc C's time as a multiple of it.
Times are medians of `--runs` runs (fewer for large models). The geometric mean of C / XNNPACK
is over the models both run. Never a unit test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared" / "models"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

from c_latency import c_latency
from machine_peak import Peak, measure

NUMPY_BATCH = 64
NUMPY_MAX_MACS = 100_000_000  # larger models: NumPy batch 64 is skipped (minutes, GBs of RAM)


@dataclass
class Row:
    model: str
    macs: int = 0
    weight_bytes: int = 0
    arena: int = 0
    compile_s: float = 0.0
    times: dict[str, float | None] = field(default_factory=dict)  # µs per inference
    tflm_arena: tuple[int, int] | None = None  # (head, total)


def _median_us(invoke: Callable[[], object], runs: int) -> float:
    for _ in range(2):
        invoke()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        invoke()
        times.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(times)


def model_facts(model: Path) -> tuple[int, int, int, float]:
    """(MACs, weight bytes, tqc arena bytes, seconds to compile to C) of one inference."""
    from tqc.backends.c.target import generate
    from tqc.dialects import tqi
    from tqc.dialects.accessors import shape
    from tqc.pipeline import lower

    t0 = time.perf_counter()
    module = lower(model)
    _, _, program = generate(module, "model")
    seconds = time.perf_counter() - t0
    macs = 0
    for op in module.walk():
        if isinstance(op, tqi.Conv2DOp):
            macs += math.prod(shape(op.output)) * math.prod(shape(op.filter)[1:])
        elif isinstance(op, tqi.DepthwiseConv2DOp):
            macs += math.prod(shape(op.output)) * math.prod(shape(op.filter)[1:3])
        elif isinstance(op, tqi.FullyConnectedOp):
            macs += math.prod(shape(op.output)) * shape(op.filter)[-1]
    return macs, program.weights_bytes, program.plan.size, seconds


def litert_us(model: Path, xs: list[np.ndarray], runs: int, delegates: bool) -> float | None:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    kind = OpResolverType.AUTO if delegates else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    try:
        it = Interpreter(model_path=str(model), num_threads=1,
                         experimental_op_resolver_type=kind)
        it.allocate_tensors()
        for d, x in zip(it.get_input_details(), xs):
            it.set_tensor(d["index"], x)
        it.invoke()
    except Exception:  # noqa: BLE001 - LiteRT refuses some models (e.g. person_detect)
        return None
    return _median_us(it.invoke, runs)


def tflm_us(model: Path, xs: list[np.ndarray], runs: int) -> float | None:
    from tflite_micro.python.tflite_micro import runtime

    try:
        it = runtime.Interpreter.from_file(str(model), arena_size=64 << 20)
        for i, x in enumerate(xs):
            it.set_input(x, i)
        it.invoke()
    except Exception:  # noqa: BLE001 - TFLM refuses legacy uint8 models
        return None
    return _median_us(it.invoke, runs)


TFLM_ARENA = """
import sys
from tflite_micro.python.tflite_micro import runtime
it = runtime.Interpreter.from_file(sys.argv[1], arena_size=64 << 20)
it.print_allocations()
"""


def tflm_arena(model: Path) -> tuple[int, int] | None:
    """TFLM's (head, total) arena bytes: its allocator prints them from C++, so a child."""
    proc = subprocess.run([sys.executable, "-c", TFLM_ARENA, str(model)], capture_output=True,
                          text=True, check=False)
    text = proc.stdout + proc.stderr
    head = re.search(r"Arena allocation head (\d+) bytes", text)
    total = re.search(r"Arena allocation total (\d+) bytes", text)
    if proc.returncode != 0 or head is None or total is None:
        return None
    return int(head.group(1)), int(total.group(1))


def numpy_us(model: Path, runs: int, macs: int) -> tuple[float, float | None]:
    """Per-sample µs of the NumPy module at batch 1 (median) and batch 64 (median of 3)."""
    from differential import random_inputs

    from tqc.pipeline import load_numpy_model

    module = load_numpy_model(model)
    one = random_inputs(module.INPUTS, 1, seed=1)
    batch1 = _median_us(lambda: module.run(*one), runs)
    if macs > NUMPY_MAX_MACS:
        return batch1, None
    many = random_inputs(module.INPUTS, NUMPY_BATCH, seed=1)
    return batch1, _median_us(lambda: module.run(*many), 3) / NUMPY_BATCH


def measure_model(model: Path, runs: int) -> Row:
    from c_latency import _inputs

    macs, weight_bytes, arena, compile_s = model_facts(model)
    row = Row(model.stem, macs, weight_bytes, arena, compile_s)
    xs = _inputs(model)
    slow = macs > NUMPY_MAX_MACS
    r = max(5, runs // 6) if slow else runs
    row.times["c"] = c_latency(model, xs, max(r, 20))
    row.times["xnnpack"] = litert_us(model, xs, r, delegates=True)
    row.times["builtin"] = litert_us(model, xs, r, delegates=False)
    row.times["tflm"] = tflm_us(model, xs, max(3, r // 5))
    row.tflm_arena = tflm_arena(model)
    row.times["numpy1"], row.times["numpy64"] = numpy_us(model, 3 if slow else max(5, r // 3),
                                                         macs)
    return row


def fmt_us(v: float | None) -> str:
    if v is None:
        return "n/a"
    if v >= 1000:
        return f"{v / 1000:.2f} ms"
    return f"{v:.1f} µs" if v >= 10 else f"{v:.2f} µs"


def table(rows: list[Row], peak: Peak) -> list[str]:
    lines = [("| model | tqc C | XNNPACK | C / XNNPACK | LiteRT builtin | TFLM | NumPy b1 | "
              "NumPy b64 / sample | arena tqc / TFLM head (total) | weights | MACs | "
              "roofline bound | C / bound | compile to C |"),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        c, x = r.times["c"], r.times["xnnpack"]
        ratio = f"{c / x:.2f}" if c and x else "n/a"
        arena = (f"{r.arena} / {r.tflm_arena[0]} ({r.tflm_arena[1]})" if r.tflm_arena
                 else f"{r.arena} / n/a")
        bound = peak.bound_us(r.macs, r.weight_bytes)
        lines.append(
            f"| {r.model} | {fmt_us(c)} | {fmt_us(x)} | {ratio} | {fmt_us(r.times['builtin'])} | "
            f"{fmt_us(r.times['tflm'])} | {fmt_us(r.times['numpy1'])} | "
            f"{fmt_us(r.times['numpy64'])} | {arena} | {r.weight_bytes} | {r.macs / 1e6:.2f} M | "
            f"{fmt_us(bound)} | {c / bound if c else math.nan:.1f} | {r.compile_s:.2f} s |")
    return lines


def geomean(rows: list[Row]) -> tuple[float, int]:
    ratios = [r.times["c"] / r.times["xnnpack"] for r in rows  # type: ignore[operator]
              if r.times["c"] and r.times["xnnpack"]]
    return math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else math.nan, len(ratios)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="*")
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--out", help="write the Markdown report here (e.g. docs/performance.md)")
    args = p.parse_args(argv)
    models = [Path(m) for m in args.models] or sorted(SHARED.glob("*.tflite"))
    peak = measure()
    rows = []
    for model in models:
        try:
            row = measure_model(model, args.runs)
        except Exception as e:  # noqa: BLE001 - a model tqc or the harness refuses: say so, go on
            print(f"{model.stem}: skipped ({type(e).__name__}: {str(e).splitlines()[0][:120]})",
                  file=sys.stderr)
            continue
        rows.append(row)
        print(f"{row.model}: " + ", ".join(f"{k} {fmt_us(v)}" for k, v in row.times.items()),
              file=sys.stderr, flush=True)
    gm, count = geomean(rows)
    lines = table(rows, peak)
    lines += ["", f"Geometric mean of C / XNNPACK over the {count} models both run: {gm:.2f}.",
              (f"Machine: {peak.isa}, {peak.macs_per_s / 1e9:.1f} G int8 MAC/s and "
               f"{peak.bytes_per_s / 1e9:.1f} GB/s read, one thread (benchmarks/machine_peak.py).")]
    print("\n".join(lines))
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
