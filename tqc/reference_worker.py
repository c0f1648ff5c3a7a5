"""Child process for :mod:`tqc.reference`: runs one runtime on one model, isolated from the caller.

Usage: ``python -m tqc.reference_worker REQUEST.npz RESPONSE.npz``. The request holds ``model``,
``runtime``, ``mode`` ("run" or "intermediates"), ``arena``, ``n_out``, ``reset`` (0: the samples are
one stream, variable tensors are not reset between them) and ``in_<i>`` arrays of shape
(N, *model_input_shape); the response holds ``out_<i>`` arrays of shape (N, *model_output_shape), or
``t<index>`` arrays for mode "intermediates". Errors exit non-zero with a message on stderr; crashes
inside a runtime simply kill this process.
"""

from __future__ import annotations

import ctypes
import os
import sys
import traceback
from typing import Any, NoReturn

import numpy as np


def _sample(x: np.ndarray, s: int) -> np.ndarray:
    """Sample s of x as a contiguous array of the model's shape, a 0-d array for a scalar input
    (np.ascontiguousarray would make it 1-d, which both runtimes refuse)."""
    return np.array(x[s], copy=True, order="C")


def _run_tflm(model: str, inputs: list[np.ndarray], arena: int, n_out: int,
              reset: bool) -> list[np.ndarray]:
    from tflite_micro.python.tflite_micro import runtime

    it = runtime.Interpreter.from_file(model, arena_size=arena)
    n_in = len(inputs)
    outs: list[list[np.ndarray]] = [[] for _ in range(n_out)]
    for s in range(inputs[0].shape[0] if inputs else 1):
        for i in range(n_in):
            it.set_input(_sample(inputs[i], s), i)
        it.invoke()
        for o in range(n_out):
            outs[o].append(np.array(it.get_output(o), copy=True))
        if reset:
            it.reset()  # stateful ops (LSTM, variables) must not leak between samples
    return [np.stack(o) for o in outs]


def _litert(model: str, runtime: str, preserve: bool = False) -> Any:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    kw: dict[str, Any] = {"model_path": model, "experimental_preserve_all_tensors": preserve}
    if runtime == "litert-xnnpack":
        kw["num_threads"] = 1
    else:
        kw["experimental_op_resolver_type"] = {
            "litert-ref": OpResolverType.BUILTIN_REF,
            "litert-builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        }[runtime]
    it = Interpreter(**kw)
    it.allocate_tensors()
    return it


def _run_litert(model: str, runtime: str, inputs: list[np.ndarray],
                reset: bool) -> list[np.ndarray]:
    it = _litert(model, runtime)
    ins, outs_d = it.get_input_details(), it.get_output_details()
    outs: list[list[np.ndarray]] = [[] for _ in outs_d]
    for s in range(inputs[0].shape[0] if inputs else 1):
        if s and reset:
            it.reset_all_variables()
        for d, x in zip(ins, inputs):
            it.set_tensor(d["index"], _sample(x, s))
        it.invoke()
        for o, d in enumerate(outs_d):
            outs[o].append(np.array(it.get_tensor(d["index"]), copy=True))
    return [np.stack(o) for o in outs]


def _intermediates(model: str, inputs: list[np.ndarray]) -> dict[int, np.ndarray]:
    it = _litert(model, "litert-ref", preserve=True)
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], _sample(x, 0))
    it.invoke()
    res: dict[int, np.ndarray] = {}
    for d in it.get_tensor_details():
        try:
            res[int(d["index"])] = np.array(it.get_tensor(d["index"]), copy=True)
        except Exception:  # tensors without data (e.g. scratch / unallocated)
            pass
    return res


def main(argv: list[str]) -> int:
    if os.environ.get("TQC_REFERENCE_WORKER_SELFTEST") == "abort":  # lets tests simulate a crash
        os.abort()
    req_path, resp_path = argv[1], argv[2]
    with np.load(req_path, allow_pickle=False) as z:
        model, runtime, mode = str(z["model"]), str(z["runtime"]), str(z["mode"])
        arena, n_out, reset = int(z["arena"]), int(z["n_out"]), bool(z["reset"])
        inputs = [z[f"in_{i}"] for i in range(sum(k.startswith("in_") for k in z.files))]
    try:
        if mode == "intermediates":
            res: dict[str, Any] = {f"t{k}": v for k, v in _intermediates(model, inputs).items()}
        elif runtime == "tflm":
            res = {f"out_{i}": v for i, v in enumerate(_run_tflm(model, inputs, arena, n_out, reset))}
        else:
            res = {f"out_{i}": v for i, v in enumerate(_run_litert(model, runtime, inputs, reset))}
        np.savez(resp_path, **res)
    except Exception:
        traceback.print_exc()
        _exit(2)  # skip interpreter destructors: TFLM segfaults freeing a half-built interpreter
    _exit(0)


def _exit(code: int) -> NoReturn:
    """Flush Python and C stdio (runtimes log through printf), then exit without destructors."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        ctypes.CDLL(None).fflush(None)
    except Exception:
        pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
