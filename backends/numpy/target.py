"""The NumPy target: one standalone module `<name>.py` (imports only numpy)."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from tqc.backends.numpy.printer import print_numpy
from tqc.dialects.tqi import has_state
from tqc.targets import Artifact, RunResult, TargetOptions


def import_source(source: str, name: str) -> ModuleType:
    """Import generated module text (written to a temporary file)."""
    file = Path(tempfile.mkdtemp(prefix="tqc_")) / f"{name}.py"
    file.write_text(source)
    spec = importlib.util.spec_from_file_location(f"tqc_generated_{name}", file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class NumpyTarget:
    def emit(self, module: ModuleOp, name: str, options: TargetOptions) -> Artifact:
        return Artifact({f"{name}.py": print_numpy(module, name)})

    def run(self, module: ModuleOp, name: str, inputs: list[np.ndarray],
            options: TargetOptions) -> RunResult:
        generated = import_source(print_numpy(module, name), name)
        stream = options.stream and has_state(module)  # else the samples are independent
        result = generated.run(*inputs, stream=True) if stream else generated.run(*inputs)
        return RunResult(list(result) if isinstance(result, tuple) else [result])


TARGET = NumpyTarget()
