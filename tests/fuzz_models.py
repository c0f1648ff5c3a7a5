"""A fuzz harness for hostile model files (tests/test_fuzz.py, docs/robustness.md).

Each case index gives one reproducible damaged model (numpy Generator seeded by (seed, case)),
made from a seed model by one mutation:

- byte level, on any seed (shared models, fixtures, regression .tqm, random graphs): flip bytes,
  truncate, splice two files, overwrite an aligned word with an extreme value (0, 1, -1,
  INT32_MAX, INT32_MIN, a random one), insert or delete a run of bytes;
- meaning level, on a random graph (tests/graphgen.py) before it is written: a scale 0, negative,
  NaN or infinite; a zero point outside its type; a per-channel scale list of the wrong length;
  a shape dimension changed; quantization dropped; an op reading a later op's output (a cycle
  when the two are the same), a tensor nobody writes, or a graph output nobody writes; an
  operand dropped or added.

`run_case` compiles the bytes in this process (import, passes, and the NumPy and C emitters)
and runs the NumPy module on extreme and random inputs with NumPy warnings as errors, under a
time limit (SIGALRM): the outcome is "ran", "refused: <the one-line message>", "hang" or
"crash: <exception>" (a traceback in the CLI, or a run that fails or returns the wrong shapes). A refusal must be one line and must not
be an internal error. With `--backends c verilog-lint verilog-sim`, every model the NumPy module
runs also goes through those back ends (check_backends: C under ASan/UBSan equal to NumPy, Verilog
compiled and lint-clean, simulated equal to NumPy); a failure is a "mismatch: ..." finding. Run it
as a script for a summary of many cases:

    python tests/fuzz_models.py --cases 10000 --seed 1
    python tests/fuzz_models.py --cases 2000 --seed 1 --backends c verilog-lint
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from graphgen import Graph, generate

from tqc.errors import TqcError
from tqc.tflite_writer import Tensor, build_model

ROOT = Path(__file__).parent.parent
SHARED = ROOT.parent / "shared" / "models"
SEED_SIZE_LIMIT = 400_000  # larger shared models take seconds per compile: long mode only
EXTREME_WORDS = (0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x10000, 0xFF)


def file_seeds(large: bool = False) -> list[tuple[str, bytes]]:
    """(name, bytes) of the shared models (when present), fixtures and regression .tqm models."""
    from tqc.tqm import build

    paths = sorted(SHARED.glob("*.tflite")) + sorted((ROOT / "tests" / "fixtures").glob("*.tflite"))
    seeds = [(p.name, p.read_bytes()) for p in paths if large or p.stat().st_size <= SEED_SIZE_LIMIT]
    for p in sorted((ROOT / "tests" / "regressions").glob("*.tqm")):
        seeds.append((p.name, build(p.read_text(), str(p))))
    return seeds


@cache
def _graph(index: int) -> Graph:
    return generate(index, seed=7)


def _graph_bytes(g: Graph) -> bytes:
    return build_model(g.tensors, g.ops, g.inputs, g.outputs)


# -- byte-level mutations ----------------------------------------------------------------------

def flip(rng: np.random.Generator, data: bytes, other: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        b[int(rng.integers(len(b)))] = int(rng.integers(256))
    return bytes(b)


def truncate(rng: np.random.Generator, data: bytes, other: bytes) -> bytes:
    return data[: int(rng.integers(len(data)))]


def splice(rng: np.random.Generator, data: bytes, other: bytes) -> bytes:
    cut = int(rng.integers(min(len(data), len(other))))
    return data[:cut] + other[cut:]


def word(rng: np.random.Generator, data: bytes, other: bytes) -> bytes:
    b = bytearray(data)
    at = int(rng.integers(len(b) - 4)) & ~3
    value = int(rng.choice(EXTREME_WORDS)) if rng.random() < 0.8 else int(rng.integers(2**32))
    b[at:at + 4] = value.to_bytes(4, "little")
    return bytes(b)


def insert_delete(rng: np.random.Generator, data: bytes, other: bytes) -> bytes:
    at, n = int(rng.integers(len(data))), int(rng.integers(1, 17))
    if rng.random() < 0.5:
        return data[:at] + bytes(rng.integers(0, 256, n, dtype=np.uint8)) + data[at:]
    return data[:at] + data[at + n:]


BYTE_MUTATIONS: dict[str, Callable[[np.random.Generator, bytes, bytes], bytes]] = {
    "flip": flip, "truncate": truncate, "splice": splice, "word": word,
    "insert-delete": insert_delete,
}


# -- meaning-level mutations of a random graph ----------------------------------------------------

def _pick_tensor(rng: np.random.Generator, g: Graph, quantized: bool = False) -> int:
    choices = [i for i, t in enumerate(g.tensors) if not quantized or t.scale is not None]
    return int(rng.choice(choices)) if choices else 0


def _scale(rng: np.random.Generator, g: Graph) -> Graph:
    i = _pick_tensor(rng, g, True)
    bad = float(rng.choice([0.0, -0.5, np.nan, np.inf, -np.inf]))
    t = g.tensors[i]
    scale = [bad] * len(t.scale) if isinstance(t.scale, (list, tuple)) else bad
    return _with_tensor(g, i, replace(t, scale=scale))


def _zero_point(rng: np.random.Generator, g: Graph) -> Graph:
    i = _pick_tensor(rng, g, True)
    t = g.tensors[i]
    bad = int(rng.choice([-129, 128, 256, -1, 40000, -40000, 2**31 - 1]))
    zp = [bad] * len(t.scale) if isinstance(t.scale, (list, tuple)) else bad
    return _with_tensor(g, i, replace(t, zero_point=zp))


def _per_channel(rng: np.random.Generator, g: Graph) -> Graph:
    i = _pick_tensor(rng, g, True)
    t = g.tensors[i]
    n = int(rng.integers(2, 6))
    return _with_tensor(g, i, replace(t, scale=[0.01] * n, zero_point=[0] * n,
                                      quantized_dimension=int(rng.integers(0, 5))))


def _shape(rng: np.random.Generator, g: Graph) -> Graph:
    candidates = [i for i, t in enumerate(g.tensors) if t.data is None and t.shape]
    if not candidates:
        return g
    i = int(rng.choice(candidates))
    t = g.tensors[i]
    shape = list(t.shape)
    axis = int(rng.integers(len(shape)))
    shape[axis] = int(rng.choice([shape[axis] + 1, max(1, shape[axis] - 1), 7, 2**31 - 1, 0, -3]))
    if rng.random() < 0.3:
        shape = shape[:-1] if len(shape) > 1 else shape + [2]
    return _with_tensor(g, i, replace(t, shape=tuple(shape)))


def _unquantize(rng: np.random.Generator, g: Graph) -> Graph:
    i = _pick_tensor(rng, g, True)
    return _with_tensor(g, i, replace(g.tensors[i], scale=None, zero_point=None))


def _rewire(rng: np.random.Generator, g: Graph) -> Graph:
    """An op reads a later op's output (or its own: a cycle), or a tensor nobody writes."""
    ops = list(g.ops)
    k = int(rng.integers(len(ops)))
    op = ops[k]
    if not op.inputs:
        return g
    inputs = list(op.inputs)
    slot = int(rng.integers(len(inputs)))
    later = [o for later_op in ops[k:] for o in later_op.outputs]
    tensors = list(g.tensors)
    if rng.random() < 0.6 and later:
        inputs[slot] = str(rng.choice(later))
    else:
        orphan = Tensor(f"orphan_{k}", g.tensor(inputs[slot] or g.inputs[0]).shape, g.kind, 0.1, 0)
        tensors.append(orphan)
        inputs[slot] = orphan.name
    ops[k] = replace(op, inputs=inputs)
    return replace(g, tensors=tensors, ops=ops)


