"""Import a .tflite model into a `func.func @main` of `tq` ops.

One handler per TFLite builtin (`import_handlers.py`) builds the matching `tq` op. Constant
tensors become `tq.const` with bytes-backed data. Shape arithmetic on constants (SHAPE, and
STRIDED_SLICE / PACK / CONCATENATION / RESHAPE / GATHER of constant integer tensors) is
evaluated here, so that RESHAPE sees static shapes.
"""

from __future__ import annotations

from pathlib import Path

from xdsl.dialects.builtin import IntegerAttr, ModuleOp

from tqc import import_handlers  # noqa: F401  (registers the handlers)
from tqc.errors import TqcError
from tqc.import_context import Importer
from tqc.tflite_check import check_model
from tqc.tflite_reader import read_model


def import_tflite(path: str | Path) -> ModuleOp:
    """Read a .tflite file, check what its values mean, and return its `tq` module (verified)."""
    model = read_model(path)
    check_model(model)
    module = Importer(model).run()
    verify_imported(module)
    return module


def verify_imported(module: ModuleOp) -> None:
    """Run the `tq` verifiers (shapes, types an op needs), reporting the first failing op as
    `op #N NAME: <the verifier's first line>`: the model is inconsistent there."""
    for op in module.walk():
        if op is module:
            continue
        try:
            op.verify(verify_nested_ops=False)
        except Exception as e:  # noqa: BLE001  (any verifier failure is the model's)
            index = op.properties.get("tfl_index")
            where = f"op #{index.value.data} " if isinstance(index, IntegerAttr) else ""
            lines = [line.strip() for line in str(e).splitlines() if line.strip()]
            detail = next((ln for ln in lines if not ln.startswith(("%", '"', "^", "}", "{"))),
                          lines[0] if lines else type(e).__name__)
            raise TqcError(f"{where}{op.name}: {detail}") from None
