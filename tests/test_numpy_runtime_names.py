"""The run-time code a generated NumPy module carries is the runtime and semantics files
concatenated: no two of them may define the same module-level name (the later one would
silently replace the earlier one, e.g. two helpers called `_windows`)."""

from __future__ import annotations

import re
from collections import Counter

from tqc.backends.numpy.printer import OPTIONAL_RUNTIME, runtime_source


def test_no_name_defined_twice() -> None:
    source = runtime_source(tuple(sorted(set(OPTIONAL_RUNTIME.values()))))
    names = re.findall(r"^(?:def (\w+)\(|([A-Za-z_]\w*) =)", source, flags=re.MULTILINE)
    counts = Counter(a or b for a, b in names)
    assert not [n for n, c in counts.items() if c > 1]