def _arity(rng: np.random.Generator, g: Graph) -> Graph:
    ops = list(g.ops)
    k = int(rng.integers(len(ops)))
    op = ops[k]
    inputs = list(op.inputs)
    if inputs and rng.random() < 0.5:
        inputs.pop(int(rng.integers(len(inputs))))
    else:
        inputs.append(str(rng.choice([t.name for t in g.tensors])))
    ops[k] = replace(op, inputs=inputs)
    return replace(g, ops=ops)


def _output(rng: np.random.Generator, g: Graph) -> Graph:
    orphan = Tensor("orphan_out", (1, 2), g.kind, 0.1, 0)
    return replace(g, tensors=[*g.tensors, orphan], outputs=[*g.outputs, orphan.name])


def _with_tensor(g: Graph, i: int, t: Tensor) -> Graph:
    tensors = list(g.tensors)
    tensors[i] = t
    return replace(g, tensors=tensors)


GRAPH_MUTATIONS: dict[str, Callable[[np.random.Generator, Graph], Graph]] = {
    "scale": _scale, "zero-point": _zero_point, "per-channel": _per_channel, "shape": _shape,
    "unquantized": _unquantize, "rewire": _rewire, "arity": _arity, "output": _output,
}


# -- cases ------------------------------------------------------------------------------------

