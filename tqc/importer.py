"""Import a .tflite model into a `func.func @main` of `tq` ops.

One handler per TFLite builtin (`import_handlers.py`) builds the matching `tq` op. Constant
tensors become `tq.const` with bytes-backed data. Shape arithmetic on constants (SHAPE, and
STRIDED_SLICE / PACK / CONCATENATION / RESHAPE / GATHER of constant integer tensors) is
evaluated here, so that RESHAPE sees static shapes.
"""

from __future__ import annotations

from pathlib import Path

from xdsl.dialects.builtin import ModuleOp

from tqc import import_handlers  # noqa: F401  (registers the handlers)
from tqc.errors import TqcError
from tqc.import_context import Importer
from tqc.tflite_reader import read_model


def import_tflite(path: str | Path) -> ModuleOp:
    """Read a .tflite file and return its `tq` module (verified)."""
    module = Importer(read_model(path)).run()
    try:
        module.verify()
    except Exception as e:  # a verifier complaint here is an importer bug or odd model
        raise TqcError(f"imported IR does not verify: {e}") from None
    return module
