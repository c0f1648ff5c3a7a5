"""`tqc verify`: run a compiled model and a reference runtime on the same inputs, layer by layer.

1. The model itself: tqc's `target` and the oracle on N samples (random over each input's
   type range, the first two samples all-minimum and all-maximum; float inputs uniform in
   [-3, 3]). Identical outputs on every sample is the verdict (`identical`).
2. Layer by layer: the tapped copy of the model (tqc/tap.py: every layer's output is also a
   graph output) through both, so each layer's tensor is compared: the first operator whose
   output differs, its largest difference in LSB (integer units of the tensor) and the share of
   elements that differ.
3. The likely cause at that layer: when the other `--rounding` makes it match, "single vs
   double rounding"; when its output differs although every input of the op matched, the op's
   own arithmetic; otherwise a difference carried in from an earlier layer.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tqc import progress
from tqc.errors import TqcError
from tqc.samples import sample_shape
from tqc.tap import Tap, tap_model

ORACLES = {"auto": "auto", "tflm": "tflm", "litert-ref": "litert-ref",
           "xnnpack": "litert-xnnpack"}


@dataclass
class LayerDiff:
    tap: Tap
    max_lsb: float  # largest |ours - oracle| (integer units; absolute for float tensors)
    differing: int
    total: int
    is_float: bool = False

    @property
    def share(self) -> float:
        return self.differing / self.total if self.total else 0.0

    def describe(self) -> str:
        where = (f"op #{self.tap.op_index} {self.tap.opcode} -> " if self.tap.op_index >= 0
                 else "")
        size = f"{self.max_lsb:g}" if self.is_float else f"{self.max_lsb:g} LSB"
        return (f"{where}'{self.tap.tensor}': max {size} on {self.differing}/"
                f"{self.total} values ({100 * self.share:.2g}%)")


@dataclass
class VerifyReport:
    model: str
    target: str
    oracle: str
    samples: int
    outputs: list[LayerDiff] = field(default_factory=list)  # the model's own outputs
    layers: list[LayerDiff] = field(default_factory=list)  # every tapped layer, in op order
    layers_error: str | None = None  # why the layer-by-layer run was not possible
    cause: str | None = None

    @property
    def identical(self) -> bool:
        return not any(d.differing for d in self.outputs + self.layers)

    @property
    def first_difference(self) -> LayerDiff | None:
        return next((d for d in self.layers if d.differing), None)

    def lines(self) -> list[str]:
        head = f"{self.model}: tqc {self.target} vs {self.oracle} on {self.samples} samples"
        if self.identical and self.layers_error is None:
            return [(f"{head}: identical ({len(self.outputs)} outputs, {len(self.layers)} "
                     f"layers compared)")]
        out = [head]
        for d in self.outputs:
            out.append(f"  {d.describe() if d.differing else d.tap.tensor + ': identical'}")
        if self.layers_error:
            out.append(f"  layer by layer: not available ({self.layers_error})")
        first = self.first_difference
        if first is not None:
            same = sum(1 for d in self.layers if d.tap.op_index < first.tap.op_index)
            out.append(f"  first layer that differs: {first.describe()} ({same} earlier "
                       f"layers identical)")
            later = [d for d in self.layers if d.differing and d is not first]
            if later:
                out.append(f"  {len(later)} later layers differ too, up to "
                           f"{max(d.max_lsb for d in later):g} LSB")
        elif self.layers and not self.layers_error:
            out.append(f"  every one of the {len(self.layers)} tapped layers is identical")
        if self.cause:
            out.append(f"  likely cause: {self.cause}")
        return out


def random_samples(specs: list[tuple[tuple[int, ...], str]], n: int, seed: int) -> list[np.ndarray]:
    """n samples per input: integers uniform over the type (the first two all-minimum and
    all-maximum when n >= 3), floats uniform in [-3, 3]."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape, dtype in specs:
        full = (n, *sample_shape(shape))
        if np.dtype(dtype).kind == "f":
            arrays.append(rng.uniform(-3, 3, full).astype(dtype))
            continue
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, full, endpoint=True).astype(dtype)
        if n >= 3:
            x[0], x[1] = info.min, info.max
        arrays.append(x)
    return arrays


def _diff(tap: Tap, ours: np.ndarray, ref: np.ndarray) -> LayerDiff:
    a, b = np.asarray(ours), np.asarray(ref)
    if a.shape != b.shape:
        raise TqcError(f"'{tap.tensor}': tqc gives shape {a.shape}, the oracle {b.shape}")
    d = np.abs(a.astype(np.float64) - b.astype(np.float64))
    return LayerDiff(tap, float(d.max()) if d.size else 0.0, int(np.count_nonzero(d)), d.size,
                     a.dtype.kind == "f")


def _run_oracle(path: Path, xs: list[np.ndarray], runtime: str) -> tuple[list[np.ndarray], str]:
    """The oracle's outputs and the runtime that gave them (`runtime` "auto" picks one)."""
    from tqc.reference import ReferenceError, run_reference_with_runtime

    try:
        with progress.step(f"reference run ({runtime}) on {len(xs[0]) if xs else 0} samples of {path.name}"):
            outs, used = run_reference_with_runtime(path, xs, runtime)  # type: ignore[arg-type]
    except ReferenceError as e:
        raise TqcError(f"the oracle failed: {str(e).splitlines()[0]}") from None
    return outs, used


