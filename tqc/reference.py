"""Reference oracles: run a .tflite model in TFLite Micro or LiteRT, always in a child process.

Runtimes: ``tflm`` (tflite-micro Python interpreter, the reference for int8/int16 models),
``litert-ref`` (LiteRT ``BUILTIN_REF`` kernels: reference for legacy uint8 models and for models TFLM
cannot run), ``litert-builtin`` (``BUILTIN_WITHOUT_DEFAULT_DELEGATES``) and ``litert-xnnpack``
(default resolver, 1 thread) for comparisons only. Each call runs in ``python -m
tqc.reference_worker`` (data through temporary .npz files) so that an abort/segfault in a runtime
becomes :class:`ReferenceError`.

Batching: each input array has a leading sample axis N. If the model input's first dim is 1 it is
replaced by N ((1,28,28,1) takes (N,28,28,1)); otherwise (rank 0 or first dim != 1) the sample axis
is prepended ((3,4) takes (N,3,4)). Outputs follow the same rule. Samples run one at a time in one
child; the interpreter is reset between samples, so every sample is independent (LSTM state too),
unless ``stream=True``: then the samples are one stream and variable tensors carry over.
Inputs are cast to the model's dtype when the values fit (ValueError otherwise).

``auto`` policy: ``tflm`` unless the model has uint8 tensors other than graph inputs consumed only by
QUANTIZE / graph outputs produced by QUANTIZE (legacy uint8 model) -> ``litert-ref``, an
operator in ``TFLM_KERNEL_BUGS`` (a TFLM kernel known to run and give wrong results for that input
type) or in ``TFLM_UNSUPPORTED`` (an op and type TFLM does not run) -> ``litert-ref``; if TFLM
fails to load or run the model, ``litert-ref`` is used instead (logged). tqc's default
arithmetic follows the same static choice (``arithmetic_for``).

Measured per shared model (ai-edge-litert 2.3.0, tflite-micro 0.dev20261023, 2 cores; ``auto``
choice, ms per inference inside the child; every model runs):
  armmlzoo_ds_cnn_small_int16x8 tflm 3 | armmlzoo_ssd_mobilenet_v3_int8 tflm 175 |
  coral_deeplabv3_mnv2_dm05_pascal_uint8 litert-ref 495 | coral_mobilenet_v1_025_128_uint8 litert-ref 9 |
  coral_split_concat_uint8 litert-ref 0.02 | coral_tf2_mobilenet_v2_100_224_ptq_int8_uint8io tflm 240
  (uint8 only on the I/O QUANTIZE ops) | mcunet_person_detection_int8_floatio tflm 23 |
  mlperftiny_ad_toycar_fc_autoencoder_int8 (and _floatio) tflm 0.13 | mlperftiny_ic_resnet8 tflm 8 |
  mlperftiny_kws_dscnn tflm 3 | mlperftiny_sww_streaming_wakeword tflm 0.5 |
  mlperftiny_vww_mobilenetv1_96 tflm 7 | tflm_hello_world_sine tflm 0.01 | tflm_micro_speech tflm 0.6 |
  tflm_mnist_lstm tflm 0.1 | tflm_person_detect_mobilenetv1 tflm 7 (LiteRT refuses it) |
  tflm_xtensa_pytorch_mobilenet_v2_224 tflm 250.
Each call adds ~0.1-0.4 s of child start-up and model load. The default 16 MiB (or 16x model size)
TFLM arena suffices for all of them; on "arena too small" errors it is grown 4x and retried.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Sequence, get_args

import numpy as np

Runtime = Literal["tflm", "litert-ref", "litert-xnnpack", "litert-builtin"]
RUNTIMES: tuple[str, ...] = get_args(Runtime)
log = logging.getLogger(__name__)

_NP_DTYPES: dict[int, type] = {0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64,
                               6: np.bool_, 7: np.int16, 9: np.int8, 10: np.float64, 12: np.uint64,
                               15: np.uint32, 16: np.uint16}
_QUANTIZE = 114
_TYPE_NAMES = {v: k for k, v in {"int8": 9, "int16": 7, "uint8": 3, "int32": 2}.items()}

# TFLM kernels that run but compute wrong results, keyed by (builtin code, type of input 0):
# the ``auto`` policy uses LiteRT REF for a model with such an operator. Each entry was measured
# (tflite-micro 0.dev20261023) and has a test in tests/test_reference_policy.py.
TFLM_KERNEL_BUGS: dict[tuple[int, str], str] = {
    # comparisons.cc ComparisonsPrepare sets the rescaling parameters for int8 only;
    # GreaterEval's int16 case then rescales with multipliers of 0: every output false.
    (61, "int16"): "GREATER int16 reads rescaling parameters its Prepare never sets (all false)",
}
# (op, activation type) pairs that LiteRT BUILTIN_REF runs and TFLM does not (docs/op-support.md,
# measured by scripts/op_type_table.py; tests/test_reference_policy.py keeps them in step): a
# model with one of them has LiteRT REF as its reference, and tqc's default arithmetic follows
# LiteRT REF for the whole model (`reference_for`).
TFLM_UNSUPPORTED: frozenset[tuple[str, str]] = frozenset({
    ("BATCH_TO_SPACE_ND", "int16"), ("DIV", "int16"), ("EMBEDDING_LOOKUP", "int16"),
    ("EQUAL", "int16"), ("EXP", "int8"), ("EXP", "int16"), ("FILL", "int16"),
    ("FLOOR_DIV", "int16"), ("FLOOR_MOD", "int16"), ("GATHER", "int16"), ("GATHER_ND", "int16"),
    ("GREATER_EQUAL", "int16"), ("LESS", "int16"), ("LESS_EQUAL", "int16"), ("LOG", "int8"),
    ("LOG", "int16"), ("MIRROR_PAD", "int16"), ("NEG", "int8"), ("NEG", "int16"),
    ("NOT_EQUAL", "int16"), ("REDUCE_MAX", "int16"), ("REDUCE_MIN", "int16"),
    ("RELU_N1_TO_1", "int8"), ("RESIZE_BILINEAR", "int16"), ("SELECT", "int8"),
    ("SELECT", "int16"), ("SPACE_TO_BATCH_ND", "int16"),
})
_MIN_ARENA = 16 << 20
_MAX_ARENA = 2 << 30


class ReferenceError(Exception):
    """A reference runtime refused, failed on, crashed on or timed out on a model."""


@dataclass(frozen=True)
class IoSpec:
    """Shape and dtype of one model input/output, as declared in the model."""

    shape: tuple[int, ...]
    dtype: np.dtype


@dataclass(frozen=True)
class ModelInfo:
    """What the oracle needs to know about a model's main subgraph."""

    inputs: tuple[IoSpec, ...]
    outputs: tuple[IoSpec, ...]
    legacy_uint8: bool  # uint8 tensors beyond I/O QUANTIZE edges
    size: int
    tflm_bug: str | None = None  # why TFLM is not the reference (TFLM_KERNEL_BUGS), if it is not
    tflm_unsupported: str | None = None  # the first op in TFLM_UNSUPPORTED, if any

    @property
    def litert_reason(self) -> str | None:
        """Why LiteRT REF, not TFLM, is this model's reference by the static policy, or None."""
        if self.tflm_bug:
            return self.tflm_bug
        if self.tflm_unsupported:
            return f"{self.tflm_unsupported}: TFLM does not run it"
        return "legacy uint8 model" if self.legacy_uint8 else None


