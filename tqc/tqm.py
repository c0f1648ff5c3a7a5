"""tqm: a small text format for quantized TFLite models, and its builder (docs/tqm-format.md).

Example::

    model conv_relu
    input  x : int8[1,8,8,3]  scale=0.05 zp=-7
    const  w : int8[4,3,3,3]  scale=[0.002,0.01,0.03,0.0007] zp=0 axis=0  random(seed=1)
    const  b : int32[4]       scale=auto  data=[10, -20, 30, 40]
    tensor y : int8[1,4,4,4]  scale=0.12 zp=3
    y = CONV_2D(x, w, b) padding=SAME stride=2 activation=RELU6
    output y

The grammar (``tqm.lark``, LALR) is generic: ``name=value`` attributes and ``name(args)``
generators. This module checks names, shapes and values, resolves ``scale=auto`` bias scales and
hands :class:`tqc.tflite_writer.Tensor` / :class:`~tqc.tflite_writer.Op` lists to
:func:`tqc.tflite_writer.build_model`. Every error is a :class:`TqcError` ``FILE:LINE:COL: message``.
It checks structure, not legality: a zero scale or an out-of-range zero point is written as given, so
tests can build invalid models too.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from tqc.errors import TqcError
from tqc.tqm_check import TqmModel, check
from tqc.tqm_syntax import Value, parse_statements

__all__ = ["TqmModel", "Value", "parse", "load", "build", "build_file", "model_path"]


def parse(text: str, filename: str = "<tqm>") -> TqmModel:
    """Parse and check a .tqm text; errors are TqcError ``filename:line:column: message``."""
    return check(parse_statements(text, filename), filename)


def load(path: str | Path) -> TqmModel:
    """Read and parse a .tqm file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise TqcError(f"cannot read '{path}': {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise TqcError(f"{path}: not UTF-8 text (byte {e.start})") from None
    return parse(text, str(path))


def build(text: str, filename: str = "<tqm>") -> bytes:
    """The .tflite bytes for a .tqm text."""
    return parse(text, filename).to_bytes()


def build_file(path: str | Path, output: str | Path | None = None) -> Path:
    """Build ``path`` (.tqm) into ``output`` (default: same stem, .tflite); all or nothing."""
    src = Path(path)
    dst = Path(output) if output is not None else src.with_suffix(".tflite")
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise TqcError(f"output '{dst}' would overwrite the input")
    data = load(src).to_bytes()
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", dir=dst.parent)
    except OSError as e:
        raise TqcError(f"cannot write '{dst}': {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dst


_BUILT_DIR: list[Path] = []


def model_path(path: str | Path) -> Path:
    """A .tflite path for ``path``: a .tqm model is built into a temporary file (removed at exit)."""
    p = Path(path)
    if p.suffix != ".tqm":
        return p
    if not _BUILT_DIR:
        _BUILT_DIR.append(Path(tempfile.mkdtemp(prefix="tqc-tqm-")))
        atexit.register(shutil.rmtree, _BUILT_DIR[0], ignore_errors=True)
    return build_file(p, Path(tempfile.mkdtemp(dir=_BUILT_DIR[0])) / f"{p.stem}.tflite")


