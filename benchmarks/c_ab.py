"""A/B latency of tqc's C between two versions of the compiler (interleaved, same machine load).

    python benchmarks/c_ab.py --save DIR MODEL.tflite ...        # snapshot this tree's C
    python benchmarks/c_ab.py --against DIR MODEL.tflite ... [--rounds 5] [--runs 100]
                              [--flags "-O3 -march=native"]

`--save` writes each model's generated C (with c_latency.py's harness and random input) to
DIR/MODEL/; `--against` generates the C of this tree, builds both with the same flags and runs
the two programs alternately `--rounds` times (after checking that their outputs on the input
are equal) (each a median of `--runs` invocations), then
prints per model the median of the round medians for both and their ratio (before / after).
On a shared, loaded machine the interleaving keeps both sides under the same load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from c_latency import BENCH_MAIN, FLAGS, _inputs

CHECK_MAIN = r"""
#include <stdio.h>
#include "model.h"
%(buffers)s
int main(int argc, char **argv) {
  FILE *f = fopen(argv[1], "rb");
  (void)argc;
%(read)s
  if (model_invoke(%(args)s) != 0) return 2;
%(dump)s
  return 0;
}
"""


def write_c(model: Path, work: Path) -> None:
    """The model's generated C, bench.c and in.bin in `work`."""
    from tqc.backends.c.arena import ctype
    from tqc.backends.c.target import generate
    from tqc.pipeline import lower

    files, _, printer = generate(lower(model), "model")
    ins, outs = printer.io()
    buffers = [f"static {ctype(v)} in{i}[MODEL_INPUT{i}_SIZE];" for i, v in enumerate(ins)]
    buffers += [f"static {ctype(v)} out{j}[MODEL_OUTPUT{j}_SIZE];" for j, v in enumerate(outs)]
    read = [f"  if (f && fread(in{i}, sizeof in{i}, 1, f) != 1) return 3;" for i in range(len(ins))]
    args = ", ".join([f"in{i}" for i in range(len(ins))] + [f"out{j}" for j in range(len(outs))])
    files["bench.c"] = BENCH_MAIN % {"buffers": "\n".join(buffers), "read": "\n".join(read),
                                     "args": args}
    dump = [f"  fwrite(out{j}, sizeof out{j}, 1, stdout);" for j in range(len(outs))]
    files["check.c"] = CHECK_MAIN % {"buffers": "\n".join(buffers), "read": "\n".join(read),
                                     "args": args, "dump": "\n".join(dump)}
    work.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (work / name).write_text(text)
    with open(work / "in.bin", "wb") as f:
        f.writelines(np.ascontiguousarray(x).tobytes() for x in _inputs(model))


def build(work: Path, flags: list[str], cc: str = "gcc") -> None:
    from tqc.backends.c.target import BASE_FLAGS

    base = [f for f in BASE_FLAGS if f != "-std=c99"] + ["-std=c99"]
    for main in ("bench", "check"):
        subprocess.run([cc, *base, *flags, "model.c", "model_weights.c", f"{main}.c", "-o", main],
                       cwd=work, check=True)


def outputs(work: Path) -> bytes:
    return subprocess.run(["./check", "in.bin"], cwd=work, check=True,
                          capture_output=True).stdout


def run(work: Path, runs: int) -> float:
    out = subprocess.run(["./bench", str(runs), "in.bin"], cwd=work, check=True,
                         capture_output=True, text=True)
    return float(out.stdout)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="+")
    p.add_argument("--save", type=Path)
    p.add_argument("--against", type=Path)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--flags", default=" ".join(FLAGS))
    args = p.parse_args(argv)
    flags = args.flags.split()
    for m in args.models:
        model = Path(m)
        if args.save:
            write_c(model, args.save / model.stem)
            continue
        assert args.against, "--save or --against"
        before = args.against / model.stem
        with tempfile.TemporaryDirectory(prefix="tqc_ab_") as tmp:
            after = Path(tmp)
            write_c(model, after)
            build(before, flags)
            build(after, flags)
            same = outputs(before) == outputs(after)
            tb, ta = [], []
            for _ in range(args.rounds):
                tb.append(run(before, args.runs))
                ta.append(run(after, args.runs))
            b, a = statistics.median(tb), statistics.median(ta)
            unit = "us"
            print(f"{model.stem:45s} before {b:9.1f} {unit}  after {a:9.1f} {unit}  speed-up {b / a:5.2f}"
                  f"  (min {min(tb) / min(ta):5.2f})"
                  f"  outputs {'equal' if same else 'DIFFER'}   (rounds before {min(tb):.1f}-{max(tb):.1f}, after {min(ta):.1f}-{max(ta):.1f})",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
