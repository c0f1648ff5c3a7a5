"""The Python API: load a model once, then compile, run, explain or verify it.

    import tqc
    m = tqc.load("model.tflite")              # or a .tqm text model
    m.compile("c", "out/")                     # writes out/model.c, model.h, ...
    y = m.run(x)                               # NumPy backend; x has a leading sample axis N
    y = m.run(x, target="c")
    for layer in m.explain(): print(layer.title, layer.rescales)
    print("\n".join(m.verify("c", samples=16).lines()))   # against TFLM / LiteRT, layer by layer

The CLI's compile, run and explain go through this module, so both see the same arithmetic.
Arithmetic options (`rounding`, `fold_batch_norm`, `stream`) are fixed at `load` time: they
change the lowered IR, which `Model` lowers once and caches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tqc.errors import TqcError
from tqc.outputs import check_options, write_folder
from tqc.samples import check_samples, describe, sample_shape

if TYPE_CHECKING:
    from xdsl.dialects.builtin import ModuleOp

    from tqc.explain import LayerReport
    from tqc.targets import Artifact
    from tqc.verify import VerifyReport

ROUNDINGS = ("double", "single")


@dataclass(frozen=True)
class TensorSpec:
    """Shape (as in the model) and NumPy dtype of one model input or output."""

    shape: tuple[int, ...]
    dtype: str

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """The shape of one sample (tqc/samples.py: a leading batch of 1 is dropped)."""
        return sample_shape(self.shape)


@dataclass
class Model:
    """A model and the arithmetic options it is compiled with. Use `tqc.load` to make one."""

    path: Path
    rounding: str = "double"
    fold_batch_norm: bool = False
    stream: bool = False
    reference: str = "tflm"
    _lowered: ModuleOp | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The default module name: the file's stem as an identifier."""
        from tqc.pipeline import identifier

        return identifier(self.path.stem)

    def lowered(self) -> ModuleOp:
        """The integer (`tqi`) IR every backend prints; lowered on first use, then cached.
        Callers must not change it (backends only read it)."""
        if self._lowered is None:
            from tqc.pipeline import lower

            self._lowered = lower(self.path, self.rounding, self.fold_batch_norm, self.stream,
                                  self.reference)
        return self._lowered

    @property
    def inputs(self) -> list[TensorSpec]:
        from tqc.pipeline import io_specs

        return [TensorSpec(s, d) for s, d in io_specs(self.lowered())[0]]

    @property
    def outputs(self) -> list[TensorSpec]:
        from tqc.pipeline import io_specs

        return [TensorSpec(s, d) for s, d in io_specs(self.lowered())[1]]

    def emit(self, target: str, name: str | None = None, parallel: int | None = None) -> Artifact:
        """The files of `target` (relative path → content) and its report lines, unwritten."""
        from tqc.targets import TargetOptions, get_target

        check_options(target, {"--parallel": parallel, "--stream": self.stream})
        options = TargetOptions(parallel=parallel, stream=self.stream)
        return get_target(target).emit(self.lowered(), name or self.name, options)

    def compile(self, target: str, out: str | Path, name: str | None = None,
                parallel: int | None = None, force: bool = False) -> list[Path]:
        """Write `target`'s files as the folder `out`, all or nothing (tqc/outputs.py): an
        existing folder is replaced, whole, only with `force`; returns the files' paths."""
        artifact = self.emit(target, name, parallel)
        write_folder(out, artifact.files, force, (self.path,))
        return [Path(out) / f for f in artifact.files]

    def run(self, *inputs: np.ndarray, target: str = "numpy",
            parallel: int | None = None) -> list[np.ndarray]:
        """Run `target` on N samples (one array per input, leading sample axis N, tqc/samples.py);
        returns one array per output. Values are cast to the model's dtypes when they fit."""
        from tqc.targets import TargetOptions, get_target

        arrays = self.check_inputs(inputs)
        check_options(target, {"--parallel": parallel, "--stream": self.stream})
        options = TargetOptions(parallel=parallel, stream=self.stream)
        result = get_target(target).run(self.lowered(), self.name, arrays, options)
        return [np.asarray(o) for o in result.outputs]

    def check_inputs(self, inputs: Sequence[np.ndarray], what: str = "input") -> list[np.ndarray]:
        """The arrays checked against the I/O contract and cast to the model's dtypes where the
        values fit; a TqcError names the first that does not."""
        specs = self.inputs
        if len(inputs) != len(specs):
            raise TqcError(f"the model has {len(specs)} input(s), {len(inputs)} given")
        arrays = []
        for i, (x, spec) in enumerate(zip(inputs, specs)):
            x = np.asarray(x)
            if x.ndim != len(spec.sample_shape) + 1 or x.shape[1:] != spec.sample_shape:
                raise TqcError(f"{what} {i} needs shape {describe(spec.shape)}, got {x.shape}")
            if x.dtype != np.dtype(spec.dtype):
                cast = x.astype(spec.dtype)
                if not np.array_equal(cast, x):
                    raise TqcError(f"{what} {i} needs dtype {spec.dtype}, got {x.dtype}")
                x = cast
            arrays.append(x)
        check_samples(arrays, [s.shape for s in specs], what)
        return arrays

    def explain(self) -> list[LayerReport]:
        """Per layer: scales, zero points, multipliers, shifts, rounding steps, clamp,
        accumulator range (tqc/explain.py), read from the lowered IR."""
        from tqc.explain import explain_module

        return explain_module(self.path, self.lowered(), self.fold_batch_norm)

    def verify(self, target: str = "numpy", oracle: str = "auto", samples: int = 8,
               seed: int = 0, layers: bool = True) -> VerifyReport:
        """`target` against a reference runtime on random samples, layer by layer
        (tqc/verify.py); `.identical`, `.first_difference`, `.cause`, `.lines()`."""
        from tqc.verify import verify

        return verify(self.path, target, oracle, samples, seed, self.rounding,
                      self.fold_batch_norm, layers, self.reference)


def load(path: str | Path, rounding: str = "double", fold_batch_norm: bool = False,
         stream: bool = False, reference: str = "tflm") -> Model:
    """A .tflite (or .tqm) model with its arithmetic options: `rounding` "double" (the reference,
    default) or "single" (one rounding step, for hardware; not bit-exact); `fold_batch_norm`
    (fold unfolded batch-norms, not bit-exact with the file); `stream` (SVDF/LSTM state carries
    from one invocation to the next); `reference` the runtime whose arithmetic to reproduce:
    "tflm" (default: TFLM, LiteRT BUILTIN_REF for legacy uint8), "litert-ref" or "xnnpack"
    (LiteRT's default CPU path)."""
    from tqc.passes.lower_requantize import REFERENCES

    if rounding not in ROUNDINGS:
        raise TqcError(f"rounding must be one of {', '.join(ROUNDINGS)}, not {rounding!r}")
    if reference not in REFERENCES:
        raise TqcError(f"reference must be one of {', '.join(REFERENCES)}, not {reference!r}")
    p = Path(path)
    if not p.is_file():
        raise TqcError(f"cannot read '{p}': no such file")
    return Model(p, rounding, fold_batch_norm, stream, reference)
