"""The I/O contract of compiled models: how N samples map onto a model's tensors.

Every array passed to or returned by a compiled model (the CLI's `.npy` files, the generated
NumPy module's `run`, the C and Verilog runners, the reference oracles) has a leading sample
axis N. Where the model's tensor starts with a batch dimension of 1, N replaces it
((1, 28, 28, 1) takes (N, 28, 28, 1)); otherwise (a scalar, a vector, any first dimension other
than 1) N is added in front ((64,) takes (N, 64)). Every input carries the same N.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tqc.errors import TqcError


def sample_shape(model_shape: Sequence[int]) -> tuple[int, ...]:
    """The shape of one sample: the model's shape without a leading batch dimension of 1."""
    shape = tuple(int(d) for d in model_shape)
    return shape[1:] if shape[:1] == (1,) else shape


def describe(model_shape: Sequence[int]) -> str:
    """'(N, 28, 28, 1)': the array shape the contract expects, for messages."""
    return "(" + ", ".join(["N", *map(str, sample_shape(model_shape))]) + ")"


def check_samples(arrays: Sequence[np.ndarray], shapes: Sequence[Sequence[int]],
                  what: str = "input") -> int:
    """The common sample count N of `arrays` against the model's input shapes; a TqcError
    names the first array whose shape or N does not fit."""
    if len(arrays) != len(shapes):
        raise TqcError(f"the model has {len(shapes)} {what}s, got {len(arrays)}")
    n: int | None = None
    for i, (x, shape) in enumerate(zip(arrays, shapes)):
        if x.shape[1:] != sample_shape(shape) or x.ndim != len(sample_shape(shape)) + 1:
            raise TqcError(f"{what} {i} needs shape {describe(shape)}, got {x.shape}")
        if n is not None and x.shape[0] != n:
            raise TqcError(f"{what} {i} has {x.shape[0]} samples, {what} 0 has {n}: every "
                           f"{what} needs the same N")
        n = x.shape[0]
    return n if n is not None else 1
