"""Legal identifiers for the generated code (Python modules, C functions and arrays, Verilog
modules) from TFLite tensor names and file stems."""

from __future__ import annotations

import re
from collections.abc import Collection, Container


def legal_identifier(text: str | None, prefix: str, *, reserved: Collection[str] = (),
                     tidy: bool = False, leading_underscore: bool = True,
                     fold_case: bool = False, empty: str | None = None) -> str:
    """`text` with every non-word character replaced by `_`; `prefix_` in front when the result
    would start with a digit, is reserved (compared in lower case when `fold_case`), or starts
    with `_` where `leading_underscore` is False. `tidy` collapses runs of `_` and strips them at the ends.
    An empty result gives `empty` (default `prefix_`)."""
    ident = re.sub(r"\W", "_", text or "")
    if tidy:
        ident = re.sub(r"_+", "_", ident).strip("_")
    if not ident:
        return empty if empty is not None else f"{prefix}_"
    if (ident[0].isdigit() or (ident.lower() if fold_case else ident) in reserved
            or (not leading_underscore and ident[0] == "_")):
        return f"{prefix}_{ident}"
    return ident


def unique_name(base: str, taken: Container[str]) -> str:
    """`base`, or the first of `base_1`, `base_2`, ... not in `taken` (the caller records it)."""
    name, k = base, 1
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    return name