def model_info(model: str | Path) -> ModelInfo:
    """Parse the model's I/O signature and detect legacy uint8 graphs."""
    return _model_info(str(Path(model).resolve()), os.stat(model).st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _model_info(path: str, _mtime: int) -> ModelInfo:
    buf = Path(path).read_bytes()
    try:
        if buf[4:8] != b"TFL3":
            raise ValueError("no TFL3 file identifier")
        return _parse(buf)
    except Exception as e:
        raise ReferenceError(f"{path} is not a .tflite model: {e}") from e


def _parse(buf: bytes) -> ModelInfo:
    import tflite

    m: Any = tflite.Model.GetRootAs(buf, 0)  # generated code: Optional / 0-or-array results
    sg = m.Subgraphs(0)
    ins = [int(i) for i in sg.InputsAsNumpy()] if sg.InputsLength() else []
    outs = [int(i) for i in sg.OutputsAsNumpy()] if sg.OutputsLength() else []

    def io(i: int) -> IoSpec:
        t = sg.Tensors(i)
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        return IoSpec(shape, np.dtype(_NP_DTYPES.get(t.Type(), np.uint8)))

    ok_uint8: set[int] = set()  # I/O tensors touching only QUANTIZE ops
    consumers: dict[int, list[int]] = {}
    producer: dict[int, int] = {}
    bug: str | None = None
    unsupported: str | None = None
    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if k.isupper()}
    for k in range(sg.OperatorsLength()):
        op = sg.Operators(k)
        oc = m.OperatorCodes(op.OpcodeIndex())
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        first = int(op.Inputs(0)) if op.InputsLength() else -1
        if first >= 0 and bug is None:
            bug = TFLM_KERNEL_BUGS.get((code, _TYPE_NAMES.get(sg.Tensors(first).Type(), "")))
        kinds = [_TYPE_NAMES.get(sg.Tensors(int(t)).Type()) for t in
                 [*(op.InputsAsNumpy() if op.InputsLength() else []),
                  *(op.OutputsAsNumpy() if op.OutputsLength() else [])] if t >= 0]
        kind = next((t for t in kinds if t in ("int8", "int16", "uint8")), None)
        if unsupported is None and (names.get(code), kind) in TFLM_UNSUPPORTED:
            unsupported = f"op #{k} {names.get(code)} {kind}"
        for t in (op.InputsAsNumpy() if op.InputsLength() else []):
            consumers.setdefault(int(t), []).append(code)
        for t in (op.OutputsAsNumpy() if op.OutputsLength() else []):
            producer[int(t)] = code
    for t in ins:
        if consumers.get(t) and all(c == _QUANTIZE for c in consumers[t]):
            ok_uint8.add(t)
    for t in outs:
        if producer.get(t) == _QUANTIZE and not consumers.get(t):
            ok_uint8.add(t)
    legacy = any(sg.Tensors(i).Type() == 3 and i not in ok_uint8 for i in range(sg.TensorsLength()))
    return ModelInfo(tuple(io(i) for i in ins), tuple(io(i) for i in outs), legacy, len(buf), bug,
                     unsupported)


