"""Compile every model to NumPy, run N random samples, compare with the reference, and time it.

    python benchmarks/numpy_models.py [--n 8] [--out docs/numpy-results.md] [MODEL ...]

Prints (and writes, with --out) a Markdown table: model, reference runtime, bit-exact or not,
compile time, NumPy time per sample (batched), reference time per sample (child process,
including its start-up).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# NumPy's BLAS on one thread, as XNNPACK is timed; threads also spin against the other jobs of
# a shared machine (ResNet-8 at batch 1: 15 ms per small product with two OpenBLAS threads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from differential import SHARED_MODELS, random_inputs  # noqa: E402

from tqc.errors import TqcError  # noqa: E402
from tqc.pipeline import load_numpy_model  # noqa: E402
from tqc.reference import run_reference_with_runtime  # noqa: E402


def measure(path: Path, n: int) -> str:
    t0 = time.perf_counter()
    try:
        module = load_numpy_model(path)
    except TqcError as e:
        return f"| {path.name} | | refused: {e} | | | |"
    t_compile = time.perf_counter() - t0
    xs = random_inputs(module.INPUTS, n, seed=1)
    t0 = time.perf_counter()
    ours = module.run(*xs)
    t_ours = (time.perf_counter() - t0) / n
    ours = list(ours) if isinstance(ours, tuple) else [ours]
    t0 = time.perf_counter()
    ref, runtime = run_reference_with_runtime(path, xs)
    t_ref = (time.perf_counter() - t0) / n
    diffs = [int(np.count_nonzero(a.astype(np.int64) != b.astype(np.int64)))
             if a.dtype.kind in "iu" else int(np.count_nonzero(a != b)) for a, b in zip(ours, ref)]
    total = sum(a.size for a in ours)
    verdict = "yes" if not any(diffs) else f"NO ({sum(diffs)}/{total} differ)"
    return (f"| {path.name} | {runtime} | {verdict} | {t_compile:.2f} s | "
            f"{t_ours * 1000:.1f} ms | {t_ref * 1000:.1f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="*")
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--out")
    args = parser.parse_args()
    paths = [Path(m) for m in args.models] or sorted(
        [*SHARED_MODELS.glob("*.tflite"), *(ROOT / "tests" / "fixtures").glob("*.tflite")])
    lines = [f"Bit-exactness and speed of the NumPy backend, {args.n} random samples per model "
             "(the first two all-minimum and all-maximum).", "",
             "| model | reference | bit-exact | compile | NumPy / sample | reference / sample |",
             "|---|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)
    for path in paths:
        line = measure(path, args.n)
        print(line, flush=True)
        lines.append(line)
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
