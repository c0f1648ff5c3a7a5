"""Median latency of one inference: tqc's C (`NAME_invoke`, gcc -O3 -march=native, one thread)
beside LiteRT with XNNPACK (1 thread) and the TFLite Micro interpreter (reference kernels).

    python benchmarks/c_latency.py [--runs 50] [--markdown] [MODEL.tflite ...]

Without models, runs the shared models that tqc compiles (../shared/models). Each runtime gets
the same random input; the time is the median of `--runs` invocations after warm-up (C: measured
inside the program with clock_gettime; LiteRT and TFLM: around `invoke()` from Python, which adds
a few microseconds of call overhead). XNNPACK is not bit-exact with the reference (it rounds
once); TFLM is the reference tqc's C matches bit for bit.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "models"
DEFAULT_MODELS = [
    "tflm_hello_world_sine_int8.tflite", "tflm_micro_speech_int8.tflite",
    "mlperftiny_kws_dscnn_int8.tflite", "mlperftiny_sww_streaming_wakeword_int8.tflite",
    "mlperftiny_ad_toycar_fc_autoencoder_int8.tflite", "mlperftiny_ic_resnet8_cifar10_int8.tflite",
    "mlperftiny_vww_mobilenetv1_96_int8.tflite", "tflm_person_detect_mobilenetv1_int8.tflite",
    "coral_mobilenet_v1_025_128_uint8.tflite", "mcunet_person_detection_int8_floatio.tflite",
    "coral_tf2_mobilenet_v2_100_224_ptq_int8_uint8io.tflite",
    "tflm_xtensa_pytorch_mobilenet_v2_224_int8.tflite", "armmlzoo_ssd_mobilenet_v3_int8.tflite",
]
FLAGS = ["-O3", "-march=native"]

BENCH_MAIN = r"""
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "model.h"
%(buffers)s
static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
int main(int argc, char **argv) {
  const int runs = argc > 1 ? atoi(argv[1]) : 50;
  double *t = malloc(sizeof(double) * (size_t)runs);
  FILE *f = argc > 2 ? fopen(argv[2], "rb") : NULL;
  int r;
  if (!t) return 1;
%(read)s
  for (r = 0; r < 3; ++r) model_invoke(%(args)s);
  for (r = 0; r < runs; ++r) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (model_invoke(%(args)s) != 0) return 2;
    clock_gettime(CLOCK_MONOTONIC, &b);
    t[r] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
  }
  qsort(t, (size_t)runs, sizeof(double), cmp);
  printf("%%.3f\n", t[runs / 2]);
  return 0;
}
"""


def _inputs(model: Path) -> list[np.ndarray]:
    from tqc.pipeline import io_specs, lower

    rng = np.random.default_rng(0)
    xs = []
    for shape, dtype in io_specs(lower(model))[0]:
        if dtype.startswith("float"):
            xs.append(rng.uniform(-1, 1, shape).astype(dtype))
        else:
            info = np.iinfo(dtype)
            xs.append(rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype))
    return xs


def c_latency(model: Path, xs: list[np.ndarray], runs: int, cc: str = "gcc") -> float:
    """Median microseconds of model_invoke (gcc -O3 -march=native)."""
    from tqc.backends.c.arena import ctype
    from tqc.backends.c.target import BASE_FLAGS, generate
    from tqc.pipeline import lower

    files, _, printer = generate(lower(model), "model")
    ins, outs = printer.io()
    buffers = [f"static {ctype(v)} in{i}[MODEL_INPUT{i}_SIZE];" for i, v in enumerate(ins)]
    buffers += [f"static {ctype(v)} out{j}[MODEL_OUTPUT{j}_SIZE];" for j, v in enumerate(outs)]
    read = [f"  if (f && fread(in{i}, sizeof in{i}, 1, f) != 1) return 3;" for i in range(len(ins))]
    args = ", ".join([f"in{i}" for i in range(len(ins))] + [f"out{j}" for j in range(len(outs))])
    files["bench.c"] = BENCH_MAIN % {"buffers": "\n".join(buffers), "read": "\n".join(read),
                                     "args": args}
    with tempfile.TemporaryDirectory(prefix="tqc_bench_") as tmp:
        work = Path(tmp)
        for name, text in files.items():
            (work / name).write_text(text)
        with open(work / "in.bin", "wb") as f:
            for x in xs:
                f.write(np.ascontiguousarray(x).tobytes())
        flags = [f for f in BASE_FLAGS if f != "-std=c99"] + ["-std=c99"]
        subprocess.run([cc, *flags, *FLAGS, "model.c", "model_weights.c", "bench.c", "-o", "bench"],
                       cwd=work, check=True)
        out = subprocess.run(["./bench", str(runs), "in.bin"], cwd=work, check=True,
                             capture_output=True, text=True)
    return float(out.stdout)


def median_us(invoke: Callable[[], object], runs: int) -> float:
    """Median microseconds of `runs` calls after 3 warm-up calls."""
    for _ in range(3):
        invoke()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        invoke()
        times.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(times)


def xnnpack_latency(model: Path, xs: list[np.ndarray], runs: int) -> float | None:
    from ai_edge_litert.interpreter import Interpreter

    try:
        it = Interpreter(model_path=str(model), num_threads=1)
        it.allocate_tensors()
    except Exception:  # LiteRT refuses some models (e.g. person_detect)
        return None
    for d, x in zip(it.get_input_details(), xs):
        it.set_tensor(d["index"], x)
    return median_us(it.invoke, runs)


def tflm_latency(model: Path, xs: list[np.ndarray], runs: int) -> float | None:
    from tflite_micro.python.tflite_micro import runtime

    try:
        it = runtime.Interpreter.from_file(str(model), arena_size=64 << 20)
        for i, x in enumerate(xs):
            it.set_input(x, i)
        it.invoke()
    except Exception:  # TFLM refuses legacy uint8 models
        return None
    return median_us(it.invoke, runs)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="*")
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = p.parse_args(argv)
    models = [Path(m) for m in args.models] or [SHARED / m for m in DEFAULT_MODELS]
    rows = []
    for model in models:
        if not model.exists():
            print(f"skipping {model} (not found)", file=sys.stderr)
            continue
        xs = _inputs(model)
        runs = max(5, args.runs // 10) if model.stat().st_size > 1_000_000 else args.runs
        c = c_latency(model, xs, runs)
        x = xnnpack_latency(model, xs, runs)
        t = tflm_latency(model, xs, max(3, runs // 5))
        rows.append((model.stem, c, x, t))
        print(f"{model.stem}: C {c:.1f} us, XNNPACK {x if x is None else round(x, 1)} us, "
              f"TFLM {t if t is None else round(t, 1)} us", file=sys.stderr)

    def fmt(v: float | None) -> str:
        if v is None:
            return "n/a"
        return f"{v / 1000:.2f} ms" if v >= 1000 else f"{v:.1f} µs"

    if args.markdown:
        print("| model | tqc C (gcc -O3 -march=native) | LiteRT XNNPACK (1 thread) | TFLM interpreter |")
        print("|---|---:|---:|---:|")
    for name, c, x, t in rows:
        if args.markdown:
            print(f"| {name} | {fmt(c)} | {fmt(x)} | {fmt(t)} |")
        else:
            print(f"{name:55s} {fmt(c):>12s} {fmt(x):>12s} {fmt(t):>12s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
