"""Instructions per invocation of tqc's C on 64-bit ARM, counted under qemu-aarch64.

    python benchmarks/aarch64_counts.py MODEL.tflite ... [--by-function] [--variants a,b]

Each model's generated C is cross-built (aarch64-linux-gnu-gcc, static) with the flag sets of
VARIANTS and run on one sample under `qemu-aarch64 -singlestep -d exec,nochain`, which logs one
line per executed instruction with its symbol (about 250 k lines/s, so large models take
minutes); the instructions of the model's own code (symbols `model_*`, `layer*`, `tqc_*` and
the C library's mem* routines the compiler may call) are those of one `NAME_invoke`, without
the program's start-up and file I/O. An instruction count, not a speed: NEON instructions
differ in cost, and qemu says nothing of a real core's pipelines or caches; take it as a rough
indicator only. `--by-function`: the instructions per symbol (static functions the compiler
kept out of line, the layer functions, NAME_invoke with what it inlined).
"""

from __future__ import annotations

import argparse
import collections
import re
import shlex
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from tqc.backends.c.target import build, generate
from tqc.pipeline import io_specs, lower

CROSS, QEMU = "aarch64-linux-gnu-gcc", "qemu-aarch64"
VARIANTS = {
    "portable": ["-O2", "-DTQC_NO_SIMD", "-march=armv8-a"],
    "neon": ["-O2", "-march=armv8-a"],
    "portable_dotprod": ["-O2", "-DTQC_NO_SIMD", "-march=armv8.2-a+dotprod"],
    "dotprod": ["-O2", "-march=armv8.2-a+dotprod"],
    "a76": ["-O3", "-mcpu=cortex-a76"],
}


MODEL_CODE = re.compile(r"(model_|layer|tqc_|mem(cpy|set|move)|__mem(cpy|set|move))")


def _trace(exe: Path, args: list[str]) -> collections.Counter[str]:
    """Executed instructions per symbol of one run (awk counts: Python reads lines too slowly)."""
    cmd = (f"{shlex.quote(QEMU)} -singlestep -d exec,nochain -D /dev/stdout "
           f"{shlex.join([str(exe), *args])} | "
           "awk '/^Trace /{c[$NF]++} END{for (k in c) print c[k], k}'")
    proc = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, check=True)
    counts: collections.Counter[str] = collections.Counter()
    for line in proc.stdout.splitlines():
        n, _, sym = line.partition(" ")
        if n.isdigit():
            counts[sym] += int(n)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="+", type=Path)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--by-function", action="store_true")
    args = ap.parse_args()
    names = args.variants.split(",")
    print("| model | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for model in args.models:
        module = lower(model)
        files, _, _ = generate(module, "model")
        rng = np.random.default_rng(0)
        row = []
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            ins = []
            for i, (shape, dtype) in enumerate(io_specs(module)[0]):
                sample = tuple(shape[1:]) if shape and shape[0] == 1 else tuple(shape)
                info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
                x = (rng.integers(info.min, info.max + 1, (1, *sample)).astype(dtype) if info
                     else rng.uniform(-1, 1, (1, *sample)).astype(dtype))
                x.tofile(work / f"in{i}.bin")
                ins.append(str(work / f"in{i}.bin"))
            outs = [str(work / f"out{j}.bin") for j in range(len(io_specs(module)[1]))]
            for name in names:
                exe = build(files, "model", work / name, [*VARIANTS[name], "-static"], cc=CROSS)
                counts = _trace(exe, [*ins, *outs])
                ours = sum(c for sym, c in counts.items() if MODEL_CODE.match(sym))
                row.append(f"{ours / 1e6:.3f} M")
                if args.by_function:
                    print(f"\n{model.stem} {name}:")
                    for sym, c in counts.most_common(12):
                        print(f"  {c:>10}  {sym}")
        print(f"| {model.stem} | " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