@dataclass
class Case:
    index: int
    source: str  # the seed model
    mutation: str
    data: bytes

    def describe(self) -> str:
        return f"case {self.index}: {self.mutation} of {self.source} ({len(self.data)} bytes)"


def make_case(index: int, seed: int, seeds: list[tuple[str, bytes]]) -> Case:
    """Case `index`: half byte-level mutations of a file or random graph, half meaning-level."""
    rng = np.random.default_rng([seed, index])
    if rng.random() < 0.4:
        graph_index = int(rng.integers(200))
        g = _graph(graph_index)
        mutation = str(rng.choice(list(GRAPH_MUTATIONS)))
        try:
            data = _graph_bytes(GRAPH_MUTATIONS[mutation](rng, g))
        except (ValueError, OverflowError, KeyError, StopIteration):
            data = _graph_bytes(g)  # the writer cannot spell this mutation: the plain graph
            mutation = "none"
        return Case(index, f"random graph {graph_index}", mutation, data)
    if rng.random() < 0.3:
        name, data = f"random graph {int(rng.integers(200))}", b""
        data = _graph_bytes(_graph(int(name.split()[-1])))
    else:
        name, data = seeds[int(rng.integers(len(seeds)))]
    other = seeds[int(rng.integers(len(seeds)))][1]
    mutation = str(rng.choice(list(BYTE_MUTATIONS)))
    return Case(index, name, mutation, BYTE_MUTATIONS[mutation](rng, data, other))


class Timeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise Timeout()

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_case(case: Case, directory: Path, seconds: float = 30.0,
             backends: tuple[str, ...] = ()) -> str:
    """Compile the case's bytes in-process (NumPy and C emitters) and run the NumPy module on
    three samples (all-minimum, all-maximum, random) with every warning an error (compile and run):
    'ran', 'refused: MSG', 'hang' or 'crash: TYPE: MSG (at FILE:LINE)'. A run that raises, or
    returns outputs of other shapes or dtypes than the model declares, is a crash. `backends`
    (BACKENDS) adds checks of a model the NumPy module ran (check_backends): a failure is a
    'mismatch: ...' finding."""
    from tqc import api
    from tqc.samples import sample_shape

    path = directory / f"case{case.index}.tflite"
    path.write_bytes(case.data)
    try:
        with time_limit(seconds), warnings.catch_warnings():
            warnings.simplefilter("error")  # a compile-time warning (NaN cast, ...) is a finding
            model = api.load(path)
            for target in ("numpy", "c"):
                model.emit(target, "m")
            rng = np.random.default_rng(case.index)
            xs = [_samples(rng, (3, *spec.sample_shape), spec.dtype) for spec in model.inputs]
            with np.errstate(all="raise"):
                ys = model.run(*xs)
            for y, spec in zip(ys, model.outputs, strict=True):
                if y.shape != (3, *sample_shape(spec.shape)) or y.dtype != np.dtype(spec.dtype):
                    raise AssertionError(f"output {y.shape} {y.dtype}, declared {spec.shape} "
                                         f"{spec.dtype}")
        if backends:
            try:
                check_backends(model, xs, list(ys), backends, directory / f"case{case.index}")
            except BackendMismatch as e:
                return f"mismatch: {e}"
        return "ran"
    except TqcError as e:
        return f"refused: {e}"
    except Timeout:
        return "hang"
    except Exception as e:  # noqa: BLE001  (the point: any other exception is a finding)
        frames = [f for f in traceback.extract_tb(e.__traceback__) if "site-packages" not in f.filename]
        at = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        return f"crash: {type(e).__name__}: {str(e)[:200]} (at {at})"
    finally:
        path.unlink(missing_ok=True)


BACKENDS = ("c", "verilog-lint", "verilog-sim")


class BackendMismatch(Exception):
    """Another back end fails or disagrees with the NumPy module on a model that module ran."""


