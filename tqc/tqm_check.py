"""tqm statements → a checked model: names, shapes, dtypes, option names and value ranges,
``scale=auto`` bias scales, constant generators; the result is the Tensor / Op lists
:func:`tqc.tflite_writer.build_model` takes. Errors are ``TqcError("FILE:LINE:COL: message")``.
"""

from __future__ import annotations

import difflib
import importlib
import re
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import tflite

from tqc.errors import TqcError
from tqc.tflite_writer import DTYPES, Op, Tensor, build_model, options_table
from tqc.tflite_writer import _enum_value  # enum option strings -> values, one implementation
from tqc.tqm_syntax import Value, Decl, OpStmt

OPCODES = frozenset(k for k in vars(tflite.BuiltinOperator) if not k.startswith("_"))
ABSENT = "_"  # an absent optional operand, e.g. FULLY_CONNECTED(x, w, _)
ALIASES = {"activation": "fused_activation_function"}
PAIRS = {"stride": ("stride_h", "stride_w"), "dilation": ("dilation_h_factor", "dilation_w_factor"),
         "filter": ("filter_height", "filter_width")}  # k=v or k=[h,w]
BIAS_OPERANDS = {"CONV_2D": (0, 1, 2), "DEPTHWISE_CONV_2D": (0, 1, 2), "FULLY_CONNECTED": (0, 1, 2),
                 "TRANSPOSE_CONV": (2, 1, 3)}  # opcode -> operand index of (input, weights, bias)
GENERATORS = {"random": ("seed", "low", "high"), "fill": ("value",), "range": ("start", "step")}
ATTRIBUTES = ("scale", "zp", "axis", "data")
RANDOM_DEFAULTS = {"int8": (-127, 127), "uint8": (0, 255), "int16": (-32767, 32767),
                   "uint16": (0, 65535), "bool": (0, 1), "float32": (-1.0, 1.0)}



@dataclass
class TqmModel:
    """A parsed model: the tensors and ops :func:`tqc.tflite_writer.build_model` takes."""

    name: str
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[str]
    outputs: list[str]
    filename: str = "<tqm>"

    def to_bytes(self) -> bytes:
        """The .tflite flatbuffer (the model name becomes its description)."""
        try:
            return build_model(self.tensors, self.ops, self.inputs, self.outputs, self.name or "tqm")
        except ValueError as e:  # a check this module misses still gets one line
            raise TqcError(f"{self.filename}: {e}") from None