def _run_tqc(path: Path, xs: list[np.ndarray], target: str, rounding: str,
             fold_batch_norm: bool, reference: str = "tflm") -> list[np.ndarray]:
    """tqc's `target` on the samples (the pipeline directly: tqc.api builds on this module)."""
    from tqc.pipeline import identifier, lower
    from tqc.targets import TargetOptions, get_target

    module = lower(path, rounding, fold_batch_norm, reference=reference)
    result = get_target(target).run(module, identifier(path.stem), xs, TargetOptions())
    return [np.asarray(o) for o in result.outputs]


def _input_specs(path: Path) -> list[tuple[tuple[int, ...], str]]:
    from tqc.reference import model_info

    return [(s.shape, s.dtype.name) for s in model_info(path).inputs]


def verify(path: str | Path, target: str = "numpy", oracle: str = "auto", samples: int = 8,
           seed: int = 0, rounding: str = "double", fold_batch_norm: bool = False,
           layers: bool = True, reference: str = "tflm") -> VerifyReport:
    """Compare tqc's `target` with `oracle` on `samples` random samples (see the module doc).
    `reference`: the arithmetic tqc compiles (`--reference`); `oracle="auto"` is then that
    runtime (xnnpack: LiteRT's default path; litert-ref: LiteRT BUILTIN_REF)."""
    if oracle not in ORACLES:
        raise TqcError(f"--oracle must be one of {', '.join(ORACLES)}, not {oracle!r}")
    if samples < 1:
        raise TqcError(f"--samples must be at least 1, not {samples}")
    from tqc.tqm import model_path

    if rounding not in ("double", "single"):
        raise TqcError(f"rounding must be double or single, not {rounding!r}")
    if oracle == "auto" and reference in ("xnnpack", "litert-ref"):
        oracle = reference
    path = Path(path)
    tflite = model_path(path)  # a .tqm is built once
    if not tflite.is_file():
        raise TqcError(f"cannot read '{path}': no such file")
    xs = random_samples(_input_specs(tflite), samples, seed)
    ours = _run_tqc(tflite, xs, target, rounding, fold_batch_norm, reference)
    ref, used = _run_oracle(tflite, xs, ORACLES[oracle])
    report = VerifyReport(str(path), target, used, samples)
    report.outputs = [_diff(Tap(i, f"output {i}", -1, "", True), a, b)
                      for i, (a, b) in enumerate(zip(ours, ref))]
    if layers and fold_batch_norm:
        report.layers_error = ("--fold-batch-norm folds across layers, so a copy with every "
                               "layer tapped would fold differently")
    elif layers:
        try:
            _compare_layers(report, tflite, xs, target, used, rounding, fold_batch_norm,
                            reference)
        except TqcError as e:
            report.layers_error = str(e)
    return report


def _compare_layers(report: VerifyReport, path: Path, xs: list[np.ndarray], target: str,
                    oracle: str, rounding: str, fold_batch_norm: bool,
                    reference: str = "tflm") -> None:
    with tempfile.TemporaryDirectory(prefix="tqc_verify_") as tmp:
        tapped = Path(tmp) / f"{path.stem}_tapped.tflite"
        taps = tap_model(path, tapped)
        ours = _run_tqc(tapped, xs, target, rounding, fold_batch_norm, reference)
        ref, _ = _run_oracle(tapped, xs, oracle)
        diffs = [_diff(t, ours[t.position], ref[t.position]) for t in taps]
        report.layers = sorted((d for d in diffs if d.tap.op_index >= 0),
                               key=lambda d: d.tap.op_index)
        first = report.first_difference
        if first is None:
            if any(d.differing for d in report.outputs):
                report.cause = ("the outputs differ but no tapped layer does: the tapped copy "
                                "compiles differently (a tapped tensor keeps tqc from fusing "
                                "across it), so the difference lies in a fusion")
            return
        other = "single" if rounding == "double" else "double"
        swapped = _run_tqc(tapped, xs, "numpy", other, fold_batch_norm, reference)
        report.cause = _cause(first, swapped[first.tap.position], ref[first.tap.position],
                              rounding, other, report.layers)


def _cause(first: LayerDiff, swapped: np.ndarray, ref: np.ndarray, rounding: str, other: str,
           layers: list[LayerDiff]) -> str:
    where = f"layer #{first.tap.op_index} ({first.tap.opcode})"
    if np.array_equal(np.asarray(swapped), ref):
        times = {"double": "twice", "single": "once"}
        return (f"single vs double rounding in {where}'s requantize: the oracle rounds "
                f"{times[other]}, tqc {times[rounding]} (--rounding {rounding}); with --rounding "
                f"{other} that layer matches the oracle")
    earlier = [d for d in layers if d.tap.op_index < first.tap.op_index]
    inputs_ok = all(not d.differing for d in earlier)
    if first.max_lsb <= 1:
        return (f"an off-by-one in {where}'s own arithmetic (every earlier layer matches): a "
                f"rounding step or a multiplier computed differently (tqc explain --layer "
                f"{first.tap.op_index} shows each step)" if inputs_ok else
                f"an off-by-one in {where}")
    return (f"{where} computes differently from the oracle (up to {first.max_lsb:g} LSB; every "
            f"earlier layer matches): a kernel difference, not rounding alone")
