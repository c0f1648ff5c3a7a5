"""Registries of per-op handlers (import handlers, lowering rules, printers, emitters).

Each stage keeps one `Registry` and fills it with a decorator in the modules of its package;
`import_submodules` imports those modules so that their decorators run.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
F = TypeVar("F", bound=Callable[..., object])


class Registry(Mapping[K, F], Generic[K, F]):
    """Handlers of type F by key (an op class, an opcode name); one handler per key. Read it
    as a Mapping; fill it with `register`."""

    def __init__(self, what: str):
        self.what = what
        self.entries: dict[K, F] = {}

    def register(self, *keys: K) -> Callable[[F], F]:
        """Decorator: register the function for every key (a key registered twice is a bug)."""

        def decorate(fn: F) -> F:
            for key in keys:
                if key in self.entries:
                    raise ValueError(f"{self.what}: {key!r} is registered twice")
                self.entries[key] = fn
            return fn

        return decorate

    def __getitem__(self, key: K) -> F:
        return self.entries[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def import_submodules(package: str, prefix: str = "") -> None:
    """Import every module of a package whose name starts with `prefix` (their registrations
    run on import)."""
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith(prefix):
            importlib.import_module(f"{package}.{info.name}")