def _snake(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", camel).lower()


def _camel(snake: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in snake.split("_"))


_INT_SLOTS = {**{f"Int{b}": (-(1 << (b - 1)), (1 << (b - 1)) - 1) for b in (8, 16, 32, 64)},
              **{f"Uint{b}": (0, (1 << b) - 1) for b in (8, 16, 32, 64)}}  # slot type -> value range


def _slot_type(add_fn: Any) -> str:
    """The flatbuffers slot type an options adder writes (``Int32``, ``Float32``, ``Bool`` ...)."""
    for n in add_fn.__code__.co_names:
        if n.startswith("Prepend") and n.endswith("Slot"):
            return str(n[len("Prepend"):-len("Slot")])
    return ""


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _plain(v: Value) -> Any:
    """A Value as a plain Python value (lists nested, true/false as bool)."""
    if isinstance(v.v, list):
        return [_plain(x) for x in v.v]
    if v.v in ("true", "True", "false", "False"):
        return v.v in ("true", "True")
    return v.v


class Checker:
    def __init__(self, filename: str) -> None:
        self.filename = filename

    def err(self, at: Any, msg: str) -> TqcError:
        return TqcError(f"{self.filename}:{at.line}:{at.column}: {msg}")

    # statements -> model
    def model(self, statements: list[Any]) -> TqmModel:
        name = ""
        decls: dict[str, Decl] = {}
        op_stmts: list[OpStmt] = []
        outputs: list[Any] = []
        for s in statements:
            if isinstance(s, Decl):
                if s.name in decls:
                    raise self.err(s.name, f"tensor '{s.name}' is already declared on line "
                                           f"{decls[s.name].name.line}")
                if s.name == ABSENT:
                    raise self.err(s.name, f"'{ABSENT}' is reserved for an absent operand")
                decls[str(s.name)] = s
            elif isinstance(s, OpStmt):
                op_stmts.append(s)
            elif s[0] == "model":
                if name:
                    raise self.err(s[1], "a second 'model' statement")
                name = str(s[1])
            else:
                outputs.extend(s[1])
        tensors = {n: self.tensor(d) for n, d in decls.items()}
        ops = self.ops(op_stmts, decls)
        self.auto_scales(decls, tensors, op_stmts)
        out_names = self.outputs(outputs, decls, op_stmts)
        inputs = [n for n, d in decls.items() if d.kind == "input"]
        return TqmModel(name, list(tensors.values()), ops, inputs, out_names, self.filename)

    # tensors
    def tensor(self, d: Decl) -> Tensor:
        dtype = str(d.dtype)
        if dtype not in DTYPES:
            raise self.err(d.dtype, f"unknown dtype '{dtype}'{_suggest(dtype, DTYPES)}; "
                                    f"one of {', '.join(DTYPES)}")
        for key, (tok, _) in d.attrs.items():
            if key not in ATTRIBUTES:
                raise self.err(tok, f"unknown attribute '{key}'{_suggest(key, ATTRIBUTES)}; "
                                    f"one of {', '.join(ATTRIBUTES)}")
        t = Tensor(str(d.name), d.shape, dtype)
        self.quantization(d, t)
        has_init = "data" in d.attrs or d.generator is not None
        if d.kind == "const" and not has_init:
            raise self.err(d.name, f"const '{d.name}' needs data=[...] or random(...), fill(...), range(...)")
        if d.kind != "const" and has_init:
            at = d.attrs["data"][0] if "data" in d.attrs else d.generator[0]  # type: ignore[index]
            raise self.err(at, f"only a const has data ('{d.name}' is declared '{d.kind}')")
        if "data" in d.attrs and d.generator is not None:
            raise self.err(d.generator[0], f"'{d.name}' has both data=[...] and {d.generator[0]}(...)")
        if "data" in d.attrs:
            t.data = self.data(d.attrs["data"][1], dtype, d.shape)
        elif d.generator is not None:
            t.data = self.generate(d, dtype)
        return t

    def quantization(self, d: Decl, t: Tensor) -> None:
        scale, zp, axis = (d.attrs.get(k) for k in ("scale", "zp", "axis"))
        if scale is None:
            for other in (zp, axis):
                if other is not None:
                    raise self.err(other[0], f"'{other[0]}' without scale")
            return
        if t.dtype.startswith("float") or t.dtype == "bool":
            raise self.err(scale[0], f"a {t.dtype} tensor is not quantized (no scale)")
        if axis is not None:
            a = axis[1]
            if not isinstance(a.v, int) or not 0 <= a.v < max(1, len(t.shape)):
                raise self.err(a, f"axis must be an integer in [0, {len(t.shape)})")
            t.quantized_dimension = a.v
        sv = scale[1]
        auto = sv.v == "auto"  # resolved by auto_scales
        if auto and d.kind != "const":
            raise self.err(sv, "scale=auto is for the bias const of a conv or fully connected op")
        scales = [] if auto else self.numbers(sv, float, "scale")
        zps = self.numbers(zp[1], int, "zp") if zp is not None else [0]
        t.scale = None if auto else scales if isinstance(sv.v, list) else scales[0]
        t.zero_point = zps if zp is not None and isinstance(zp[1].v, list) else zps[0]
        if zp is not None and len(zps) > 1 and not auto and len(zps) != len(scales):
            raise self.err(zp[1], f"zp has {len(zps)} values, scale has {len(scales)}")
        if len(scales) > 1:
            self.check_channels(sv, len(scales), t)
        elif zp is not None and len(zps) > 1:
            self.check_channels(zp[1], len(zps), t)

    def check_channels(self, at: Value, n: int, t: Tensor) -> None:
        """``n`` per-channel values must match the size of the quantized dimension."""
        dim = t.quantized_dimension
        channels = t.shape[dim] if t.shape else 0
        if channels != n:
            raise self.err(at, f"{n} per-channel values but '{t.name}' has {channels} channels on axis {dim}")

    def numbers(self, v: Value, kind: type, what: str) -> list[Any]:
        items = v.v if isinstance(v.v, list) else [v]
        out = []
        for x in items:
            ok = isinstance(x.v, (int, float)) and not isinstance(x.v, bool)
            if not ok or (kind is int and not isinstance(x.v, int)):
                raise self.err(x, f"{what} needs {'integers' if kind is int else 'numbers'}, got {x.v!r}")
            out.append(kind(x.v))
        if not out:
            raise self.err(v, f"{what} is an empty list")
        return out

    def data(self, v: Value, dtype: str, shape: tuple[int, ...]) -> np.ndarray:
        size = int(np.prod(shape, dtype=np.int64))
        flat: list[Value] = []
        nested = self.nested_shape(v, flat)
        if len(nested) > 1 and nested != shape:
            raise self.err(v, f"data has shape {list(nested)}, the tensor {list(shape)}")
        if len(flat) != size:
            raise self.err(v, f"data has {len(flat)} values, shape {list(shape)} needs {size}")
        return self.to_array(flat, dtype).reshape(shape)

    def nested_shape(self, v: Value, flat: list[Value]) -> tuple[int, ...]:
        if not isinstance(v.v, list):
            flat.append(v)
            return ()
        subs = [self.nested_shape(x, flat) for x in v.v]
        if any(s != subs[0] for s in subs):
            raise self.err(v, "ragged data list (rows of different lengths)")
        return (len(v.v), *(subs[0] if subs else ()))

    def to_array(self, flat: list[Value], dtype: str) -> np.ndarray:
        npd: np.dtype[Any] = np.dtype(DTYPES[dtype][1])
        vals = []
        for x in flat:
            p = _plain(x)
            if npd.kind == "b":
                if p not in (0, 1, True, False):
                    raise self.err(x, f"bool data must be 0/1 or true/false, got {x.v!r}")
            elif isinstance(p, (bool, str)) or (npd.kind in "iu" and not isinstance(p, int)):
                raise self.err(x, f"{dtype} data needs {'integers' if npd.kind in 'iu' else 'numbers'}, "
                                  f"got {x.v!r}")
            elif npd.kind in "iu" and not np.iinfo(npd).min <= p <= np.iinfo(npd).max:
                info = np.iinfo(npd)
                raise self.err(x, f"{p} is out of range for {dtype} [{info.min}, {info.max}]")
            vals.append(p)
        return np.array(vals, dtype=npd)

    def generate(self, d: Decl, dtype: str) -> np.ndarray:
        assert d.generator is not None
        gname, args = d.generator
        if gname not in GENERATORS:
            raise self.err(gname, f"unknown initializer '{gname}(...)'{_suggest(str(gname), GENERATORS)}; "
                                  f"one of {', '.join(f'{g}(...)' for g in GENERATORS)}, data=[...]")
        params = self.bind(gname, args, GENERATORS[str(gname)])
        npd: np.dtype[Any] = np.dtype(DTYPES[dtype][1])
        shape = d.shape
        size = int(np.prod(shape, dtype=np.int64))
        if gname == "fill":
            if "value" not in params:
                raise self.err(gname, "fill(v) needs a value")
            return np.full(shape, self.to_array([params["value"]], dtype)[0], dtype=npd)
        if gname == "range":
            start, step = params.get("start"), params.get("step")
            first = self.to_array([start], dtype)[0] if start is not None else 0
            inc = self.to_array([step], dtype if npd.kind == "f" else "int64")[0] if step is not None else 1
            if npd.kind == "f":
                return (np.float32(first) + np.float32(inc) * np.arange(size, dtype=np.float32)).reshape(shape)
            vals = int(first) + int(inc) * np.arange(size, dtype=object)
            if size:
                last = vals[-1]
                lo, hi = (0, 1) if npd.kind == "b" else (np.iinfo(npd).min, np.iinfo(npd).max)
                if not lo <= last <= hi:
                    raise self.err(gname, f"range(...) reaches {last}, out of range for {dtype}")
            return vals.astype(npd).reshape(shape)
        return self.random(gname, params, dtype, shape)

    def random(self, at: Any, params: dict[str, Value], dtype: str, shape: tuple[int, ...]) -> np.ndarray:
        npd: np.dtype[Any] = np.dtype(DTYPES[dtype][1])
        seed = params.get("seed")
        if seed is not None and (not isinstance(seed.v, int) or seed.v < 0):
            raise self.err(seed, "seed must be a non-negative integer")
        low, high = RANDOM_DEFAULTS.get(dtype, (None, None))
        if "low" in params:
            low = self.to_array([params["low"]], dtype)[0]
        if "high" in params:
            high = self.to_array([params["high"]], dtype)[0]
        if low is None or high is None:
            raise self.err(at, f"random(...) for {dtype} needs low= and high=")
        if low > high:
            raise self.err(at, f"random(...): low {low} > high {high}")
        rng = np.random.default_rng(seed.v if seed is not None else 0)
        if npd.kind == "f":
            return rng.uniform(float(low), float(high), shape).astype(npd)
        return rng.integers(int(low), int(high), shape, dtype=np.int64, endpoint=True).astype(npd)

    def bind(self, gname: Any, args: list[tuple[Any, Value]], names: tuple[str, ...]) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for i, (key, v) in enumerate(args):
            if key is None:
                if i >= len(names) or any(k is not None for k, _ in args[:i]):
                    raise self.err(v, f"{gname}(...) takes {len(names)} argument(s): {', '.join(names)}")
                key_s = names[i]
            else:
                key_s = str(key)
                if key_s not in names:
                    raise self.err(key, f"{gname}(...) has no argument '{key_s}'; one of {', '.join(names)}")
            if key_s in out:
                raise self.err(key if key is not None else v, f"argument '{key_s}' given twice")
            out[key_s] = v
        return out

    # ops
    def ops(self, stmts: list[OpStmt], decls: dict[str, Decl]) -> list[Op]:
        produced: set[str] = set()
        ops = []
        for s in stmts:
            opcode = str(s.opcode)
            if opcode not in OPCODES:
                raise self.err(s.opcode, f"unknown operator '{opcode}'{_suggest(opcode, OPCODES)}")
            for tok in s.operands:
                if tok == ABSENT:
                    continue
                d = self.declared(tok, decls)
                if d.kind == "tensor" and tok not in produced:
                    raise self.err(tok, f"tensor '{tok}' is used before an op produces it")
            for tok in s.outputs:
                d = self.declared(tok, decls)
                if d.kind != "tensor":
                    raise self.err(tok, f"'{tok}' is declared '{d.kind}'; an op's result must be a 'tensor'")
                if tok in produced:
                    raise self.err(tok, f"tensor '{tok}' is already produced by an earlier op")
                produced.add(str(tok))
            options, version = self.options(opcode, s.options)
            ops.append(Op(opcode, [str(t) if t != ABSENT else "" for t in s.operands],
                          [str(t) for t in s.outputs], options, version))
        return ops

    def declared(self, tok: Any, decls: dict[str, Decl]) -> Decl:
        if tok not in decls:
            raise self.err(tok, f"unknown tensor '{tok}'{_suggest(str(tok), decls)}")
        return decls[tok]

    def options(self, opcode: str, items: list[tuple[Any, Value]]) -> tuple[dict[str, Any], int]:
        table = options_table(opcode)
        known: set[str] = set()
        module = None
        if table is not None:
            module = importlib.import_module(f"tflite.{table}")
            prefix = f"{table}Add"
            known = {_snake(k[len(prefix):]) for k in vars(module) if k.startswith(prefix)}
        out: dict[str, Any] = {}
        version = 1
        for key, v in items:
            k = str(key)
            if k == "version":
                if not isinstance(v.v, int) or v.v < 1:
                    raise self.err(v, "version must be a positive integer")
                version = v.v
                continue
            expanded = self.expand(key, v)
            for name, value in expanded.items():
                if name not in known:
                    spelled = known | {a for a, full in ALIASES.items() if full in known}
                    spelled |= {p for p, (h, _) in PAIRS.items() if h in known}
                    hint = f"; options: {', '.join(sorted(spelled))}" if known else f"; {opcode} takes no options"
                    raise self.err(key, f"{opcode} has no option '{k}'{_suggest(k, spelled)}{hint}")
                if name in out:
                    raise self.err(key, f"option '{name}' given twice")
                assert module is not None and table is not None
                out[name] = self.option_value(module, table, name, value, v)
        return out, version

    def expand(self, key: Any, v: Value) -> dict[str, Any]:
        k = ALIASES.get(str(key), str(key))
        if k not in PAIRS:
            return {k: _plain(v)}
        p = _plain(v)
        pair = p if isinstance(p, list) else [p, p]
        if len(pair) != 2:
            raise self.err(v, f"{key} takes one value or [h, w]")
        return dict(zip(PAIRS[k], pair))

    def option_value(self, module: Any, table: str, name: str, p: Any, at: Value) -> Any:
        is_vector = hasattr(module, f"{table}Start{_camel(name)}Vector")
        if is_vector != isinstance(p, list):
            raise self.err(at, f"option '{name}' takes {'a list' if is_vector else 'one value'}")
        if is_vector:
            if not all(isinstance(x, int) and not isinstance(x, bool) for x in p):
                raise self.err(at, f"option '{name}' takes a list of integers")
            return p
        slot = _slot_type(getattr(module, f"{table}Add{_camel(name)}"))
        if isinstance(p, str):
            try:
                _enum_value(name, p)
            except ValueError as e:
                raise self.err(at, str(e)) from None
        elif slot == "Bool" and p not in (0, 1):
            raise self.err(at, f"option '{name}' is true or false")
        elif slot == "Float32" and isinstance(p, bool):
            raise self.err(at, f"option '{name}' is a number")
        elif slot in _INT_SLOTS and (type(p) is not int or not _INT_SLOTS[slot][0] <= p <= _INT_SLOTS[slot][1]):
            raise self.err(at, f"option '{name}' is an integer in [{_INT_SLOTS[slot][0]}, {_INT_SLOTS[slot][1]}]")
        return p

    # bias scales and graph outputs
    def auto_scales(self, decls: dict[str, Decl], tensors: dict[str, Tensor], stmts: list[OpStmt]) -> None:
        auto = {n for n, d in decls.items() if "scale" in d.attrs and d.attrs["scale"][1].v == "auto"}
        for s in stmts:
            idx = BIAS_OPERANDS.get(str(s.opcode))
            if idx is None or len(s.operands) <= max(idx) or s.operands[idx[2]] not in auto:
                continue
            x, w, b = (tensors[str(s.operands[i])] for i in idx)
            if x.scale is None or w.scale is None or isinstance(x.scale, list) and len(x.scale) > 1:
                raise self.err(s.operands[idx[2]], f"scale=auto needs a per-tensor input scale and a weight "
                                                   f"scale ('{x.name}', '{w.name}')")
            sx = float(np.float32(x.scale[0] if isinstance(x.scale, list) else cast(float, x.scale)))
            sw = np.atleast_1d(np.asarray(w.scale, np.float64)).astype(np.float32).astype(np.float64)
            per_channel = [sx * float(v) for v in sw]
            scale: float | list[float] = per_channel if isinstance(w.scale, list) else per_channel[0]
            if b.scale is not None and b.scale != scale:
                raise self.err(s.operands[idx[2]], f"scale=auto: '{b.name}' is the bias of ops with "
                                                   f"different input x weight scales")
            b.scale = scale
            n = len(scale) if isinstance(scale, list) else 1
            if isinstance(b.zero_point, list) and len(b.zero_point) not in (1, n):
                raise self.err(decls[b.name].attrs["zp"][1], f"zp has {len(b.zero_point)} values, scale has {n}")
            if n > 1:
                b.quantized_dimension = 0
                self.check_channels(decls[b.name].attrs["scale"][1], n, b)
        for n in auto:
            if tensors[n].scale is None:
                raise self.err(decls[n].attrs["scale"][1], f"scale=auto: '{n}' is not the bias operand of a "
                                                           f"{', '.join(BIAS_OPERANDS)}")

    def outputs(self, toks: list[Any], decls: dict[str, Decl], stmts: list[OpStmt]) -> list[str]:
        if not toks:
            raise TqcError(f"{self.filename}: no 'output' statement")
        produced = {str(t) for s in stmts for t in s.outputs}
        names: list[str] = []
        for tok in toks:
            d = self.declared(tok, decls)
            if d.kind == "tensor" and tok not in produced:
                raise self.err(tok, f"output '{tok}' is not produced by any op")
            if tok in names:
                raise self.err(tok, f"'{tok}' is already an output")
            names.append(str(tok))
        return names


def check(statements: list[Any], filename: str = "<tqm>") -> TqmModel:
    """The checked model of parsed statements (:func:`tqc.tqm_syntax.parse_statements`)."""
    return Checker(filename).model(statements)
