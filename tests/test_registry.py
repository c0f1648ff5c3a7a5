"""The per-stage handler registries (tqc/registry.py)."""

from __future__ import annotations

import pytest

from tqc.dialects import tq, tqi
from tqc.registry import Registry


def test_register_and_read() -> None:
    r: Registry[str, object] = Registry("things")
    r.register("a", "b")(len)
    assert r["a"] is len and r.get("b") is len and r.get("c") is None
    assert sorted(r) == ["a", "b"] and len(r) == 2 and "a" in r


def test_a_key_registered_twice_is_an_error() -> None:
    r: Registry[str, object] = Registry("things")
    r.register("a")(len)
    with pytest.raises(ValueError, match="things: 'a' is registered twice"):
        r.register("a")(abs)


def test_every_stage_registry_is_filled() -> None:
    """Each stage finds its handlers through its registry once its package is loaded."""
    from tqc.backends.numpy.printer import HANDLERS, load_emitters
    from tqc.backends.verilog.handlers import handler_kinds
    from tqc.import_context import HANDLERS as IMPORTERS
    from tqc.importer import import_tflite  # noqa: F401  (registers the import handlers)
    from tqc.passes.lowering import RULES, load_rules

    load_rules()
    load_emitters()
    assert "CONV_2D" in IMPORTERS and tq.Conv2DOp in RULES and tqi.Conv2DOp in HANDLERS
    assert handler_kinds()[tqi.Conv2DOp] == "engine"
