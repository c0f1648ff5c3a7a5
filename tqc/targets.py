"""The backend interface: each target turns a lowered (`tqi`) module into files, and can run it.

A target lives in `backends/<target>/target.py` and exposes `TARGET`, an object with
`emit(module, name, options) -> Artifact` and `run(module, name, inputs, options) -> RunResult`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from tqc.errors import TqcError

TARGET_NAMES = ("numpy", "c", "verilog")


@dataclass
class TargetOptions:
    """Options of the backends. Arithmetic choices (`--rounding`, `--fold-batch-norm`) are not
    here: passes make them and the lowered IR carries them, so every backend prints the same
    arithmetic."""

    parallel: int | None = None  # verilog: MAC units per layer
    stream: bool = False  # run: the samples are one stream (state carried, not reset between)


@dataclass
class Artifact:
    files: dict[str, str | bytes]  # relative path → content
    report: list[str] = field(default_factory=list)  # lines printed by `tqc compile`


@dataclass
class RunResult:
    outputs: list[np.ndarray]
    report: list[str] = field(default_factory=list)


class Target(Protocol):
    def emit(self, module: ModuleOp, name: str, options: TargetOptions) -> Artifact: ...

    def run(self, module: ModuleOp, name: str, inputs: list[np.ndarray],
            options: TargetOptions) -> RunResult: ...


def get_target(name: str) -> Target:
    if name not in TARGET_NAMES:
        raise TqcError(f"unknown target '{name}' (known: {', '.join(TARGET_NAMES)})")
    try:
        module = importlib.import_module(f"tqc.backends.{name}.target")
    except ModuleNotFoundError:
        raise TqcError(f"target '{name}' is not supported yet") from None
    return module.TARGET
