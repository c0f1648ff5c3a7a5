"""Minimal valid single-op models, one builder per TFLite builtin and activation type, for the
op x type table (scripts/op_type_table.py) and its test (tests/test_op_models.py).

`build(opcode, kind)` returns a `Model` (tensors, the one op, inputs, outputs) for `kind` in
int8, uint8, int16 (16x8: int8 weights, int64 biases, zero points 0), or a `NotApplicable` naming
why the op has no model of that kind (bool-only, needs subgraphs or resource variables, ...).
Graph inputs are the activation tensors only; indices, shapes, axes, weights and conditions are
constants, so `differential.random_inputs` can feed every model. Quantization is ordinary (zero
points inside the range, output scales near the value range); the fixed output quantizations of
LOGISTIC, TANH, SOFTMAX come from tests/graphgen.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from graphgen import FIXED_OUTPUT

from tqc.tflite_writer import Op, Tensor

KINDS = ("int8", "uint8", "int16")
SHAPE = (1, 4, 4, 3)
_ZP = {"int8": -3, "uint8": 131, "int16": 0}
_ZP_OUT = {"int8": 5, "uint8": 120, "int16": 0}
_SCALE = {"int8": 0.05, "uint8": 0.05, "int16": 0.0004}


@dataclass
class Model:
    """A single-op graph for `tqc.tflite_writer.write_model`."""

    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[str]
    outputs: list[str]


@dataclass(frozen=True)
class NotApplicable:
    """Why an op has no single-op model of a kind."""

    reason: str


@dataclass
class G:
    """A graph under construction: tensors by name and helpers for one kind."""

    kind: str
    tensors: dict[str, Tensor] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(7))

    @property
    def weight_kind(self) -> str:
        return "uint8" if self.kind == "uint8" else "int8"

    @property
    def bias_kind(self) -> str:
        return "int64" if self.kind == "int16" else "int32"

    def add(self, t: Tensor) -> str:
        self.tensors[t.name] = t
        return t.name

    def x(self, name: str = "x", shape: tuple[int, ...] = SHAPE, scale: float | None = None) -> str:
        """A graph input of the activation kind."""
        self.inputs.append(name)
        return self.add(Tensor(name, shape, self.kind, scale or _SCALE[self.kind], _ZP[self.kind]))

    def y(self, shape: tuple[int, ...], scale: float | None = None, zp: int | None = None,
          name: str = "y") -> str:
        """An output of the activation kind (by default another quantization than the input)."""
        s = scale if scale is not None else _SCALE[self.kind] * 1.25
        return self.add(Tensor(name, shape, self.kind, s, _ZP_OUT[self.kind] if zp is None else zp))

    def same(self, src: str, shape: tuple[int, ...], name: str = "y") -> str:
        """An output quantized like `src` (data movement, max/min, pools)."""
        t = self.tensors[src]
        return self.add(Tensor(name, shape, t.dtype, t.scale, t.zero_point))

    def plain(self, name: str, shape: tuple[int, ...], dtype: str) -> str:
        return self.add(Tensor(name, shape, dtype))

    def const(self, name: str, data: object, dtype: str = "int32", scale: object = None,
              zp: object = None, axis: int = 0) -> str:
        a = np.asarray(data)
        return self.add(Tensor(name, a.shape, dtype, scale, zp, axis, a))  # type: ignore[arg-type]

    def activation_const(self, name: str, shape: tuple[int, ...]) -> str:
        lo, hi = np.iinfo(self.kind).min, np.iinfo(self.kind).max
        return self.const(name, self.rng.integers(lo, hi + 1, shape), self.kind, _SCALE[self.kind],
                          _ZP[self.kind])

    def weights(self, name: str, shape: tuple[int, ...], axis: int) -> tuple[str, list[float]]:
        """int8 symmetric per channel (axis `axis`), uint8 per tensor with a zero point."""
        if self.kind == "uint8":
            return self.const(name, self.rng.integers(0, 256, shape), "uint8", 0.01, 128), [0.01]
        scales = [0.01 * (1 + k / 8) for k in range(shape[axis])]
        return self.const(name, self.rng.integers(-127, 128, shape), "int8", scales,
                          [0] * len(scales), axis), scales

    def bias(self, name: str, x: str, scales: list[float], n: int) -> str:
        s_x = self.tensors[x].scale
        assert isinstance(s_x, float)
        bs = [s_x * s for s in scales] * (n if len(scales) == 1 else 1)
        return self.const(name, self.rng.integers(-2000, 2000, n), self.bias_kind,
                          bs if len(scales) > 1 else bs[0], [0] * len(scales) if len(scales) > 1 else 0)

    def model(self, op: Op, outputs: list[str]) -> Model:
        return Model(list(self.tensors.values()), [op], self.inputs, outputs)


Builder = Callable[[G], "Model | NotApplicable"]


def _unary(opcode: str, options: dict | None = None, same: bool = False) -> Builder:
    def build(g: G) -> Model:
        x = g.x()
        fixed = FIXED_OUTPUT.get((opcode, g.kind))
        y = (g.same(x, SHAPE) if same else
             g.y(SHAPE, *fixed) if fixed else g.y(SHAPE))
        return g.model(Op(opcode, [x], [y], options or {}), [y])
    return build


def _neg(g: G) -> Model:
    """NEG: zero points 0 and one scale, where LiteRT REF's negation of the stored values is the
    negation (passes/lowering/neg.py)."""
    x = g.x()
    g.tensors[x].zero_point = 0
    y = g.same(x, SHAPE)
    return g.model(Op("NEG", [x], [y]), [y])


def _fixed(opcode: str, quant: dict[str, tuple[float, int]]) -> Builder:
    def build(g: G) -> Model:
        x = g.x()
        y = g.y(SHAPE, *quant[g.kind])
        return g.model(Op(opcode, [x], [y]), [y])
    return build


def _binary(opcode: str, options: dict | None = None, same: bool = False, out: str | None = None) -> Builder:
    def build(g: G) -> Model:
        a = g.x("a")
        b = g.x("b", scale=None if same else _SCALE[g.kind] * 0.7)
        y = (g.plain("y", SHAPE, out) if out else g.same(a, SHAPE) if same else g.y(SHAPE))
        return g.model(Op(opcode, [a, b], [y], options or {}), [y])
    return build


def _to(opcode: str, dtype: str, options: dict | None = None, shape: tuple[int, ...] = SHAPE) -> Builder:
    """An op from the activation kind to a plain `dtype` output of `shape`."""
    def build(g: G) -> Model:
        x = g.x()
        y = g.plain("y", shape, dtype)
        return g.model(Op(opcode, [x], [y], options or {}), [y])
    return build


def _conv(g: G) -> Model:
    x = g.x()
    w, scales = g.weights("w", (4, 3, 3, 3), 0)
    b = g.bias("b", x, scales, 4)
    y = g.y((1, 4, 4, 4), _SCALE[g.kind] * 4)
    return g.model(Op("CONV_2D", [x, w, b], [y], {"padding": "SAME"}), [y])


def _depthwise(g: G) -> Model:
    x = g.x()
    w, scales = g.weights("w", (1, 3, 3, 3), 3)
    b = g.bias("b", x, scales, 3)
    y = g.y(SHAPE, _SCALE[g.kind] * 2)
    return g.model(Op("DEPTHWISE_CONV_2D", [x, w, b], [y], {"padding": "SAME", "depth_multiplier": 1}), [y])


def _fully_connected(g: G) -> Model:
    x = g.x(shape=(1, 12))
    w, scales = g.weights("w", (5, 12), 0)
    scales = scales[:1]
    if g.kind != "uint8":  # per-tensor weights
        g.tensors[w].scale, g.tensors[w].zero_point = 0.01, 0
    b = g.bias("b", x, scales, 5)
    y = g.y((1, 5), _SCALE[g.kind] * 3)
    return g.model(Op("FULLY_CONNECTED", [x, w, b], [y]), [y])


def _transpose_conv(g: G) -> Model:
    x = g.x(shape=(1, 3, 3, 2))
    w, scales = g.weights("w", (3, 3, 3, 2), 0)
    b = g.bias("b", x, scales, 3)
    s = g.const("s", [1, 6, 6, 3])
    y = g.y((1, 6, 6, 3), _SCALE[g.kind] * 3)
    return g.model(Op("TRANSPOSE_CONV", [s, w, x, b], [y], {"padding": "SAME", "stride_h": 2, "stride_w": 2}),
                   [y])


def _batch_matmul(g: G) -> Model:
    a = g.x("a", (1, 2, 3))
    b = g.x("b", (1, 3, 4))
    y = g.y((1, 2, 4), _SCALE[g.kind] * 4)
    return g.model(Op("BATCH_MATMUL", [a, b], [y]), [y])


def _svdf(g: G) -> Model:
    units, rank, memory, depth = 2, 1, 3, 5
    x = g.x(shape=(1, depth))
    wf = g.const("wf", g.rng.integers(-127, 128, (units * rank, depth)), "int8", 0.01, 0)
    wt = g.const("wt", g.rng.integers(-32767, 32768, (units * rank, memory)), "int16", 0.0003, 0)
    b = g.const("b", g.rng.integers(-999, 999, units), "int32", 0.004 * 0.0003, 0)
    g.add(Tensor("state", (1, memory * units * rank), "int16", 0.004, 0, is_variable=True))
    y = g.y((1, units), 0.03)
    return g.model(Op("SVDF", [x, wf, wt, b, "state"], [y], {"rank": rank}), [y])


def _lstm(g: G) -> Model:
    steps, units, features = 2, 3, 4
    x = g.x(shape=(1, steps, features), scale=0.02 if g.kind != "int16" else 1 / 4096)
    names = [x]
    for source, k in (("i", features), ("r", units)):
        for gate in "ifco":
            names.append(g.const(f"w{source}{gate}", g.rng.integers(-127, 128, (units, k)), "int8", 0.01, 0))
    names += ["", "", ""]
    for gate in "ifco":
        names.append(g.const(f"b{gate}", g.rng.integers(-999, 999, units), g.bias_kind, 1e-4, 0))
    names += ["", ""]
    s_h = 2.0**-7 if g.kind != "int16" else 2.0**-15
    g.add(Tensor("h", (1, units), g.kind, s_h, _ZP[g.kind], is_variable=True))
    g.add(Tensor("c", (1, units), "int16", 2.0**-11, 0, is_variable=True))
    names += ["h", "c", "", "", "", ""]
    y = g.y((1, steps, units), s_h, _ZP[g.kind])
    return g.model(Op("UNIDIRECTIONAL_SEQUENCE_LSTM", names, [y],
                      {"fused_activation_function": "TANH", "time_major": False}), [y])


def _pool(opcode: str) -> Builder:
    def build(g: G) -> Model:
        x = g.x()
        y = g.same(x, (1, 2, 2, 3)) if opcode != "L2_POOL_2D" else g.y((1, 2, 2, 3))
        return g.model(Op(opcode, [x], [y], {"padding": "VALID", "filter_height": 2, "filter_width": 2,
                                             "stride_h": 2, "stride_w": 2}), [y])
    return build


def _reduce(opcode: str, same: bool = False) -> Builder:
    def build(g: G) -> Model:
        x = g.x()
        axes = g.const("axes", [1, 2])
        y = g.same(x, (1, 1, 1, 3)) if same else g.y((1, 1, 1, 3), _SCALE[g.kind] * 8)
        return g.model(Op(opcode, [x, axes], [y], {"keep_dims": True}), [y])
    return build


def _arg(opcode: str) -> Builder:
    def build(g: G) -> Model:
        x = g.x()
        axis = g.const("axis", [3])
        y = g.plain("y", (1, 4, 4), "int32")
        return g.model(Op(opcode, [x, axis], [y], {"output_type": "INT32"}), [y])
    return build


def _cumsum(g: G) -> Model:
    x = g.x()
    y = g.y(SHAPE, _SCALE[g.kind] * 4)
    return g.model(Op("CUMSUM", [x, g.const("axis", 2)], [y]), [y])


def _move(opcode: str, out: tuple[int, ...], *consts: object, options: dict | None = None,
          shape: tuple[int, ...] = SHAPE) -> Builder:
    """Data movement: the input, constant int32 operands, an output quantized like the input."""
    def build(g: G) -> Model:
        x = g.x(shape=shape)
        cs = [g.const(f"c{k}", c) for k, c in enumerate(consts)]
        y = g.same(x, out)
        return g.model(Op(opcode, [x, *cs], [y], options or {}), [y])
    return build


def _padv2(g: G) -> Model:
    x = g.x()
    p = g.const("p", [[0, 0], [1, 1], [0, 2], [0, 0]])
    t = g.tensors[x]
    v = g.const("v", np.array(np.iinfo(g.kind).min + 7), g.kind, t.scale, t.zero_point)
    y = g.same(x, (1, 6, 6, 3))
    return g.model(Op("PADV2", [x, p, v], [y]), [y])


def _split(opcode: str) -> Builder:
    def build(g: G) -> Model:
        x = g.x()
        ys = [g.same(x, (1, 4, 2, 3), "y0"), g.same(x, (1, 4, 2, 3), "y1")]
        if opcode == "SPLIT":
            ins = [g.const("axis", [2]), x]
        else:
            ins = [x, g.const("sizes", [2, 2]), g.const("axis", [2])]
        return g.model(Op(opcode, ins, ys, {"num_splits": 2}), ys)
    return build


def _concat(g: G) -> Model:
    a, b = g.x("a"), g.x("b")
    y = g.same(a, (1, 4, 8, 3))
    return g.model(Op("CONCATENATION", [a, b], [y], {"axis": 2}), [y])


def _pack(g: G) -> Model:
    a, b = g.x("a"), g.x("b")
    y = g.same(a, (1, 4, 4, 2, 3))
    return g.model(Op("PACK", [a, b], [y], {"axis": 3, "values_count": 2}), [y])


def _unpack(g: G) -> Model:
    x = g.x()
    ys = [g.same(x, (1, 4, 3), f"y{k}") for k in range(4)]
    return g.model(Op("UNPACK", [x], ys, {"num": 4, "axis": 1}), ys)


def _add_n(g: G) -> Model:
    a, b = g.x("a"), g.x("b")
    y = g.same(a, SHAPE)
    return g.model(Op("ADD_N", [a, b], [y]), [y])


def _select(opcode: str) -> Builder:
    def build(g: G) -> Model:
        cond = g.const("cond", g.rng.integers(0, 2, SHAPE).astype(bool), "bool")
        a, b = g.x("a"), g.x("b")
        y = g.same(a, SHAPE)
        return g.model(Op(opcode, [cond, a, b], [y]), [y])
    return build


def _prelu(g: G) -> Model:
    x = g.x()
    alpha = g.const("alpha", g.rng.integers(0, 128, (3,)), g.weight_kind, 0.004, 0 if g.kind != "uint8" else 64)
    y = g.y(SHAPE)
    return g.model(Op("PRELU", [x, alpha], [y]), [y])


def _fill(g: G) -> Model:
    dims = g.const("dims", [1, 2, 3])
    v = g.x("v", ())
    y = g.same(v, (1, 2, 3))
    return g.model(Op("FILL", [dims, v], [y]), [y])


def _embedding_lookup(g: G) -> Model:
    """Constant ids and table: the model has no input."""
    ids = g.const("ids", [2, 0, 1])
    value = g.activation_const("value", (4, 5))
    y = g.same(value, (3, 5))
    return g.model(Op("EMBEDDING_LOOKUP", [ids, value], [y]), [y])


def _dynamic_update_slice(g: G) -> Model:
    x = g.x()
    u = g.x("u", (1, 2, 2, 3))
    g.tensors[u].scale, g.tensors[u].zero_point = g.tensors[x].scale, g.tensors[x].zero_point
    start = g.const("start", [0, 1, 2, 0])
    y = g.same(x, SHAPE)
    return g.model(Op("DYNAMIC_UPDATE_SLICE", [x, u, start], [y]), [y])


def _resize(opcode: str) -> Builder:
    return _move(opcode, (1, 6, 7, 3), [6, 7], options={"half_pixel_centers": True})


def _quantize(g: G) -> Model:
    x = g.x()
    y = g.y(SHAPE)
    return g.model(Op("QUANTIZE", [x], [y]), [y])


def _na(reason: str) -> Builder:
    return lambda g: NotApplicable(reason)


_L2_NORM = {"int8": (1 / 128, 0), "uint8": (1 / 128, 128), "int16": (1 / 32768, 0)}
_LOG_SOFTMAX = {"int8": (16 / 256, 127), "uint8": (16 / 256, 255), "int16": (16 / 32768, 32767)}
_BOOL = "bool inputs and outputs only"
_SUBGRAPHS = "needs more than one subgraph"
_RESOURCES = "resource variables (no activation type)"

BUILDERS: dict[str, Builder] = {
    # element-wise
    "ABS": _unary("ABS"), "NEG": _neg, "RELU": _unary("RELU"), "RELU6": _unary("RELU6"),
    "RELU_N1_TO_1": _unary("RELU_N1_TO_1"), "HARD_SWISH": _unary("HARD_SWISH"),
    "LEAKY_RELU": _unary("LEAKY_RELU", {"alpha": 0.2}), "ELU": _unary("ELU"), "EXP": _unary("EXP"),
    "LOG": _unary("LOG"), "SQRT": _unary("SQRT"), "RSQRT": _unary("RSQRT"), "SQUARE": _unary("SQUARE"),
    "FLOOR": _unary("FLOOR", same=True), "CEIL": _unary("CEIL", same=True), "ROUND": _unary("ROUND", same=True),
    "SIN": _unary("SIN"), "COS": _unary("COS"), "ZEROS_LIKE": _unary("ZEROS_LIKE", same=True),
    "LOGISTIC": _unary("LOGISTIC"), "TANH": _unary("TANH"), "SOFTMAX": _unary("SOFTMAX", {"beta": 1.0}),
    "LOG_SOFTMAX": _fixed("LOG_SOFTMAX", _LOG_SOFTMAX), "L2_NORMALIZATION": _fixed("L2_NORMALIZATION", _L2_NORM),
    "QUANTIZE": _quantize, "DEQUANTIZE": _to("DEQUANTIZE", "float32"),
    "CAST": _to("CAST", "int32"),
    "ADD": _binary("ADD"), "SUB": _binary("SUB"), "MUL": _binary("MUL"), "DIV": _binary("DIV"),
    "MAXIMUM": _binary("MAXIMUM", same=True), "MINIMUM": _binary("MINIMUM", same=True),
    "SQUARED_DIFFERENCE": _binary("SQUARED_DIFFERENCE"), "FLOOR_DIV": _binary("FLOOR_DIV", same=True),
    "FLOOR_MOD": _binary("FLOOR_MOD", same=True), "PRELU": _prelu, "ADD_N": _add_n, "SELECT_V2": _select("SELECT_V2"),
    "SELECT": _select("SELECT"),
    **{op: _binary(op, same=True, out="bool") for op in
       ("EQUAL", "NOT_EQUAL", "LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL")},
    # weights
    "CONV_2D": _conv, "DEPTHWISE_CONV_2D": _depthwise, "FULLY_CONNECTED": _fully_connected,
    "TRANSPOSE_CONV": _transpose_conv, "BATCH_MATMUL": _batch_matmul, "SVDF": _svdf,
    "UNIDIRECTIONAL_SEQUENCE_LSTM": _lstm,
    # pools and reductions
    "AVERAGE_POOL_2D": _pool("AVERAGE_POOL_2D"), "MAX_POOL_2D": _pool("MAX_POOL_2D"),
    "L2_POOL_2D": _pool("L2_POOL_2D"),
    "MEAN": _reduce("MEAN"), "SUM": _reduce("SUM"), "REDUCE_MAX": _reduce("REDUCE_MAX", same=True),
    "REDUCE_MIN": _reduce("REDUCE_MIN", same=True), "REDUCE_PROD": _reduce("REDUCE_PROD"),
    "ARG_MAX": _arg("ARG_MAX"), "ARG_MIN": _arg("ARG_MIN"), "CUMSUM": _cumsum,
    # data movement
    "RESHAPE": _move("RESHAPE", (1, 16, 3), [1, 16, 3], options={"new_shape": [1, 16, 3]}),
    "SQUEEZE": _move("SQUEEZE", (4, 4, 3), options={"squeeze_dims": [0]}),
    "EXPAND_DIMS": _move("EXPAND_DIMS", (1, 4, 1, 4, 3), [2]),
    "TRANSPOSE": _move("TRANSPOSE", (1, 3, 4, 4), [0, 3, 1, 2]),
    "PAD": _move("PAD", (1, 6, 6, 3), [[0, 0], [1, 1], [0, 2], [0, 0]]), "PADV2": _padv2,
    "MIRROR_PAD": _move("MIRROR_PAD", (1, 6, 6, 3), [[0, 0], [1, 1], [0, 2], [0, 0]],
                        options={"mode": "REFLECT"}),
    "STRIDED_SLICE": _move("STRIDED_SLICE", (1, 2, 3, 3), [0, 1, 0, 0], [1, 4, 3, 3], [1, 2, 1, 1]),
    "SLICE": _move("SLICE", (1, 2, 3, 2), [0, 1, 1, 0], [1, 2, 3, 2]),
    "SPLIT": _split("SPLIT"), "SPLIT_V": _split("SPLIT_V"), "CONCATENATION": _concat, "PACK": _pack,
    "UNPACK": _unpack,
    "GATHER": _move("GATHER", (1, 4, 2, 3), [3, 0], options={"axis": 2}),
    "GATHER_ND": _move("GATHER_ND", (2, 4, 3), [[0, 1], [0, 3]]),
    "DEPTH_TO_SPACE": _move("DEPTH_TO_SPACE", (1, 4, 4, 3), options={"block_size": 2}, shape=(1, 2, 2, 12)),
    "SPACE_TO_DEPTH": _move("SPACE_TO_DEPTH", (1, 2, 2, 12), options={"block_size": 2}),
    "SPACE_TO_BATCH_ND": _move("SPACE_TO_BATCH_ND", (4, 3, 2, 3), [2, 2], [[1, 1], [0, 0]]),
    "BATCH_TO_SPACE_ND": _move("BATCH_TO_SPACE_ND", (1, 4, 3, 3), [2, 2], [[0, 0], [0, 1]],
                               shape=(4, 2, 2, 3)),
    "RESIZE_BILINEAR": _resize("RESIZE_BILINEAR"), "RESIZE_NEAREST_NEIGHBOR": _resize("RESIZE_NEAREST_NEIGHBOR"),
    "BROADCAST_TO": _move("BROADCAST_TO", (2, 4, 4, 3), [2, 4, 4, 3]),
    "REVERSE_V2": _move("REVERSE_V2", SHAPE, [2]),
    "TILE": _move("TILE", (1, 8, 4, 3), [1, 2, 1, 1]),
    "SHAPE": _to("SHAPE", "int32", {"out_type": "INT32"}, (len(SHAPE),)),
    "FILL": _fill, "EMBEDDING_LOOKUP": _embedding_lookup, "DYNAMIC_UPDATE_SLICE": _dynamic_update_slice,
    # not an activation-typed op
    "BROADCAST_ARGS": _na("int32/int64 shapes only"),
    **{op: _na(_BOOL) for op in ("LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT", "REDUCE_ALL", "REDUCE_ANY")},
    **{op: _na(_SUBGRAPHS) for op in ("IF", "WHILE", "CALL_ONCE")},
    **{op: _na(_RESOURCES) for op in ("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE")},
}


def build(opcode: str, kind: str) -> Model | NotApplicable:
    """The single-op model of `opcode` with `kind` activations (NotApplicable if there is none)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    builder = BUILDERS.get(opcode)
    if builder is None:
        return NotApplicable("no single-op builder")
    return builder(G(kind))
