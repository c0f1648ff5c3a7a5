"""tqm text → statements: the LALR parser of ``tqm.lark`` and its transformer (docs/tqm-format.md).

Syntax errors become ``TqcError("FILE:LINE:COL: syntax error: …")``; names, types and values are
checked afterwards by :mod:`tqc.tqm_check`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from tqc.errors import TqcError


@dataclass
class Value:
    """A parsed value and where it starts: int | float | str (a bare word) | list[Value]."""

    v: Any
    line: int
    column: int


@dataclass
class Decl:
    kind: str
    name: Any  # lark Token (str with .line/.column)
    dtype: Any
    shape: tuple[int, ...]
    attrs: dict[str, tuple[Any, Value]]
    generator: tuple[Any, list[tuple[Any, Value]]] | None  # (name token, [(key token | None, value)])


@dataclass
class OpStmt:
    outputs: list[Any]
    opcode: Any
    operands: list[Any]
    options: list[tuple[Any, Value]]


class _Newlines:
    """Post-lexer: drop newlines inside brackets/parentheses and repeated or leading newlines."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Any]) -> Iterator[Any]:
        depth, last = 0, "_NL"
        for tok in stream:
            if tok.type == "_NL" and (depth > 0 or last == "_NL"):
                continue
            if tok.value in ("[", "("):
                depth += 1
            elif tok.value in ("]", ")"):
                depth = max(0, depth - 1)
            last = tok.type
            yield tok


@functools.cache
def _parser() -> Any:
    from lark import Lark

    grammar = (Path(__file__).with_name("tqm.lark")).read_text()
    return Lark(grammar, parser="lalr", postlex=_Newlines(), propagate_positions=True,
                maybe_placeholders=False)


def _describe(parser: Any, name: str) -> str:
    special = {"NAME": "a name", "NUMBER": "a number", "_NL": "end of line", "$END": "end of file"}
    if name in special:
        return special[name]
    try:
        pattern = parser.get_terminal(name).pattern
    except KeyError:
        return name
    return repr(pattern.value) if pattern.type == "str" else name


def _syntax_error(filename: str, e: Exception) -> TqcError:
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    parser = _parser()
    line, column = getattr(e, "line", 0), getattr(e, "column", 0)
    if isinstance(e, UnexpectedCharacters):
        msg = f"unexpected character {e.char!r}"
    elif isinstance(e, UnexpectedToken):
        tok = e.token
        got = _describe(parser, tok.type) if tok.type in ("_NL", "$END") else repr(str(tok))
        if tok.type == "$END":
            line, column = tok.end_line or line, tok.end_column or column
        expected = e.expected
        if e.interactive_parser is not None:  # exact set: LALR lookaheads of merged states over-report
            expected = e.interactive_parser.accepts() or expected
        want = sorted({_describe(parser, t) for t in expected})
        msg = f"unexpected {got}" + (f", expected {' or '.join(want)}" if 0 < len(want) <= 8 else "")
    else:
        msg = str(e).splitlines()[0]
    return TqcError(f"{filename}:{line}:{column}: syntax error: {msg}")


def _transformer(filename: str) -> Any:
    from lark import Transformer, v_args

    def err(line: int, column: int, msg: str) -> TqcError:
        return TqcError(f"{filename}:{line}:{column}: {msg}")

    class ToStatements(Transformer):  # type: ignore[type-arg]
        def start(self, items: list[Any]) -> list[Any]:
            return items

        def number(self, items: list[Any]) -> Value:
            tok = items[0]
            text = str(tok)
            v: int | float = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
            return Value(v, tok.line, tok.column)

        def ratio(self, items: list[Any]) -> Value:
            a, b = items
            if float(b) == 0:
                raise err(b.line, b.column, "division by zero")
            return Value(float(a) / float(b), a.line, a.column)

        def word(self, items: list[Any]) -> Value:
            return Value(str(items[0]), items[0].line, items[0].column)

        @v_args(meta=True)
        def list(self, meta: Any, items: list[Any]) -> Value:
            return Value(items, meta.line, meta.column)

        def keyval(self, items: list[Any]) -> tuple[Any, Value]:
            return items[0], items[1]

        def call(self, items: list[Any]) -> tuple[str, Any, list[tuple[Any, Value]]]:
            args = [a if isinstance(a, tuple) else (None, a) for a in items[1:]]
            return "call", items[0], args

        def shape(self, items: list[Any]) -> tuple[int, ...]:
            dims = []
            for tok in items:
                if not re.fullmatch(r"\+?\d+", str(tok)):
                    raise err(tok.line, tok.column, f"shape dimension {tok} is not a non-negative integer")
                dims.append(int(tok))
            return tuple(dims)

        def kind(self, items: list[Any]) -> str:
            return str(items[0])

        def decl(self, items: list[Any]) -> Decl:
            kind, name, dtype, shape, *rest = items
            attrs: dict[str, tuple[Any, Value]] = {}
            generator = None
            for item in rest:
                if item[0] == "call":
                    _, gname, args = item
                    if generator is not None:
                        raise err(gname.line, gname.column, f"tensor '{name}' has a second initializer")
                    generator = (gname, args)
                    continue
                key, value = item
                if key in attrs:
                    raise err(key.line, key.column, f"duplicate attribute '{key}'")
                attrs[str(key)] = (key, value)
            return Decl(kind, name, dtype, shape, attrs, generator)

        def names(self, items: list[Any]) -> list[Any]:
            return items

        operands = names

        def op(self, items: list[Any]) -> OpStmt:
            outputs, opcode, operands, *options = items
            return OpStmt(outputs, opcode, operands, options)

        def model(self, items: list[Any]) -> tuple[str, Any]:
            return "model", items[0]

        def output(self, items: list[Any]) -> tuple[str, list[Any]]:
            return "output", items

    return ToStatements()



def parse_statements(text: str, filename: str = "<tqm>") -> list[Any]:
    """The statements of a .tqm text (declarations, ops, ``model`` and ``output`` lines)."""
    from lark.exceptions import UnexpectedInput, VisitError

    if not text.endswith("\n"):
        text += "\n"
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as e:
        raise _syntax_error(filename, e) from None
    try:
        return list(_transformer(filename).transform(tree))
    except VisitError as e:
        if isinstance(e.orig_exc, TqcError):
            raise e.orig_exc from None
        raise
