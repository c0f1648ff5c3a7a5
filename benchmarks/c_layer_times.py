"""Time per layer of tqc's C: where `NAME_invoke` spends its time.

    python benchmarks/c_layer_times.py MODEL.tflite [--runs 30] [--top 20] [--flags "-O3 -march=native"]
                                       [--runtime tqc_runtime.h]

Generates the model's C, wraps every layer call in `NAME_invoke` in clock_gettime, runs the
model `--runs` times on a random input (benchmarks/c_latency.py's) and prints each layer's
median time, its share of the sum, its operator and kernel shape (from the layer comment),
largest first. The wrapping costs about 50 ns per layer; a profile, not a latency.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from c_latency import _inputs

MAIN = r"""
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include "model.h"
extern double tqc_layer_us[][%(layers)d];
extern int tqc_layer_run;
%(buffers)s
static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
int main(int argc, char **argv) {
  const int runs = argc > 1 ? atoi(argv[1]) : 1;
  FILE *f = fopen(argv[2], "rb");
  int r, l;
  double *t = malloc(sizeof(double) * (size_t)runs);
%(read)s
  for (r = 0; r < 3; ++r) { tqc_layer_run = 0; model_invoke(%(args)s); }
  for (r = 0; r < runs; ++r) { tqc_layer_run = r; model_invoke(%(args)s); }
  for (l = 0; l < %(layers)d; ++l) {
    for (r = 0; r < runs; ++r) t[r] = tqc_layer_us[r][l];
    qsort(t, (size_t)runs, sizeof(double), cmp);
    printf("%%d %%.3f\n", l, t[runs / 2]);
  }
  return 0;
}
"""

CALL = re.compile(r"^  (layer(\d+)_\w+)\((.*)\);$")


def instrument(c_text: str, runs: int) -> tuple[str, int]:
    """The model's C with every layer call in NAME_invoke timed into tqc_layer_us[run][layer]."""
    head, sep, body = c_text.partition("_invoke(")
    lines = body.split("\n")
    count = 0
    for i, line in enumerate(lines):
        m = CALL.match(line)
        if not m:
            continue
        k = int(m.group(2))
        count = max(count, k + 1)
        lines[i] = ("  { struct timespec ta, tb; clock_gettime(CLOCK_MONOTONIC, &ta);\n"
                    f"  {m.group(1)}({m.group(3)});\n"
                    "  clock_gettime(CLOCK_MONOTONIC, &tb);\n"
                    f"  tqc_layer_us[tqc_layer_run][{k}] = (tb.tv_sec - ta.tv_sec) * 1e6 + "
                    "(tb.tv_nsec - ta.tv_nsec) / 1e3; }")
    prelude = ("#define _POSIX_C_SOURCE 199309L\n#include <time.h>\n"
               f"double tqc_layer_us[{runs}][{max(count, 1)}];\nint tqc_layer_run;\n")
    return prelude + head + sep + "\n".join(lines), count


def describe(c_text: str) -> dict[int, str]:
    """Layer index -> its first operator line and kernel shape, from the layer comments."""
    out: dict[int, str] = {}
    for m in re.finditer(r"/\* Layer (\d+) \"[^\"]*\" -> (\S+)\n((?: \*[^\n]*\n)+)", c_text):
        lines = m.group(3).splitlines()
        op = lines[0].strip(" *").split(" -> ")[0] if lines else "?"
        kernel = next((ln.strip(" *").split(" -> ")[0] for ln in lines
                       if re.match(r" \*   (conv_2d|depthwise_conv_2d|fully_connected)\(", ln)), "")
        stride = re.search(r"stride \[(\d+), (\d+)\]", m.group(3))
        extra = f" s{stride.group(1)}" if stride else ""
        out[int(m.group(1))] = f"{op:28s} {m.group(2):22s} {kernel}{extra}"
    return out


def main(argv: list[str] | None = None) -> int:
    from tqc.backends.c.arena import ctype
    from tqc.backends.c.target import BASE_FLAGS, generate
    from tqc.pipeline import lower

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--flags", default="-O3 -march=native")
    p.add_argument("--runtime", help="a tqc_runtime.h to use in place of the generated one")
    args = p.parse_args(argv)
    model = Path(args.model)
    files, _, printer = generate(lower(model), "model")
    text, layers = instrument(files["model.c"], args.runs)
    files["model.c"] = text
    if args.runtime:
        files["tqc_runtime.h"] = Path(args.runtime).read_text()
    ins, outs = printer.io()
    buffers = [f"static {ctype(v)} in{i}[MODEL_INPUT{i}_SIZE];" for i, v in enumerate(ins)]
    buffers += [f"static {ctype(v)} out{j}[MODEL_OUTPUT{j}_SIZE];" for j, v in enumerate(outs)]
    read = [f"  if (fread(in{i}, sizeof in{i}, 1, f) != 1) return 3;" for i in range(len(ins))]
    call = ", ".join([f"in{i}" for i in range(len(ins))] + [f"out{j}" for j in range(len(outs))])
    files["bench.c"] = MAIN % {"buffers": "\n".join(buffers), "read": "\n".join(read),
                               "args": call, "layers": max(layers, 1)}
    with tempfile.TemporaryDirectory(prefix="tqc_layers_") as tmp:
        work = Path(tmp)
        for name, body in files.items():
            (work / name).write_text(body)
        with open(work / "in.bin", "wb") as f:
            f.writelines(np.ascontiguousarray(x).tobytes() for x in _inputs(model))
        flags = [f for f in BASE_FLAGS if f not in ("-std=c99", "-pedantic")] + ["-std=c99"]
        subprocess.run(["gcc", *flags, *args.flags.split(), "model.c", "model_weights.c",
                        "bench.c", "-o", "bench"], cwd=work, check=True)
        out = subprocess.run(["./bench", str(args.runs), "in.bin"], cwd=work, check=True,
                             capture_output=True, text=True).stdout
    times = {int(a): float(b) for a, b in (ln.split() for ln in out.splitlines())}
    total = sum(times.values())
    info = describe(files["model.c"])
    print(f"{model.stem}: sum of layer medians {total:.1f} us over {len(times)} layers")
    for k, t in sorted(times.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"{k:4d} {t:9.1f} us {100 * t / total:5.1f}%  {info.get(k, '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
