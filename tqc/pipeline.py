"""The compile pipeline: import → graph passes → lower-requantize → backend."""

from __future__ import annotations

import importlib.util
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp

from tqc.errors import TqcError
from tqc.importer import import_tflite
from tqc.universe import make_context, pass_by_name

DEFAULT_PASSES = ["fuse-activation", "lower-requantize"]


def identifier(name: str) -> str:
    """A valid Python/C identifier from a file stem."""
    ident = re.sub(r"\W", "_", name)
    return ident if ident and not ident[0].isdigit() else f"m_{ident}"


def run_passes(module: ModuleOp, names: list[str], rounding: str = "double",
               ctx: Context | None = None) -> ModuleOp:
    ctx = ctx or make_context()
    for name in names:
        if not name:
            continue
        pass_ = pass_by_name(name, rounding)
        pass_.apply(ctx, module)
    try:
        module.verify()
    except Exception as e:
        raise TqcError(f"IR does not verify after passes {','.join(names)}: {e}") from None
    return module


def lower(path: str | Path, rounding: str = "double") -> ModuleOp:
    """Import a .tflite model and lower it to the integer dialect."""
    return run_passes(import_tflite(path), DEFAULT_PASSES, rounding)


def numpy_source(path: str | Path, name: str, rounding: str = "double") -> str:
    from tqc.backends.numpy.printer import print_numpy

    return print_numpy(lower(path, rounding), name)


def load_numpy_model(path: str | Path, rounding: str = "double") -> ModuleType:
    """Compile a model to NumPy and import the generated module."""
    name = identifier(Path(path).stem)
    source = numpy_source(path, name, rounding)
    tmp = Path(tempfile.mkdtemp(prefix="tqc_"))
    file = tmp / f"{name}.py"
    file.write_text(source)
    spec = importlib.util.spec_from_file_location(f"tqc_generated_{name}", file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
