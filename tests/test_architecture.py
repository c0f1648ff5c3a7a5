"""The stage order holds: no import cycles; dialects -> passes -> backends never imports back up;
the reference arithmetic (tqc/semantics) imports no stage but the element kinds; the run-time
code a generated NumPy module carries is standalone."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from tqc.backends.numpy.printer import runtime_source

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("dialects", "passes", "backends")
PACKAGES = {"tqc.dialects": "dialects", "tqc.passes": "passes", "tqc.backends": "backends", "tqc": "tqc"}


def _path_of(module: str) -> str | None:
    for prefix in sorted(PACKAGES, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            rest = module[len(prefix):].lstrip(".").replace(".", "/")
            base = f"{PACKAGES[prefix]}/{rest}" if rest else PACKAGES[prefix]
            for candidate in (f"{base}.py", f"{base}/__init__.py"):
                if (ROOT / candidate).exists():
                    return candidate
    return None


def _imports(path: str) -> set[str]:
    """Project files a file imports (module-level and function-level imports alike)."""
    tree = ast.parse((ROOT / path).read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        elif isinstance(node, ast.ImportFrom):
            package = Path(path).parent.parts
            base = "tqc." + ".".join(package[: len(package) - node.level + 1])
            base = base.replace("tqc.tqc", "tqc")
            names = [f"{base}.{node.module}" if node.module else base]
        else:
            continue
        found |= {p for p in map(_path_of, names) if p and p != path}
    return found


def _graph() -> dict[str, set[str]]:
    files = [str(p.relative_to(ROOT)) for d in ("tqc", *STAGES) for p in (ROOT / d).rglob("*.py")]
    return {f: _imports(f) for f in files}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one file (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_stage_order() -> None:
    rank = {stage: i for i, stage in enumerate(STAGES)}
    wrong = [(f, g) for f, targets in _graph().items() for g in targets
             if f.split("/")[0] in rank and g.split("/")[0] in rank
             and rank[g.split("/")[0]] > rank[f.split("/")[0]]]
    assert wrong == []


SEMANTICS_MAY_IMPORT = {"dialects/__init__.py", "dialects/element.py", "dialects/quant_type.py",
                        "tqc/__init__.py", "tqc/errors.py"}


def test_semantics_below_every_stage() -> None:
    """tqc/semantics imports only itself, the element kinds and the error type."""
    wrong = [(f, g) for f, targets in _graph().items() if f.startswith("tqc/semantics/")
             for g in targets
             if not g.startswith("tqc/semantics/") and g not in SEMANTICS_MAY_IMPORT]
    assert wrong == []


def test_numpy_runtime_is_standalone() -> None:
    source = runtime_source()
    assert "from ." not in source and "from tqc" not in source and "import tqc" not in source
    namespace: dict[str, object] = {"np": np}
    exec(compile(source, "<runtime>", "exec"), namespace)  # noqa: S102 - our own source
    mul_high = namespace["mul_high"]
    assert callable(mul_high)
    assert int(mul_high(np.int64(-(2**31)), np.int64(-(2**31)))) == 2**31 - 1


def test_every_package_is_installed() -> None:
    """pyproject.toml lists every package of the tree (a missing one breaks a normal install
    while the editable one still works)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = set()
    for name, folder in config["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join([name, *rel]))
    assert found - listed == set()
