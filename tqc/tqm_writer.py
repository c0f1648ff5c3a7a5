"""Write `tqc.tflite_writer` Tensor / Op lists as `.tqm` text (docs/tqm-format.md).

The inverse of :func:`tqc.tqm.parse`: ``tqm.parse(to_tqm(...)).to_bytes()`` is the same .tflite
as ``build_model(...)`` with the model name as description. Used to save failing property-test
cases as readable regression files. Scales are float32 in the file; each is written as the
shortest decimal that reads back to the same float32.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tqc.tflite_writer import Op, Tensor

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_KEYWORDS = {"model", "input", "const", "tensor", "output", "_"}
_WIDTH = 96


def _name(name: str) -> str:
    if not _NAME.match(name) or name in _KEYWORDS:
        raise ValueError(f"{name!r} cannot be a .tqm name")
    return name


def _float32(x: float) -> str:
    """Shortest text that reads back (as a double, then float32) to float32(x)."""
    v = np.float32(x)
    if not np.isfinite(v):
        raise ValueError(f"{x} has no .tqm spelling")
    short = np.format_float_scientific(v, unique=True, trim="-") if v and (abs(v) < 1e-4 or abs(v) >= 1e6) \
        else np.format_float_positional(v, unique=True, trim="-")
    return short if np.float32(float(short)) == v else repr(float(v))


def _float64(x: float) -> str:
    if not np.isfinite(x):
        raise ValueError(f"{x} has no .tqm spelling")
    return repr(float(x))


def _scalar(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return _float64(float(v))
    if isinstance(v, str):
        return _name(v)
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    raise ValueError(f"cannot write option value {v!r}")


def _wrapped(items: Sequence[str], indent: str) -> str:
    """`[a, b, ...]`, broken into lines of at most _WIDTH characters."""
    lines, line = [], ""
    for s in items:
        if line and len(line) + len(s) + 2 > _WIDTH:
            lines.append(line + ",")
            line = s
        else:
            line = f"{line}, {s}" if line else s
    lines.append(line)
    if len(lines) == 1:
        return f"[{lines[0]}]"
    return "[\n" + "\n".join(indent + ln for ln in lines) + "\n]"


def _quant(t: Tensor) -> str:
    if t.scale is None:
        if t.zero_point is not None:
            raise ValueError(f"tensor {t.name}: a zero point without a scale")
        return ""
    per_channel = isinstance(t.scale, (list, tuple, np.ndarray))
    if per_channel:
        parts = [f"scale={_wrapped([_float32(s) for s in t.scale], '    ')}"]  # type: ignore[union-attr]
    else:
        parts = [f"scale={_float32(float(t.scale))}"]  # type: ignore[arg-type]
    zp = t.zero_point if t.zero_point is not None else 0
    zps = [int(z) for z in np.atleast_1d(np.asarray(zp))]
    if any(zps):
        parts.append(f"zp={zps[0]}" if len(set(zps)) == 1 else f"zp={_scalar(zps)}")
    if per_channel and t.quantized_dimension:
        parts.append(f"axis={t.quantized_dimension}")
    return " " + " ".join(parts)


def _data(t: Tensor) -> str:
    a = np.asarray(t.data).reshape(-1)
    if t.dtype == "float32":
        items = [_float32(float(x)) for x in a]
    elif t.dtype == "bool":
        items = [str(int(bool(x))) for x in a]
    else:
        items = [str(int(x)) for x in a]
    if len(items) > 1 and len(set(items)) == 1:
        return f"fill({items[0]})"
    return "data=" + _wrapped(items, "    ")


def _decl(kind: str, t: Tensor) -> str:
    dims = ",".join(str(int(d)) for d in t.shape)
    text = f"{kind:<6} {_name(t.name)} : {t.dtype}[{dims}]{_quant(t)}"
    if kind == "const":
        text += " " + _data(t)
    return text


def _op(op: Op) -> str:
    ins = ", ".join("_" if not n else _name(n) for n in op.inputs)
    opts = " ".join(f"{k}={_scalar(v)}" for k, v in op.options.items())
    if op.version != 1:
        opts += f" version={op.version}"
    return f"{', '.join(_name(n) for n in op.outputs)} = {op.opcode}({ins})" + (f" {opts}" if opts else "")


def to_tqm(tensors: Sequence[Tensor], ops: Sequence[Op], inputs: Sequence[str], outputs: Sequence[str],
           name: str = "", comments: Iterable[str] = ()) -> str:
    """The .tqm text of a model: `comments` first (as `#` lines), then the declarations in the
    tensors' order (so that the .tflite is the same byte for byte; inputs first if their order
    differs from `inputs`), then the ops in order and the outputs."""
    by_name = {t.name: t for t in tensors}
    lines = [f"# {c}" if c else "#" for c in comments]
    if name:
        lines.append(f"model {_name(name)}")
    lines.append("")
    ordered = list(tensors)
    if [t.name for t in tensors if t.name in inputs] != list(inputs):
        ordered = [by_name[n] for n in inputs] + [t for t in tensors if t.name not in inputs]
    for t in ordered:
        kind = "input" if t.name in inputs else "const" if t.data is not None else "tensor"
        lines.append(_decl(kind, t))
    lines.append("")
    lines += [_op(op) for op in ops]
    lines.append(f"output {', '.join(_name(n) for n in outputs)}")
    return "\n".join(lines) + "\n"
