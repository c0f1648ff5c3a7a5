"""Time generated NumPy modules of two (or more) tqc versions against each other, interleaved.

    OPENBLAS_NUM_THREADS=1 python benchmarks/numpy_compare.py DIR_A DIR_B MODEL [MODEL ...]

DIR_A, DIR_B: folders holding MODEL.py files written by `tqc compile MODEL.tflite --target numpy`
with two versions of tqc (e.g. main and a branch). Per model: batch 1 and batch 64 (per sample)
of each folder's module, in turns, best of --reps; CPU time of this process (process_time), which
a shared, loaded machine disturbs far less than wall time. Also checks that the outputs agree.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from differential import random_inputs


def load(folder: Path, model: str, tag: int) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{model}_{tag}", folder / f"{model}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outputs(result: object) -> list[np.ndarray]:
    return list(result) if isinstance(result, tuple) else [np.asarray(result)]


def cpu_seconds(module: ModuleType, xs: list[np.ndarray]) -> float:
    t0 = time.process_time()
    module.run(*xs)
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folders", nargs=2, type=Path)
    parser.add_argument("models", nargs="+")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    for model in args.models:
        modules = [load(folder, model, i) for i, folder in enumerate(args.folders)]
        one = random_inputs(modules[0].INPUTS, 1, seed=1)
        many = random_inputs(modules[0].INPUTS, 64, seed=1)
        results = [outputs(m.run(*many)) for m in modules]
        same = all(all(np.array_equal(a, b) for a, b in zip(results[0], r)) for r in results)
        t1: list[list[float]] = [[] for _ in modules]
        t64: list[list[float]] = [[] for _ in modules]
        for _ in range(args.reps):
            for i, m in enumerate(modules):
                t1[i].append(cpu_seconds(m, one))
                t64[i].append(cpu_seconds(m, many) / 64)
        cells = " | ".join(f"{min(a) * 1e3:.2f} ms b1, {min(b) * 1e3:.2f} ms/sample b64"
                           for a, b in zip(t1, t64))
        print(f"{model}: {cells} | outputs {'equal' if same else 'DIFFER'}", flush=True)


if __name__ == "__main__":
    main()
