"""tqc: quantized TFLite models to exact integer-only NumPy, C and Verilog.

The Python API (tqc/api.py, docs/python-api.md): `tqc.load(path)` returns a `tqc.Model` with
`.compile(target, out)`, `.run(*inputs, target=...)`, `.explain()` and `.verify(...)`;
`tqc.quant_params(...)` computes a scale and zero point from a min/max range as TFLite's
converter does. They are imported on first use, by name (importlib), so that `import
tqc.dialects` stays light and this package file imports no stage (tests/test_architecture.py
counts any import statement here as an edge from every `from tqc import ...`). Typed code
imports them directly: `from tqc.api import load`.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {"Model": "tqc.api", "load": "tqc.api", "quant_params": "tqc.quant_params"}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'tqc' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
