"""Random multi-op quantized graphs (tests/test_random_graphs.py): each case index gives one small,
valid `tqc.tflite_writer` graph, the same on every run (numpy Generator seeded by (seed, case)).

A graph has one element type: int8, uint8 (legacy: uint8 throughout, LiteRT REF is the
reference) or int16 (16x8: int8 weights, int64 biases, zero points 0). It starts from one to
three inputs (some float or, for int8, uint8 behind a QUANTIZE) and grows op by op, each op
reading tensors already in the graph, the ones nobody reads yet first:

- compute: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, AVERAGE/MAX_POOL_2D, MEAN, SUM, SOFTMAX,
  the activations RELU, RELU6, RELU_N1_TO_1, LOGISTIC, TANH, LEAKY_RELU, HARD_SWISH, ABS, ELU,
  PRELU, and QUANTIZE between two quantizations of the same type;
- data movement: RESHAPE / SQUEEZE / EXPAND_DIMS, TRANSPOSE of rank 2-5 (a reshape first gives
  the rank), PAD / PADV2, STRIDED_SLICE, SPLIT, DEPTH_TO_SPACE / SPACE_TO_DEPTH,
  RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR, SPACE_TO_BATCH_ND followed by BATCH_TO_SPACE_ND
  (the batch goes back to 1; not a dilated conv);
- joins: ADD / SUB / MUL / MAXIMUM / MINIMUM / SQUARED_DIFFERENCE of two tensors (the same one twice, two branches of
  a fork, a fresh branch: a residual, or a broadcast constant) and CONCATENATION of two to four
  producers along any non-batch axis (slices and branches of the first when nothing fits).

- more (tests/graphgen_more.py, per kind only what its reference runs): SLICE, SPLIT_V, PACK,
  UNPACK, GATHER / GATHER_ND (constant indices), BROADCAST_TO, TRANSPOSE_CONV, BATCH_MATMUL of
  two computed tensors, REDUCE_MAX / REDUCE_MIN, ARG_MAX / ARG_MIN (int32 outputs), comparisons
  (bool tensors: SELECT_V2 conditions, LOGICAL_AND / OR / NOT, bool outputs), SELECT_V2, DIV,
  CUMSUM, ADD_N, CAST (int32 outputs), LOG_SOFTMAX, L2_NORMALIZATION, DYNAMIC_UPDATE_SLICE,
  SELECT (uint8); graph inputs without a
  leading batch of 1 (vectors, scalars) and outputs reshaped without it (the sample axis rule of
  tqc/samples.py).

Every tensor nobody reads becomes a graph output (sometimes behind DEQUANTIZE, or QUANTIZE to
uint8 in int8 graphs), and sometimes a tensor that is also read. Quantization is random but
valid: zero points often at the ends of the range, scales of inputs over 12 octaves, output
scales near the expected value range but now and then many octaves off (saturating or
flushing), the fixed output quantizations LOGISTIC / TANH / SOFTMAX need, equal quantization
where a kernel needs it (pools, MAXIMUM / MINIMUM, int8 CONCATENATION: a QUANTIZE is inserted).
Tensors stay small (at most MAX_ELEMENTS elements) and keep a leading batch dimension of 1.

`Graph.features` names what a graph exercises (tests/test_random_graphs.py checks that the
default run covers them all).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TypeVar

import graphgen_more
import numpy as np

from tqc.tflite_writer import Op, Tensor

RANGES = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}
KIND_WEIGHTS = {"int8": 0.5, "uint8": 0.3, "int16": 0.2}
MAX_ELEMENTS = 384
FIXED_OUTPUT = {  # (opcode, kind) -> the output (scale, zero point) the kernels require
    ("LOGISTIC", "int8"): (1 / 256, -128), ("LOGISTIC", "uint8"): (1 / 256, 0),
    ("LOGISTIC", "int16"): (1 / 32768, 0),
    ("TANH", "int8"): (1 / 128, 0), ("TANH", "uint8"): (1 / 128, 128), ("TANH", "int16"): (1 / 32768, 0),
    ("SOFTMAX", "int8"): (1 / 256, -128), ("SOFTMAX", "uint8"): (1 / 256, 0),
    ("SOFTMAX", "int16"): (1 / 32768, 0),
}
# no int16 kernel in TFLM (docs/op-support.md), so tqc refuses them too
NOT_INT16 = {"RELU_N1_TO_1", "HARD_SWISH", "DEPTH_TO_SPACE", "SPACE_TO_DEPTH", "ELU"}
ACTIVATIONS = ["NONE", "NONE", "NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
T = TypeVar("T")


@dataclass
class Graph:
    """A model for `tqc.tflite_writer.write_model` and what it exercises."""

    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[str]
    outputs: list[str]
    kind: str
    features: set[str] = field(default_factory=set)

    def tensor(self, name: str) -> Tensor:
        return next(t for t in self.tensors if t.name == name)

    def describe(self) -> str:
        ops = ", ".join(op.opcode for op in self.ops)
        return f"{self.kind}, {len(self.inputs)} in / {len(self.outputs)} out, {len(self.ops)} ops: {ops}"


def generate(case: int, seed: int = 0) -> Graph:
    """The graph of `case` (reproducible: the same (seed, case) always gives the same graph)."""
    rng = np.random.default_rng([seed, case])
    kind = str(rng.choice(list(KIND_WEIGHTS), p=list(KIND_WEIGHTS.values())))
    return Builder(rng, kind).build()


def f32(x: float) -> float:
    return float(np.float32(x))


class Builder:
    """Grows one graph: a pool of activation tensors of the graph's kind that ops read from."""

    def __init__(self, rng: np.random.Generator, kind: str) -> None:
        self.rng, self.kind = rng, kind
        self.lo, self.hi = RANGES[kind]
        self.half = (self.hi - self.lo + 1) / 2
        self.tensors: dict[str, Tensor] = {}
        self.ops: list[Op] = []
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        self.pool: list[str] = []  # activation tensors of the graph's kind
        self.side: list[str] = []  # tensors of other types (bool, int32): graph outputs if unread
        self.uses: Counter[str] = Counter()
        self.amp: dict[str, float] = {}  # typical real magnitude of each pool tensor
        self.upstream: dict[str, frozenset[str]] = {}  # pool tensors each one depends on
        self.features: set[str] = {kind}
        self.count = 0

    # --- random choices ------------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def between(self, lo: int, hi: int) -> int:
        """Uniform in [lo, hi] (both ends included)."""
        return int(self.rng.integers(lo, hi + 1))

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.rng.integers(len(items)))]

    def zero_point(self) -> int:
        if self.kind == "int16":
            return 0
        r = self.rng.random()
        if r < 0.2:
            return self.pick([self.lo, self.hi])
        if r < 0.35:
            return 0 if self.kind == "int8" else 128
        return self.between(self.lo, self.hi)

    def scale_for(self, amp: float) -> float:
        """An output scale for values of typical magnitude `amp`: about right (±1.5 octaves) or,
        one time in ten, up to 7 octaves off."""
        octaves = self.rng.uniform(-7, 7) if self.chance(0.1) else self.rng.uniform(-1.5, 1.5)
        return f32(min(max(amp / self.half * 2.0**octaves, 2.0**-30), 2.0**20))

    def quant_for(self, amp: float) -> tuple[float, int]:
        return self.scale_for(amp), self.zero_point()

    # --- tensors and ops -----------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(self.tensors[name].shape)

    def quant(self, name: str) -> tuple[float, int]:
        t = self.tensors[name]
        assert isinstance(t.scale, float) and isinstance(t.zero_point, int)
        return t.scale, t.zero_point

    def act(self, shape: tuple[int, ...], q: tuple[float, int], amp: float,
            sources: list[str]) -> str:
        name = self.fresh("t")
        self.tensors[name] = Tensor(name, tuple(shape), self.kind, q[0], q[1])
        self.pool.append(name)
        self.amp[name] = amp
        self.upstream[name] = frozenset([name]).union(*(self.upstream.get(s, frozenset()) for s in sources))
        return name

    def const(self, prefix: str, data: np.ndarray, dtype: str, scale: float | list[float] | None = None,
              zero_point: int | list[int] | None = None, axis: int = 0) -> str:
        name = self.fresh(prefix)
        self.tensors[name] = Tensor(name, tuple(np.shape(data)), dtype, scale, zero_point, axis,
                                    np.asarray(data))
        return name

    def i32(self, values: list[int] | np.ndarray, prefix: str = "c") -> str:
        return self.const(prefix, np.asarray(values, np.int32), "int32")

    def op(self, opcode: str, ins: list[str], outs: list[str], options: dict | None = None) -> None:
        self.ops.append(Op(opcode, ins, outs, options or {}))
        for name in ins:
            if name in self.pool or name in self.side:
                self.uses[name] += 1
        self.features.add(opcode)

    def unary(self, opcode: str, x: str, shape: tuple[int, ...], q: tuple[float, int], amp: float,
              extra: list[str] | None = None, options: dict | None = None) -> str:
        y = self.act(shape, q, amp, [x])
        self.op(opcode, [x, *(extra or [])], [y], options)
        return y

    def fits(self, shape: tuple[int, ...]) -> bool:
        return 0 < math.prod(shape) <= MAX_ELEMENTS and min(shape) > 0

    # --- the graph -----------------------------------------------------------------------------

    def build(self) -> Graph:
        first = self.input_shape()
        for k in range(self.pick([1, 1, 1, 1, 2, 2, 3])):
            self.add_input(first if k == 0 else self.other_input_shape(first))
        if len(self.inputs) > 1:
            self.features.add("multiple_inputs")
        for _ in range(self.between(2, 6)):
            for _attempt in range(20):
                x = self.choose_operand()
                if self.pick(self.steps())(x) is not None:
                    break
        for name in list(self.pool):  # every graph input is read
            if self.uses[name] == 0 and self.is_graph_input(name):
                self.activation(name)
        self.add_outputs()
        return Graph(list(self.tensors.values()), self.ops, self.inputs, self.outputs, self.kind,
                     self.features)

    def is_graph_input(self, name: str) -> bool:
        """A graph input, or the QUANTIZE of one."""
        return name in self.inputs or any(op.outputs == [name] and op.inputs[0] in self.inputs
                                          and op.opcode == "QUANTIZE" for op in self.ops)

    def input_shape(self) -> tuple[int, ...]:
        rank = self.pick([4, 4, 4, 3, 2, 5])
        limit = {2: 24, 3: 8, 4: 6, 5: 4}[rank]
        while True:
            shape = (1, *(self.between(1, limit) for _ in range(rank - 1)))
            if math.prod(shape) <= 160:
                return shape

    def other_input_shape(self, first: tuple[int, ...]) -> tuple[int, ...]:
        r = self.rng.random()
        if r < 0.5:
            return first
        if r < 0.8 and len(first) > 1:  # differs along one axis: concatenable
            axis = self.between(1, len(first) - 1)
            return tuple(self.between(1, 4) if a == axis else d for a, d in enumerate(first))
        return self.input_shape()

    def add_input(self, shape: tuple[int, ...]) -> None:
        if self.chance(0.1):
            graphgen_more.unbatched_input(self, shape)
            return
        r = self.rng.random()
        if r < 0.25:  # float input, quantized by the graph
            x = self.fresh("in")
            self.tensors[x] = Tensor(x, shape, "float32")
            s = f32(6 / (self.hi - self.lo) * 2.0 ** self.rng.uniform(-2, 2))
            self.inputs.append(x)
            y = self.act(shape, (s, self.zero_point()), min(3.0, s * self.half), [])
            self.op("QUANTIZE", [x], [y])
            self.features.add("float_input")
            return
        if r < 0.35 and self.kind == "int8":  # uint8 input edge of an int8 graph
            x = self.fresh("in")
            s = f32(2.0 ** self.rng.uniform(-10, 2))
            self.tensors[x] = Tensor(x, shape, "uint8", s, self.between(0, 255))
            self.inputs.append(x)
            y = self.act(shape, self.quant_for(s * 128), s * 128, [])
            self.op("QUANTIZE", [x], [y])
            self.features.add("uint8_input")
            return
        s = f32(2.0 ** self.rng.uniform(-10, 2))  # over 12 octaves
        x = self.act(shape, (s, self.zero_point()), s * self.half, [])
        self.inputs.append(x)

    def choose_operand(self) -> str:
        """A pool tensor, the unread ones three times as likely (reading a read one forks it)."""
        weights = np.array([1.0 if self.uses[n] else 3.0 for n in self.pool])
        return self.pool[int(self.rng.choice(len(self.pool), p=weights / weights.sum()))]

    def steps(self) -> list[Callable[[str], str | None]]:
        """The op builders, repeated by weight; each returns None where it does not apply."""
        return [self.conv, self.conv, self.conv, self.depthwise, self.depthwise, self.fully_connected,
                self.pool_2d, self.pool_2d, self.resize, self.depth_space,
                self.activation, self.activation, self.activation, self.prelu, self.softmax,
                self.mean, self.requantize, self.reshape_view, self.reshape_view, self.transpose,
                self.transpose, self.pad, self.strided_slice, self.split, self.depth_space,
                self.resize, self.binary, self.binary, self.binary, self.concatenation,
                self.concatenation, self.space_batch, self.depth_space,
                *(partial(step, self) for step in graphgen_more.STEPS[self.kind])]

    def leaves(self) -> list[str]:
        return [n for n in self.pool if self.uses[n] == 0 and n not in self.inputs]

    def merge_leaves(self) -> None:
        """Join leaves pairwise down to one to three (when their sizes allow)."""
        target = self.pick([1, 1, 1, 1, 2, 3])
        for _ in range(8):
            leaves = self.leaves()
            if len(leaves) <= target:
                return
            a, b = (str(v) for v in self.rng.choice(leaves, 2, replace=False))
            self.merge(a, b)

    def add_outputs(self) -> None:
        self.merge_leaves()
        leaves = self.leaves()
        read = [n for n in self.pool if self.uses[n] and n not in self.inputs
                and not self.is_graph_input(n)]
        if read and self.chance(0.15):
            leaves.append(self.pick(read))
            self.features.add("output_also_read")
        leaves += [n for n in self.side if self.uses[n] == 0]
        for name in leaves:
            r = self.rng.random()
            if name in self.side:
                y = name
            elif r > 0.92:
                y = graphgen_more.unbatched_output(self, name)
            elif r < 0.2:
                y = self.fresh("out")
                self.tensors[y] = Tensor(y, self.shape(name), "float32")
                self.op("DEQUANTIZE", [name], [y])
                self.features.add("float_output")
            elif r < 0.28 and self.kind == "int8":
                y = self.fresh("out")
                s, _ = self.quant(name)
                self.tensors[y] = Tensor(y, self.shape(name), "uint8", s, self.between(0, 255))
                self.op("QUANTIZE", [name], [y])
                self.features.add("uint8_output")
            else:
                y = name
            self.outputs.append(y)
        if len(self.outputs) > 1:
            self.features.add("multiple_outputs")
        if any(self.uses[n] > 1 for n in self.pool):
            self.features.add("fork")

    # --- compute ops ---------------------------------------------------------------------------

    def weights(self, shape: tuple[int, ...], channels: int) -> tuple[str, list[float], float]:
        """Constant weights (int8 symmetric per channel, or uint8 per tensor with a zero point):
        name, per-channel scales, typical |w - zero point|."""
        if self.kind == "uint8":
            lo, hi, z = 0, 255, self.between(0, 255) if self.chance(0.3) else self.between(100, 156)
            scales = [f32(2.0 ** self.rng.uniform(-9, -3))]
        else:
            lo, hi, z = -127, 127, 0
            scales = [f32(2.0 ** self.rng.uniform(-9, -3)) for _ in range(channels)]
        data = (self.rng.choice([lo, hi], shape) if self.chance(0.15)
                else self.rng.integers(lo, hi + 1, shape))
        dtype = "uint8" if self.kind == "uint8" else "int8"
        axis = 3 if shape[0] == 1 and len(shape) == 4 and channels > 1 else 0
        zp: int | list[int] = z if len(scales) == 1 else [0] * len(scales)
        name = self.const("w", data, dtype, scales if len(scales) > 1 else scales[0], zp, axis)
        typical = float(np.mean(np.abs(data.astype(np.int64) - z))) or 1.0
        return name, scales, typical

    def bias(self, x: str, scales: list[float], channels: int, acc: float, optional: bool) -> str:
        """A bias in accumulator units (int32; int64 for 16x8) of up to about `acc`, or none."""
        if optional and self.chance(0.2):
            return ""
        s_x, _ = self.quant(x)
        dtype = "int64" if self.kind == "int16" else "int32"
        bound = int(min(acc * self.rng.uniform(0, 1), 2**30))
        data = self.rng.integers(-bound, bound + 1, channels)
        bias_scales = [f32(s_x * s) for s in scales]
        return self.const("b", data, dtype, bias_scales if len(scales) > 1 else bias_scales[0],
                          [0] * len(scales) if len(scales) > 1 else 0)

    def output_scale(self, x: str, scales: list[float], amp: float) -> float:
        s = self.scale_for(amp)
        if self.kind == "int16":  # the 16x8 kernels need multipliers below 2^14
            s = max(s, f32(self.quant(x)[0] * max(scales) / 2.0**13))
        return s

    def conv(self, x: str, depthwise: bool = False, keep_shape: bool = False) -> str | None:
        shape = self.shape(x)
        if len(shape) != 4:
            return None
        _, h, w, c = shape
        k = [self.between(1, 3), self.between(1, 3)]
        stride = [1, 1] if keep_shape else [self.between(1, 2), self.between(1, 2)]
        dil = [2, 2] if self.chance(0.1) and not keep_shape else [1, 1]
        eff = [(k[i] - 1) * dil[i] + 1 for i in range(2)]
        padding = "SAME" if keep_shape or self.chance(0.5) or h < eff[0] or w < eff[1] else "VALID"
        oh, ow = ((-(-h // stride[0]), -(-w // stride[1])) if padding == "SAME"
                  else ((h - eff[0]) // stride[0] + 1, (w - eff[1]) // stride[1] + 1))
        mult = 1 if keep_shape or not depthwise else self.between(1, 2)
        o = c * mult if depthwise else (c if keep_shape else self.between(1, 6))
        if not self.fits((1, oh, ow, o)):
            return None
        w_shape = (1, *k, o) if depthwise else (o, *k, c)
        wname, scales, typical = self.weights(w_shape, o)
        terms = k[0] * k[1] * (1 if depthwise else c)
        s_x, _ = self.quant(x)
        acc = self.amp[x] / s_x * typical * math.sqrt(terms)
        # (LiteRT's conv kernels need a bias, TFLM's int8 depthwise crashes without one)
        bias = self.bias(x, scales, o, acc, optional=False)
        amp = self.amp[x] * max(scales) * typical * math.sqrt(terms)
        q = (self.output_scale(x, scales, amp), self.zero_point())
        options = {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                   "dilation_h_factor": dil[0], "dilation_w_factor": dil[1],
                   "fused_activation_function": self.pick(ACTIVATIONS)}
        if depthwise:
            options["depth_multiplier"] = mult
        opcode = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
        return self.unary(opcode, x, (1, oh, ow, o), q, amp, [wname, bias], options)

    def depthwise(self, x: str) -> str | None:
        return self.conv(x, depthwise=True)

    def fully_connected(self, x: str) -> str | None:
        shape = self.shape(x)
        depth = math.prod(shape[1:])
        if shape[0] != 1 or depth > 200:
            return None
        units = self.between(1, 8)
        per_channel = self.kind != "uint8" and self.chance(0.3)
        wname, scales, typical = self.weights((units, depth), units if per_channel else 1)
        s_x, _ = self.quant(x)
        acc = self.amp[x] / s_x * typical * math.sqrt(depth)
        bias = self.bias(x, scales, units, acc, optional=True)
        amp = self.amp[x] * max(scales) * typical * math.sqrt(depth)
        q = (self.output_scale(x, scales, amp), self.zero_point())
        return self.unary("FULLY_CONNECTED", x, (1, units), q, amp, [wname, bias],
                          {"fused_activation_function": self.pick(ACTIVATIONS)})

    def pool_2d(self, x: str, keep_shape: bool = False) -> str | None:
        shape = self.shape(x)
        if len(shape) != 4:
            return None
        _, h, w, c = shape
        f = [self.between(1, 3), self.between(1, 3)]
        stride = [1, 1] if keep_shape else [self.between(1, 2), self.between(1, 2)]
        padding = "SAME" if keep_shape or self.chance(0.5) or h < f[0] or w < f[1] else "VALID"
        oh, ow = ((-(-h // stride[0]), -(-w // stride[1])) if padding == "SAME"
                  else ((h - f[0]) // stride[0] + 1, (w - f[1]) // stride[1] + 1))
        opcode = self.pick(["AVERAGE_POOL_2D", "MAX_POOL_2D"])
        options = {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
                   "filter_height": f[0], "filter_width": f[1],
                   "fused_activation_function": self.pick(ACTIVATIONS)}
        return self.unary(opcode, x, (1, oh, ow, c), self.quant(x), self.amp[x], options=options)

    def activation(self, x: str) -> str | None:
        choices = ["RELU", "RELU6", "LOGISTIC", "TANH", "LEAKY_RELU", "HARD_SWISH"]
        if self.kind != "uint8" and self.chance(0.3):
            choices += ["ABS", "ELU"]
        if self.kind == "uint8":  # (TFLM has no RELU_N1_TO_1 kernel: int8 graphs would need LiteRT)
            choices.append("RELU_N1_TO_1")
        if self.kind == "int16" and self.quant(x)[0] > 4:  # the 16x8 kernels' int32 would overflow
            choices = ["RELU", "RELU6"]
        opcode = self.pick([c for c in choices if self.kind != "int16" or c not in NOT_INT16])
        if self.kind == "int16":
            self.features.add(f"int16_{opcode}")
        shape, amp = self.shape(x), self.amp[x]
        options: dict = {}
        if (opcode, self.kind) in FIXED_OUTPUT:
            return self.unary(opcode, x, shape, FIXED_OUTPUT[(opcode, self.kind)], 1.0)
        if opcode == "LEAKY_RELU":
            options["alpha"] = f32(self.pick([0.1, 0.2, 0.01, self.rng.uniform(-1.5, 1.5)]))
        amp = {"RELU6": min(amp, 6.0), "RELU_N1_TO_1": min(amp, 1.0)}.get(opcode, amp)
        if opcode == "ABS" and self.kind == "int16":  # TFLM: zero points 0
            return self.unary(opcode, x, shape, (self.quant_for(amp)[0], 0), amp)
        q = self.quant(x) if self.chance(0.4) else self.quant_for(amp)
        if opcode == "HARD_SWISH" and q[0] * 128 < self.quant(x)[0]:  # (the kernels refuse it)
            q = (f32(self.quant(x)[0] / 64), q[1])
        return self.unary(opcode, x, shape, q, amp, options=options)

    def prelu(self, x: str) -> str | None:
        shape = self.shape(x)
        alpha_shape = self.pick([shape[-1:], shape[1:], (1,) * (len(shape) - 2) + shape[-1:]])
        alpha_type = "uint8" if self.kind == "uint8" else "int8"
        lo, hi = RANGES[alpha_type]
        s_a = f32(2.0 ** self.rng.uniform(-9, -5))
        z_a = (self.between(lo, hi) if self.kind == "uint8"
               else 0 if self.chance(0.5) else self.between(-20, 20))
        alpha = self.const("a", self.rng.integers(lo, hi + 1, alpha_shape), alpha_type, s_a, z_a)
        return self.unary("PRELU", x, shape, self.quant_for(self.amp[x]), self.amp[x], [alpha])

    def softmax(self, x: str) -> str | None:
        if self.kind == "int16" and self.quant(x)[1] != 0:
            return None
        beta = f32(self.pick([1.0, 1.0, 0.5, 2.0, self.rng.uniform(0.1, 3.0)]))
        return self.unary("SOFTMAX", x, self.shape(x), FIXED_OUTPUT[("SOFTMAX", self.kind)], 1.0,
                          options={"beta": beta})

    def mean(self, x: str) -> str | None:
        shape = self.shape(x)
        if len(shape) < 2:
            return None
        axes = sorted(int(a) for a in self.rng.choice(range(1, len(shape)), self.between(1, len(shape) - 1),
                                                      replace=False))
        keep = self.chance(0.5)
        out = tuple(1 if a in axes else d for a, d in enumerate(shape) if keep or a not in axes)
        if len(out) < 2:
            return None
        if self.chance(0.3):  # SUM: MEAN's arithmetic without the 1/N
            count = math.prod(shape) // math.prod(out)
            q = self.quant(x) if self.chance(0.3) else self.quant_for(self.amp[x] * count / 2)
            return self.unary("SUM", x, out, q, self.amp[x] * count / 2, [self.i32(axes)],
                              {"keep_dims": keep})
        q = self.quant(x) if self.chance(0.5) else self.quant_for(self.amp[x] / 2)
        return self.unary("MEAN", x, out, q, self.amp[x] / 2, [self.i32(axes)], {"keep_dims": keep})

    def requantize(self, x: str, q: tuple[float, int] | None = None) -> str:
        """QUANTIZE to another quantization of the same type (given, or random)."""
        self.features.add("requantize")
        return self.unary("QUANTIZE", x, self.shape(x), q or self.quant_for(self.amp[x]), self.amp[x])

    # --- data movement -------------------------------------------------------------------------

    def factorize(self, total: int, rank: int) -> tuple[int, ...]:
        """A random shape (1, d1, ..., d_{rank-1}) of `total` elements."""
        dims = [1] * (rank - 1)
        rest = total
        for p in prime_factors(total):
            dims[self.between(0, rank - 2)] *= p
            rest //= p
        return (1, *dims)

    def reshape_to(self, x: str, out: tuple[int, ...]) -> str:
        written = list(out)
        if self.chance(0.2):  # one dimension of the shape operand left for the runtime to infer
            written[self.between(1, len(out) - 1)] = -1
            self.features.add("reshape_inferred_dim")
        return self.unary("RESHAPE", x, out, self.quant(x), self.amp[x], [self.i32(written, "s")],
                          {"new_shape": list(out)})

    def reshape_view(self, x: str) -> str | None:
        shape = self.shape(x)
        r = self.rng.random()
        if r < 0.3:
            ones = [a for a in range(1, len(shape)) if shape[a] == 1]
            if ones and len(shape) - len(ones) >= 2:
                count = self.between(1, len(ones))
                dims = sorted(int(a) for a in self.rng.choice(ones, count, replace=False))
                out = tuple(d for a, d in enumerate(shape) if a not in dims)
                written = [a - len(shape) if self.chance(0.3) else a for a in dims]
                return self.unary("SQUEEZE", x, out, self.quant(x), self.amp[x],
                                  options={"squeeze_dims": written})
        if r < 0.6 and len(shape) <= 4:
            axis = self.between(1, len(shape))
            out = shape[:axis] + (1,) + shape[axis:]
            written = axis - len(shape) - 1 if self.chance(0.3) else axis
            return self.unary("EXPAND_DIMS", x, out, self.quant(x), self.amp[x],
                              [self.i32(np.array(written, np.int32) if self.chance(0.5) else [written])])
        return self.reshape_to(x, self.factorize(math.prod(shape), self.between(2, 5)))

    def transpose(self, x: str) -> str | None:
        rank = self.between(2, 5)
        if rank != len(self.shape(x)):
            x = self.reshape_to(x, self.factorize(math.prod(self.shape(x)), rank))
        shape = self.shape(x)
        perm = [0, *(int(a) + 1 for a in self.rng.permutation(rank - 1))]
        self.features.add(f"transpose_rank_{rank}")
        return self.unary("TRANSPOSE", x, tuple(shape[p] for p in perm), self.quant(x), self.amp[x],
                          [self.i32(perm, "p")])

    def pad(self, x: str) -> str | None:
        shape = self.shape(x)
        pads = [[0, 0]] + [[self.between(0, 2), self.between(0, 2)] for _ in shape[1:]]
        out = tuple(d + a + b for d, (a, b) in zip(shape, pads))
        if not self.fits(out):
            return None
        s, z = self.quant(x)
        if self.chance(0.2) and self.kind != "int16":  # PAD fills with the output zero point
            z = self.zero_point()
        extra = [self.i32(pads, "p")]
        opcode = "PAD"
        mirror = self.kind != "int16"  # (TFLM has no int16 MIRROR_PAD)
        if mirror and self.chance(0.2) and all(max(p) <= d - 1 for p, d in zip(pads, shape)):
            mode = self.pick(["REFLECT", "SYMMETRIC"])  # stored values copied: the input's quantization
            return self.unary("MIRROR_PAD", x, out, self.quant(x), self.amp[x], extra, {"mode": mode})
        if self.chance(0.4):
            opcode = "PADV2"
            extra.append(self.const("v", np.array(self.between(self.lo, self.hi)), self.kind, s, z))
        return self.unary(opcode, x, out, (s, z), self.amp[x], extra)

    def slice_along(self, x: str, axis: int | None = None) -> str | None:
        """STRIDED_SLICE (every non-batch axis, or only `axis`), with begin/end masks now and then."""
        shape = self.shape(x)
        begin, end, strides, out = [0], [1], [1], [1]
        begin_mask = end_mask = 0
        for a, d in enumerate(shape[1:], 1):
            if axis is not None and a != axis:
                b, e, st = 0, d, 1
            else:
                b, st = self.between(0, d - 1), self.between(1, 2)
                e = self.between(b + 1, d)
                if self.chance(0.15):
                    begin_mask |= 1 << a
                    b = 0
                if self.chance(0.15):
                    end_mask |= 1 << a
                    e = d
            begin, end, strides = begin + [b], end + [e], strides + [st]
            out.append(len(range(b, e, st)))
        opts = {"begin_mask": begin_mask, "end_mask": end_mask}
        return self.unary("STRIDED_SLICE", x, tuple(out), self.quant(x), self.amp[x],
                          [self.i32(begin, "sb"), self.i32(end, "se"), self.i32(strides, "ss")], opts)

    def strided_slice(self, x: str) -> str | None:
        if len(self.shape(x)) > 4 and self.kind != "uint8":  # TFLM slices up to rank 4
            return None
        return self.slice_along(x)

    def split(self, x: str) -> str | None:
        shape = self.shape(x)
        options = [(a, k) for a in range(1, len(shape)) for k in (2, 3) if shape[a] % k == 0]
        if not options:
            return None
        axis, k = self.pick(options)
        out = tuple(d // k if a == axis else d for a, d in enumerate(shape))
        outs = [self.act(out, self.quant(x), self.amp[x], [x]) for _ in range(k)]
        written = axis - len(shape) if self.chance(0.3) else axis
        self.op("SPLIT", [self.i32([written]), x], outs, {"num_splits": k})
        return outs[0]

    def depth_space(self, x: str) -> str | None:
        shape = self.shape(x)
        if self.kind == "int16" or len(shape) != 4:
            return None
        _, h, w, c = shape
        if c % 4 == 0 and (self.chance(0.5) or h % 2 or w % 2):
            return self.unary("DEPTH_TO_SPACE", x, (1, 2 * h, 2 * w, c // 4), self.quant(x),
                              self.amp[x], options={"block_size": 2})
        if h % 2 == 0 and w % 2 == 0:
            y = self.unary("SPACE_TO_DEPTH", x, (1, h // 2, w // 2, 4 * c), self.quant(x),
                           self.amp[x], options={"block_size": 2})
            if self.chance(0.3):  # and back (DEPTH_TO_SPACE needs a depth of 4k)
                y = self.unary("DEPTH_TO_SPACE", y, shape, self.quant(x), self.amp[x],
                               options={"block_size": 2})
            return y
        return None

    def space_batch(self, x: str) -> str | None:
        """SPACE_TO_BATCH_ND (paddings only where TFLM and LiteRT agree: uint8, or int8 zero
        point 0) and BATCH_TO_SPACE_ND back to batch 1 with random crops."""
        shape = self.shape(x)
        if self.kind == "int16" or len(shape) != 4:
            return None
        _, h, w, c = shape
        block = [self.between(1, 3), self.between(1, 2)]
        may_pad = self.kind == "uint8" or self.quant(x)[1] == 0
        pads = [[self.between(0, 2) if may_pad else 0, 0] for _ in range(2)]
        if not may_pad and (h % block[0] or w % block[1]):
            return None  # aligning to the block would pad
        for axis, size in enumerate((h, w)):
            pads[axis][1] = -(size + pads[axis][0]) % block[axis]
            if may_pad and self.chance(0.5):
                pads[axis][1] += block[axis]
        padded = (h + sum(pads[0]), w + sum(pads[1]))
        inner = (block[0] * block[1], padded[0] // block[0], padded[1] // block[1], c)
        if not self.fits(inner):
            return None
        s = self.unary("SPACE_TO_BATCH_ND", x, inner, self.quant(x), self.amp[x],
                       [self.i32(block, "bs"), self.i32(pads, "p")])
        crops = [[self.between(0, (p - 1) // 2), self.between(0, (p - 1) // 2)] for p in padded]
        out = (1, padded[0] - sum(crops[0]), padded[1] - sum(crops[1]), c)
        y = self.unary("BATCH_TO_SPACE_ND", s, out, self.quant(x), self.amp[x],
                       [self.i32(block, "bs"), self.i32(crops, "cr")])
        self.pool.remove(s)  # (its batch is not 1: no other op reads it)
        return y

    def resize(self, x: str) -> str | None:
        shape = self.shape(x)
        if len(shape) != 4:
            return None
        oh, ow = self.between(1, 8), self.between(1, 8)
        if not self.fits((1, oh, ow, shape[3])):
            return None
        bilinear = ["RESIZE_BILINEAR"] if self.kind != "int16" else []  # (not in TFLM for int16)
        opcode = self.pick(["RESIZE_NEAREST_NEIGHBOR", *bilinear])
        align = self.chance(0.3)
        half = self.chance(0.4) and not (align and opcode == "RESIZE_BILINEAR")
        return self.unary(opcode, x, (1, oh, ow, shape[3]), self.quant(x), self.amp[x],
                          [self.i32([oh, ow], "size")], {"align_corners": align, "half_pixel_centers": half})

    # --- joins ---------------------------------------------------------------------------------

    def branch(self, x: str) -> str:
        """A new tensor of x's shape computed from x (for residuals and concatenations)."""
        builders: list[Callable[[str], str | None]] = [
            lambda v: self.conv(v, keep_shape=True), lambda v: self.conv(v, depthwise=True, keep_shape=True),
            lambda v: self.pool_2d(v, keep_shape=True), self.activation, self.requantize, self.prelu]
        for _ in range(10):
            y = self.pick(builders)(x)
            if y is not None:
                return y
        return self.requantize(x)

    def partner(self, x: str, fits: Callable[[tuple[int, ...]], bool]) -> str | None:
        """Another pool tensor whose shape `fits`, the unread ones first."""
        found = [n for n in self.pool if n != x and fits(self.shape(n))]
        unread = [n for n in found if self.uses[n] == 0]
        return self.pick(unread or found) if found else None

    def note_join(self, a: str, b: str) -> None:
        if a == b:
            self.features.add("same_tensor_twice")
        elif self.upstream[a] & self.upstream[b]:
            self.features.add("residual")
        else:
            self.features.add("join_of_independent_branches")

    def binary(self, x: str) -> str | None:
        shape = self.shape(x)
        r = self.rng.random()
        if r < 0.2:
            b = x
        elif r < 0.35:  # a broadcast constant
            b_shape = tuple(d if a and self.chance(0.5) else 1 for a, d in enumerate(shape))
            b = self.const("k", self.rng.integers(self.lo, self.hi + 1, b_shape), self.kind,
                           *self.quant_for(self.amp[x]))
            self.features.add("constant_operand")
        else:
            b = self.partner(x, lambda s: broadcastable(s, shape) and len(s) == len(shape))
            if b is None or self.chance(0.4):
                b = self.branch(x)
        return self.join(x, b)

    def join(self, x: str, b: str) -> str | None:
        """ADD / SUB / MUL / MAXIMUM / MINIMUM / SQUARED_DIFFERENCE of x and b (a pool tensor or
        a constant)."""
        opcode = self.pick(["ADD", "ADD", "SUB", "MUL", "MUL", "MAXIMUM", "MINIMUM",
                            *(["SQUARED_DIFFERENCE"] if self.kind != "uint8" else [])])
        out = tuple(int(d) for d in np.broadcast_shapes(self.shape(x), self.shape(b)))
        if out[0] != 1 or not self.fits(out):
            return None
        if b in self.pool:
            self.note_join(x, b)
        if opcode in ("MAXIMUM", "MINIMUM"):  # the kernels compare stored values
            if self.quant(b) != self.quant(x):
                if b not in self.pool:
                    self.tensors[b] = replace(self.tensors[b], scale=self.quant(x)[0],
                                              zero_point=self.quant(x)[1])
                else:
                    b = self.requantize(b, self.quant(x))
            y = self.act(out, self.quant(x), self.amp[x], [x, b])
            self.op(opcode, [x, b], [y])
            return y
        amp_b = self.amp.get(b, self.amp[x])
        amp = self.amp[x] * amp_b if opcode == "MUL" else self.amp[x] + amp_b
        if opcode == "SQUARED_DIFFERENCE":  # no options, int16: zero points 0 as the inputs
            amp = amp * amp
            y = self.act(out, self.quant_for(amp), amp, [x, b])
            self.op(opcode, [x, b], [y])
            return y
        y = self.act(out, self.quant_for(amp), amp, [x, b])
        self.op(opcode, [x, b], [y], {"fused_activation_function": self.pick(ACTIVATIONS)})
        return y

    def merge(self, a: str, b: str) -> str | None:
        """One tensor from two leaves: a join when their shapes broadcast, else both flattened
        and concatenated."""
        if len(self.shape(a)) == len(self.shape(b)) and broadcastable(self.shape(a), self.shape(b)):
            return self.join(a, b)
        total = math.prod(self.shape(a)) + math.prod(self.shape(b))
        if total > MAX_ELEMENTS:
            return None
        flat = [v if len(self.shape(v)) == 2 else self.reshape_to(v, (1, math.prod(self.shape(v))))
                for v in (a, b)]
        return self.concatenate(flat, 1, self.quant(flat[0]))

    def concatenation(self, x: str) -> str | None:
        shape = self.shape(x)
        if len(shape) < 2:
            return None
        axis = self.between(1, len(shape) - 1)
        same_but_axis = lambda s: len(s) == len(shape) and all(
            d == e for a, (d, e) in enumerate(zip(s, shape)) if a != axis)
        parts = [x]
        for _ in range(self.between(1, 3)):
            r = self.rng.random()
            if r < 0.15:
                part: str | None = x
            elif r < 0.5:
                part = self.partner(x, same_but_axis)
            else:
                part = None
            if part is None:
                sliceable = len(shape) <= 4 or self.kind == "uint8"  # (TFLM: rank 4 at most)
                part = self.slice_along(x, axis) if sliceable and self.chance(0.5) else self.branch(x)
            assert part is not None
            self.note_join(x, part)
            parts.append(part)
        if sum(self.shape(p)[axis] for p in parts) * math.prod(shape) // shape[axis] > MAX_ELEMENTS:
            return None
        q = self.quant(x) if self.chance(0.6) else self.quant_for(self.amp[x])
        return self.concatenate(parts, axis, q)

    def concatenate(self, parts: list[str], axis: int, q: tuple[float, int]) -> str:
        shape = self.shape(parts[0])
        out = tuple(sum(self.shape(p)[axis] for p in parts) if a == axis else d for a, d in enumerate(shape))
        if self.kind == "uint8":
            self.features.add("concat_rescaling")
        elif self.kind == "int8" or self.chance(0.7):  # int8 kernels need equal quantization
            parts = [p if self.quant(p) == q else self.requantize(p, q) for p in parts]
        self.features.add(f"concat_axis_{axis}_of_{len(shape)}")
        written = axis - len(shape) if self.chance(0.3) else axis
        y = self.act(out, q, max(self.amp[p] for p in parts), parts)
        self.op("CONCATENATION", parts, [y], {"axis": written})
        return y


def broadcastable(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def prime_factors(n: int) -> list[int]:
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out
