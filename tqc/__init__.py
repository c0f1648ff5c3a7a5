"""tqc: quantized TFLite models to exact integer-only NumPy, C and Verilog.

The Python API (tqc/api.py): `tqc.load(path)` returns a `tqc.Model` with `.compile(target, out)`,
`.run(*inputs, target=...)`, `.explain()` and `.verify(...)`; `tqc.quant_params(...)` computes a
scale and zero point from a min/max range as TFLite's converter does. Imported on first use, so
that `import tqc.dialects` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tqc.api import Model, load
    from tqc.quant_params import quant_params

__all__ = ["Model", "load", "quant_params"]


def __getattr__(name: str) -> Any:
    if name in ("Model", "load"):
        from tqc import api

        return getattr(api, name)
    if name == "quant_params":
        from tqc.quant_params import quant_params

        return quant_params
    raise AttributeError(f"module 'tqc' has no attribute {name!r}")
