"""Run one random graph (tests/graphgen.py) on tqc's backends and the reference runtime and
compare them all bit for bit; shrink a failure (tests/graphshrink.py) and save it as `.tqm`.

Inputs are `differential.random_inputs(n, seed)` (the first two samples all-minimum and
all-maximum), as tests/test_regressions.py replays them. The reference is TFLM for int8 / int16
graphs and LiteRT BUILTIN_REF for legacy uint8 ones. No fallback: where TFLM refuses an int8 /
int16 graph, LiteRT's kernels are no oracle for the rest of it (its int8 RELU6 requantizes, TFLM's
does not), so the graph is refused.

Outcomes: passed (with notes on backends that refused the graph, a limitation, not a wrong
result); `Refused` (nothing to compare with: the reference refuses the graph, or tqc refuses it
as not supported; the backends that build it must still agree with each other); any other
exception is a failure: a backend differs from the reference or from another backend, fails to
build or run, or tqc refuses a graph the reference runs without calling it unsupported.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from backends_check import run_backends
from differential import random_inputs
from graphgen import Graph
from graphshrink import shrink
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model
from tqc.reference import ReferenceError, Runtime, run_reference_with_runtime
from tqc.samples import sample_shape
from tqc.tflite_writer import write_model
from tqc.tqm_writer import to_tqm

SAMPLES = 5


class Refused(Exception):
    """The graph cannot be compared: the reference refuses it, or tqc does not support it."""


def check_graph(graph: Graph, seed: int, backends: Sequence[str], workdir: Path) -> list[str]:
    """Compare `backends` (numpy always) with the reference and with each other on SAMPLES
    inputs drawn with `seed`; returns notes on backends that refused the graph."""
    path = workdir / "graph.tflite"  # (the file stem names the generated modules)
    write_model(path, graph.tensors, graph.ops, graph.inputs, graph.outputs)
    try:
        module = load_numpy_model(path)
    except TqcError as e:
        if reference_refusal(path, graph):
            raise Refused(f"tqc and the reference refuse the graph: {first_line(e)}") from None
        if "not supported" in str(e) or "unsupported" in str(e):
            raise Refused(f"tqc does not support the graph: {first_line(e)}") from None
        raise
    xs = random_inputs(module.INPUTS, SAMPLES, seed)
    run = module.run(*xs)
    numpy_outputs = [np.asarray(o) for o in (run if isinstance(run, (tuple, list)) else [run])]
    outputs, refused = run_backends(path, xs, backends, numpy_outputs)
    notes = [f"{name} refused the graph: {first_line(e)}" for name, e in refused]
    runtime = reference_runtime(graph)
    try:
        reference, _ = run_reference_with_runtime(path, xs, runtime)
    except ReferenceError as e:
        problems = [f"{name} output {i} differs from numpy: {d}" for name, outs in outputs.items()
                    for i, d in differences(outs, outputs["numpy"])]
        if problems:
            raise AssertionError("\n".join(problems)) from None
        raise Refused(f"the reference refuses the graph ({last_line(e)}); "
                      f"{', '.join(outputs)} agree") from None
    problems = [f"{name} output {i} differs from {runtime}: {d}" for name, outs in outputs.items()
                for i, d in differences(outs, reference)]
    if problems:
        raise AssertionError("\n".join([*problems, agreement(outputs)]))
    return notes


def reference_runtime(graph: Graph) -> Runtime:
    return "litert-ref" if graph.kind == "uint8" else "tflm"


def reference_refusal(path: Path, graph: Graph) -> bool:
    """Whether the reference refuses the model (on all-zero inputs)."""
    specs = [(graph.tensor(name).shape, graph.tensor(name).dtype) for name in graph.inputs]
    zeros = [np.zeros((1, *sample_shape(shape)), dtype) for shape, dtype in specs]
    try:
        run_reference_with_runtime(path, zeros, reference_runtime(graph))
    except ReferenceError:
        return True
    return False


def differences(ours: list[np.ndarray], theirs: list[np.ndarray]) -> list[tuple[int, str]]:
    """(output index, how it differs) for every output that is not bit-identical."""
    if len(ours) != len(theirs):
        return [(-1, f"{len(ours)} outputs, not {len(theirs)}")]
    found = []
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if a.dtype != b.dtype or a.shape != b.shape:
            found.append((i, f"{a.dtype}{list(a.shape)} vs {b.dtype}{list(b.shape)}"))
            continue
        diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
        if diff.any() or np.isnan(diff).any():
            where = tuple(int(v) for v in np.argwhere(diff != 0)[0])
            found.append((i, f"max {np.nanmax(diff)} on {np.count_nonzero(diff)}/{diff.size} values; "
                             f"first at {where}: {a[where]} vs {b[where]}"))
    return found


def agreement(outputs: dict[str, list[np.ndarray]]) -> str:
    names = list(outputs)
    pairs = [f"{a} {'==' if not differences(outputs[a], outputs[b]) else '!='} {b}"
             for k, a in enumerate(names) for b in names[k + 1:]]
    return "backends: " + (", ".join(pairs) if pairs else "numpy only")


def first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def last_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[-1]


def signature(e: BaseException) -> str:
    """What a failure is, for shrinking: its type and the start of its first line up to the
    first number, quote or parenthesis ("AssertionError: c output ")."""
    start = re.split(r"[0-9'\"(]", first_line(e))[0]
    return f"{type(e).__name__}: {start}"


def shrink_failure(graph: Graph, seed: int, backends: Sequence[str], error: BaseException) -> Graph:
    """The smallest graph found that fails like `error` did."""
    wanted = signature(error)

    def fails(candidate: Graph) -> bool:
        with tempfile.TemporaryDirectory(prefix="tqc_graph_") as d:
            try:
                check_graph(candidate, seed, backends, Path(d))
            except Refused:
                return False
            except Exception as e:
                return signature(e) == wanted
        return False

    return shrink(graph, fails, budget=12 if "verilog" in backends else 60)


def save_regression(graph: Graph, directory: Path, stem: str, origin: str, error: BaseException,
                    seed: int, backends: Sequence[str]) -> Path:
    """Write `graph` as `directory/stem.tqm` with a `# check:` header for
    tests/test_regressions.py."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}.tqm"
    comments = [f"Found by tests/test_random_graphs.py ({origin}), shrunk to {len(graph.ops)} ops.",
                f"failure: {type(error).__name__}: {first_line(error)}"[:300],
                f"check: n={SAMPLES} seed={seed} backends={','.join(backends)}"]
    path.write_text(to_tqm(graph.tensors, graph.ops, graph.inputs, graph.outputs, name=stem,
                           comments=comments))
    return path