def check_backends(model: object, xs: list[np.ndarray], ys: list[np.ndarray],
                   backends: tuple[str, ...], directory: Path) -> None:
    """The checks of `backends` on a model the NumPy module ran, raising BackendMismatch:
    - c: the C built with ASan and UBSan (tests/test_generated_code.py's flags), run on the same
      samples, equals the NumPy outputs bit for bit (NaN equal to NaN);
    - verilog-lint: the Verilog backend compiles the model (it refuses only what NumPy refuses,
      issue 13) and `verilator --lint-only -Wall` reports nothing;
    - verilog-sim: the simulated design equals the NumPy outputs (`tqc run --target verilog`)."""
    from test_generated_code import SAN_ENV, SANITIZE

    from tqc import api
    from tqc.backends.c.target import build, generate, run_program
    from tqc.backends.verilog import sim

    assert isinstance(model, api.Model)
    stage = ""
    try:
        if "c" in backends:
            stage = "c"
            files, _, program = generate(model.lowered(), "m")
            outs = run_program(build(files, "m", directory / "c", SANITIZE), program, xs, SAN_ENV)
            _same("c", outs, ys)
        if "verilog-lint" in backends or "verilog-sim" in backends:
            stage = "verilog"
            artifact = model.emit("verilog", "m")
            folder = directory / "v"
            folder.mkdir(parents=True, exist_ok=True)
            for fname, text in artifact.files.items():
                (folder / fname).write_text(text) if isinstance(text, str) else (folder / fname).write_bytes(text)
            sources = [f for f in (folder / "m.f").read_text().split() if not f.endswith("_tb.v")]
            log = sim.lint(folder, sources, "m")
            if "%Warning" in log or "%Error" in log:
                raise BackendMismatch(f"verilog lint: {log.strip().splitlines()[0][:200]}")
        if "verilog-sim" in backends:
            stage = "verilog simulation"
            _same("verilog", list(model.run(*xs, target="verilog")), ys)
    except TqcError as e:
        raise BackendMismatch(f"{stage}: {str(e).strip().splitlines()[0][:300]}") from e


def _same(target: str, outs: list[np.ndarray], ys: list[np.ndarray]) -> None:
    for i, (a, b) in enumerate(zip(outs, ys, strict=True)):
        if a.shape != b.shape or a.dtype != b.dtype:
            raise BackendMismatch(f"{target} output {i}: {a.shape} {a.dtype}, NumPy {b.shape} {b.dtype}")
        same = (a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a == b
        if not same.all():
            raise BackendMismatch(f"{target} output {i}: {np.count_nonzero(~same)} of {a.size} values "
                                  "differ from NumPy")


def _samples(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """All-minimum, all-maximum, then random values of `dtype` (floats in [-3, 3])."""
    if dtype.startswith("float"):
        x = rng.uniform(-3, 3, shape).astype(dtype)
        x[0], x[1] = -3, 3
        return x
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype)
    x[0], x[1] = info.min, info.max
    return x


def problem(outcome: str) -> str | None:
    """Why an outcome is a finding, or None when it is fine."""
    if outcome == "ran":
        return None
    if outcome == "hang" or outcome.startswith(("crash", "mismatch")):
        return outcome
    message = outcome.removeprefix("refused: ")
    if "\n" in message or not message.strip():
        return f"refusal is not one line: {message!r}"
    if "internal error" in message:
        return f"internal error: {message}"
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--large", action="store_true", help="also mutate the shared models over 400 kB")
    ap.add_argument("--show", type=int, default=12, help="example messages to print per outcome kind")
    ap.add_argument("--backends", nargs="*", default=[], choices=BACKENDS,
                    help="also check these back ends on every model the NumPy module runs")
    args = ap.parse_args()
    seeds = file_seeds(args.large)
    kinds: Counter[str] = Counter()
    messages: Counter[str] = Counter()
    findings = []
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.first, args.first + args.cases):
            case = make_case(index, args.seed, seeds)
            outcome = run_case(case, Path(tmp), args.timeout, tuple(args.backends))
            kinds[outcome.split(":")[0]] += 1
            if outcome.startswith("refused"):
                messages[_shape_of(outcome)] += 1
            if problem(outcome):
                findings.append(f"{case.describe()}: {outcome}")
                print(findings[-1], flush=True)
    print(f"{args.cases} cases in {time.monotonic() - start:.0f} s: {dict(kinds)}")
    print(f"{len(messages)} kinds of refusal; most common:")
    for text, n in messages.most_common(args.show * 4):
        print(f"  {n:6d}  {text}")
    print(f"{len(findings)} findings")
    return 1 if findings else 0


def _shape_of(outcome: str) -> str:
    """A refusal with its path, numbers and names blanked, to count kinds of message."""
    import re

    text = re.sub(r"'[^']*'", "'…'", outcome.removeprefix("refused: "))
    text = re.sub(r"\(supported: [^)]*\)", "(supported: …)", text)
    return re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "N", text)[:140]


if __name__ == "__main__":
    sys.exit(main())
