"""Compile time against model size: is it linear? (issue 14: "keep compile time linear").

    python benchmarks/compile_curve.py [--targets c numpy] [--layers 16 32 64 128 256 512]
                                       [--shared]

Two curves, each compile in this process from a fresh `tqc.load` (import of the .tflite/.tqm,
the passes, lowering and the target's emitter; the Python start-up and tqc's own import are
not counted), best of --repeats:
- synthetic: chains of N identical 3x3 CONV_2D + RELU layers (int8, 16x16x8, per-channel
  weights; written as .tqm), N = --layers: seconds, and seconds per layer, per target;
- --shared: every model of ../shared/models: operators, file bytes, seconds per target.
Linear means a flat "per layer" column; the shared models show where real graphs sit on it.
Prints Markdown tables (docs/compile-time.md holds a run).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "models"


def conv_chain(n: int) -> str:
    """A .tqm chain of n CONV_2D (8 -> 8 channels, 3x3, SAME) + RELU layers."""
    lines = ["model chain", "input  t0 : int8[1,16,16,8] scale=0.05 zp=-3"]
    zeros = ", ".join(["0"] * 8)
    scales = ", ".join(f"{0.002 + 0.001 * k}" for k in range(8))
    for i in range(1, n + 1):
        lines += [f"const  w{i} : int8[8,3,3,8] scale=[{scales}] zp=0 axis=0 random(seed={i})",
                  f"const  b{i} : int32[8] scale=auto data=[{zeros}]",
                  f"tensor t{i} : int8[1,16,16,8] scale=0.05 zp=-3"]
    for i in range(1, n + 1):
        lines.append(f"t{i} = CONV_2D(t{i - 1}, w{i}, b{i}) padding=SAME activation=RELU")
    lines.append(f"output t{n}")
    return "\n".join(lines) + "\n"


def compile_seconds(path: Path, target: str, repeats: int) -> float:
    import tqc

    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        tqc.load(path).emit(target)
        best = min(best, time.perf_counter() - t0)
    return best


def operator_count(path: Path) -> int:
    from tqc.tflite_reader import read_model

    return len(read_model(path).ops)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--targets", nargs="+", default=["c", "numpy"])
    p.add_argument("--layers", nargs="+", type=int, default=[16, 32, 64, 128, 256, 512])
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--shared", action="store_true")
    args = p.parse_args(argv)
    sep = " | "
    head = ["layers"] + [f"{t} s{sep}{t} ms per layer" for t in args.targets]
    print("| " + sep.join(head) + " |")
    print("|" + "---:|" * (1 + 2 * len(args.targets)))
    with tempfile.TemporaryDirectory(prefix="tqc_curve_") as d:
        warm = Path(d) / "warm.tqm"
        warm.write_text(conv_chain(2))
        for target in args.targets:  # tqc's lazy imports and first-use caches, not timed
            compile_seconds(warm, target, 1)
        for n in args.layers:
            path = Path(d) / f"chain{n}.tqm"
            path.write_text(conv_chain(n))
            cells = [str(n)]
            for target in args.targets:
                s = compile_seconds(path, target, args.repeats)
                cells += [f"{s:.2f}", f"{1000 * s / n:.1f}"]
            print("| " + sep.join(cells) + " |", flush=True)
    if args.shared and SHARED.is_dir():
        print()
        print("| model | operators | file bytes | " + sep.join(f"{t} s" for t in args.targets) + " |")
        print("|---|---:|---:|" + "---:|" * len(args.targets))
        for path in sorted(SHARED.glob("*.tflite"), key=lambda q: q.stat().st_size):
            cells = [path.stem, str(operator_count(path)), f"{path.stat().st_size:,}".replace(",", " ")]
            for target in args.targets:
                try:
                    cells.append(f"{compile_seconds(path, target, args.repeats):.2f}")
                except Exception as e:  # a refusal: the row says so
                    cells.append(f"refused: {str(e).splitlines()[0][:60]}")
            print("| " + sep.join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