def _sample_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape[1:] if shape and shape[0] == 1 else shape


def _prepare_inputs(info: ModelInfo, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Validate and convert (N, ...) inputs into (N, *model_shape) arrays of the model dtype."""
    if len(inputs) != len(info.inputs):
        raise ValueError(f"model has {len(info.inputs)} inputs, got {len(inputs)}")
    res: list[np.ndarray] = []
    n: int | None = None
    for k, (x, spec) in enumerate(zip(inputs, info.inputs)):
        a = np.asarray(x)
        per = _sample_shape(spec.shape)
        if a.ndim != len(per) + 1 or a.shape[1:] != per:
            raise ValueError(f"input {k}: expected shape (N, {', '.join(map(str, per))}), got {a.shape}")
        if n is not None and a.shape[0] != n:
            raise ValueError(f"input {k}: {a.shape[0]} samples, input 0 has {n}")
        n = a.shape[0]
        if a.dtype != spec.dtype:
            b = a.astype(spec.dtype)
            if spec.dtype.kind in "iub" and not np.array_equal(b, a):
                raise ValueError(f"input {k}: values do not fit {spec.dtype}")
            a = b
        res.append(np.ascontiguousarray(a.reshape((a.shape[0],) + spec.shape)))
    return res


def _spawn(req: dict[str, np.ndarray | str | int], timeout: float) -> dict[str, np.ndarray]:
    """Run the worker on a request; return its response arrays or raise ReferenceError."""
    with tempfile.TemporaryDirectory(prefix="tqc_ref_") as d:
        rq, rs = Path(d) / "req.npz", Path(d) / "resp.npz"
        arrays: dict[str, Any] = {k: np.asarray(v) for k, v in req.items()}
        np.savez(rq, **arrays)
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        try:
            p = subprocess.run([sys.executable, "-m", "tqc.reference_worker", str(rq), str(rs)],
                               capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired as e:
            raise ReferenceError(f"{req['runtime']}: timed out after {timeout} s") from e
        if p.returncode != 0 or not rs.exists():
            how = f"signal {-p.returncode}" if p.returncode < 0 else f"exit code {p.returncode}"
            lines = [ln for ln in (p.stdout + "\n" + p.stderr).splitlines()
                     if ln.strip() and not ln.startswith(" ") and not ln.startswith("Traceback")]
            tail = "\n".join(lines[-12:])
            raise ReferenceError(f"{req['runtime']} failed on {req['model']} ({how}):\n{tail}")
        with np.load(rs, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}


def _run_one(model: Path, info: ModelInfo, xs: list[np.ndarray], runtime: Runtime,
             timeout: float, stream: bool = False) -> list[np.ndarray]:
    arena = max(_MIN_ARENA, 16 * info.size)
    while True:
        req: dict[str, np.ndarray | str | int] = {"model": str(model), "runtime": runtime,
                                                  "mode": "run", "arena": arena,
                                                  "n_out": len(info.outputs),
                                                  "reset": int(not stream)}
        req.update({f"in_{i}": x for i, x in enumerate(xs)})
        try:
            resp = _spawn(req, timeout)
            break
        except ReferenceError as e:
            msg = str(e).lower()
            if runtime != "tflm" or arena >= _MAX_ARENA or not any(
                    k in msg for k in ("arena", "tail memory", "head memory", "requested:")):
                raise
            arena *= 4  # TFLM arena too small: grow and retry
            log.info("%s: TFLM arena too small, retrying with %d bytes", model.name, arena)
    n = xs[0].shape[0] if xs else 1
    outs = []
    for i, spec in enumerate(info.outputs):
        o = resp[f"out_{i}"]
        outs.append(o.reshape((n,) + _sample_shape(spec.shape)) if o.size == n * int(np.prod(spec.shape)) else o)
    return outs


def run_reference_with_runtime(model: str | Path, inputs: Sequence[np.ndarray],
                               runtime: Runtime | Literal["auto"] = "auto",
                               timeout: float = 600, stream: bool = False,
                               ) -> tuple[list[np.ndarray], Runtime]:
    """Like :func:`run_reference`, also returning the runtime that produced the outputs.
    `stream`: the samples are one stream, variable tensors (SVDF, LSTM state) are not reset
    between them (an explicit runtime only)."""
    model = Path(model).resolve()
    info = model_info(model)
    xs = _prepare_inputs(info, inputs)
    if runtime != "auto":
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown runtime {runtime!r}")
        return _run_one(model, info, xs, runtime, timeout, stream), runtime
    if stream:
        raise ValueError("stream=True needs an explicit runtime")
    if info.litert_reason:
        log.info("%s: %s -> litert-ref", model.name, info.litert_reason)
        return _run_one(model, info, xs, "litert-ref", timeout), "litert-ref"
    try:
        return _run_one(model, info, xs, "tflm", timeout), "tflm"
    except ReferenceError as e:
        log.warning("%s: TFLM failed, falling back to litert-ref: %s", model.name, e)
        return _run_one(model, info, xs, "litert-ref", timeout), "litert-ref"


def run_reference(model: str | Path, inputs: Sequence[np.ndarray],
                  runtime: Runtime | Literal["auto"] = "auto", timeout: float = 600,
                  stream: bool = False) -> list[np.ndarray]:
    """Run ``model`` on N samples (one array per input, leading sample axis) in a child process.

    Returns one array per model output, shape (N, ...). Raises ReferenceError if the runtime refuses,
    fails, crashes or times out; ValueError on wrongly shaped/typed inputs.
    """
    return run_reference_with_runtime(model, inputs, runtime, timeout, stream)[0]


def arithmetic_for(model: str | Path, reference: str) -> str:
    """The arithmetic the default `reference="tflm"` stands for: "litert-ref" when LiteRT REF is
    the model's reference by the static policy (legacy uint8, a TFLM kernel bug, an op TFLM
    does not run), so that every op of such a model follows LiteRT REF (its FULLY_CONNECTED
    differs from TFLM's); else `reference` itself."""
    if reference != "tflm":
        return reference
    try:
        info = model_info(model)
    except (ReferenceError, OSError):
        return reference
    return "litert-ref" if info.litert_reason else reference


def choose_reference(model: str | Path) -> Runtime:
    """The runtime ``auto`` uses: static policy, plus a probe run of TFLM on zeros (cached)."""
    p = Path(model).resolve()
    return _choose(str(p), os.stat(p).st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _choose(path: str, _mtime: int) -> Runtime:
    info = model_info(path)
    if info.litert_reason:
        return "litert-ref"
    zeros = [np.zeros((1,) + _sample_shape(s.shape), s.dtype) for s in info.inputs]
    try:
        _run_one(Path(path), info, _prepare_inputs(info, zeros), "tflm", 600)
        return "tflm"
    except ReferenceError:
        return "litert-ref"


def run_reference_intermediates(model: str | Path, inputs_one_sample: Sequence[np.ndarray],
                                timeout: float = 600) -> dict[int, np.ndarray]:
    """All tensors of subgraph 0 after one LiteRT BUILTIN_REF inference, keyed by tensor index.

    ``inputs_one_sample``: one array per input, either the model's input shape or with a leading
    sample axis of length 1. Tensors LiteRT cannot return (no data) are omitted.
    """
    model = Path(model).resolve()
    info = model_info(model)
    xs = [np.asarray(x).reshape((1,) + _sample_shape(s.shape)) for x, s in zip(inputs_one_sample, info.inputs)]
    req: dict[str, np.ndarray | str | int] = {"model": str(model), "runtime": "litert-ref",
                                              "mode": "intermediates", "arena": 0, "n_out": 0,
                                              "reset": 1}
    req.update({f"in_{i}": x for i, x in enumerate(_prepare_inputs(info, xs))})
    return {int(k[1:]): v for k, v in _spawn(req, timeout).items()}
