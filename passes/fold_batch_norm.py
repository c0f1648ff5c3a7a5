"""fold-batch-norm: fold per-channel affine MUL / ADD / SUB chains with constant operands (an
unfolded batch-norm) into an adjacent CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED.

Opt-in (`--fold-batch-norm`): the result is NOT bit-exact with the file. The chain's
intermediate requantizations and saturations disappear, and the folded weights are float until
`recompute-min-max` quantizes them again.

A chain y = a[c]·x + b[c] (c = the last axis) is folded, on the dequantized float weights
(W = S_w·(q − Z_w); bias = q_b·S_in·S_w, the scale the kernels assume), into

- the preceding op P (y = act(a·P(x) + b)): W'[o] = a[o]·W[o], b'[o] = a[o]·b[o] + b[o]; P takes
  the chain's output quantization and its last op's fused activation. Valid when P has no
  activation of its own and no other user.
- the following op F (z = F(a·x + b)), when nothing non-linear lies between (no fused
  activation on the chain) and F's padding adds no border (VALID, or SAME that pads nothing):
  W'[…, c] = W[…, c]·a[c], b'[o] = b[o] + Σ W[o, …, c]·b[c]; F reads x directly. A
  FULLY_CONNECTED may read the chain through one RESHAPE (flatten: channel = k mod C).

Weights and biases become f32 `tq.const`s; every chain is reported on stderr (`report=false`
silences it) as folded, or refused with the reason for each direction.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, ModuleOp, StringAttr, TensorType
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import PatternRewriter, PatternRewriteWalker, RewritePattern
from xdsl.rewriter import InsertPoint

from tqc.dialects import tq
from tqc.dialects.accessors import const_value, dense_attr, ints, shape
from tqc.dialects.element import kind, storage_name
from tqc.passes.lowering import quant_of
from tqc.semantics.quant_math import same_padding

AFFINE = (tq.MulOp, tq.AddOp, tq.SubOp)
LINEAR = (tq.Conv2DOp, tq.DepthwiseConv2DOp, tq.FullyConnectedOp)
LINEAR_NAMES = "CONV_2D/DEPTHWISE_CONV_2D/FULLY_CONNECTED"


# --- small helpers -------------------------------------------------------------------------------

def describe(op: Operation | None) -> str:
    """"MUL 'name' (op #4)" — how reports name an op."""
    if op is None:
        return "a graph input"
    text = op.name.removeprefix("tq.").upper()
    if op.results and op.results[0].name_hint:
        text += f" '{op.results[0].name_hint}'"
    index = op.properties.get("tfl_index")
    if isinstance(index, IntegerAttr):
        text += f" (op #{index.value.data})"
    return text


def dequantize(value: SSAValue, axis_len: int | None = None) -> np.ndarray | None:
    """A constant's real values in float64: S·(q − Z) (per-axis along its axis), or f32 as is."""
    data = const_value(value)
    if data is None:
        return None
    q = quant_of(value)
    if q is None:
        return data.astype(np.float64)
    scale, zp = q.scale_array(), q.zero_point_array()
    if q.per_axis:
        bshape = [1] * data.ndim
        bshape[q.axis.data] = -1
        scale, zp = scale.reshape(bshape), zp.reshape(bshape)
    return scale * (data.astype(np.float64) - zp)


def users(value: SSAValue) -> list[Operation]:
    return [use.operation for use in value.uses]


def f32_const(array: np.ndarray, name: str | None) -> tq.ConstOp:
    """A bytes-backed f32 `tq.const`."""
    value = dense_attr(np.asarray(array, np.float32) + np.float32(0), "f32")  # no -0.0
    op = tq.ConstOp.build(properties={"value": value}, result_types=[value.type])
    op.output.name_hint = name
    return op


def nonlinearity(op: Operation) -> str | None:
    """The fused activation of `op` if it clamps anything ("RELU", "clamp [-128, 5]"), else None."""
    act = op.properties.get("activation")
    if isinstance(act, StringAttr) and act.data != "NONE":
        return act.data
    clamp = op.properties.get("clamp")
    if isinstance(clamp, DenseArrayBase):
        lo, hi = ints(clamp)
        q = quant_of(op.results[0])
        if q is None or (lo, hi) != kind(storage_name(q)).range or lo > hi:
            return f"clamp [{lo}, {hi}]"
    return None


# --- chains --------------------------------------------------------------------------------------

@dataclass
class Step:
    """One affine op: y = a·x + b per channel; `x_index` is the non-constant operand's index."""

    op: Operation
    x_index: int
    a: np.ndarray
    b: np.ndarray

    @property
    def x(self) -> SSAValue:
        return self.op.operands[self.x_index]


def as_step(op: Operation) -> Step | str | None:
    """The affine step of a MUL/ADD/SUB with one constant operand; a reason string if it has one
    but cannot be used; None if it is no candidate at all."""
    if not isinstance(op, AFFINE):
        return None
    consts = [i for i, v in enumerate(op.operands) if isinstance(v.owner, tq.ConstOp)]
    if len(consts) != 1:
        return None
    k = consts[0]
    x, c = op.operands[1 - k], op.operands[k]
    if quant_of(x) is None or quant_of(op.results[0]) is None:
        return f"{describe(op)} is not quantized"
    xs, cs = shape(x), shape(c)
    if shape(op.results[0]) != xs:
        return f"the constant of {describe(op)} broadcasts {xs} to {shape(op.results[0])}"
    channels = xs[-1] if xs else 1
    squeezed = cs[next((i for i, d in enumerate(cs) if d != 1), len(cs)):]
    if squeezed not in ((), (1,), (channels,)):
        return f"the constant {list(cs)} of {describe(op)} is not one value per channel"
    value = dequantize(c)
    assert value is not None
    v = np.broadcast_to(value.reshape(-1), (channels,)).astype(np.float64)
    ones, zeros = np.ones(channels), np.zeros(channels)
    if isinstance(op, tq.MulOp):
        return Step(op, 1 - k, v, zeros)
    if isinstance(op, tq.AddOp):
        return Step(op, 1 - k, ones, v)
    if k == 1:  # x − c
        return Step(op, 0, ones, -v)
    return Step(op, 1, -ones, v)  # c − x


@dataclass
class Chain:
    steps: list[Step]

    @property
    def first(self) -> Operation:
        return self.steps[0].op

    @property
    def last(self) -> Operation:
        return self.steps[-1].op

    @property
    def input(self) -> SSAValue:
        return self.steps[0].x

    @property
    def output(self) -> SSAValue:
        return self.last.results[0]

    def affine(self) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.ones_like(self.steps[0].a), np.zeros_like(self.steps[0].b)
        for s in self.steps:
            a, b = s.a * a, s.a * b + s.b
        return a, b

    def describe(self) -> str:
        return " + ".join(describe(s.op) for s in self.steps)


def next_step(step: Step) -> Step | None:
    """The op continuing a chain after `step`: its only user, affine in that value."""
    if nonlinearity(step.op) is not None:
        return None
    following = users(step.op.results[0])
    if len(following) != 1:
        return None
    nxt = as_step(following[0])
    if not isinstance(nxt, Step) or nxt.x is not step.op.results[0]:
        return None
    return nxt


def continues_chain(step: Step) -> bool:
    """Whether `step` is a later step of a chain that starts at an earlier op."""
    producer = step.x.owner
    if not isinstance(producer, Operation):
        return False
    before = as_step(producer)
    return isinstance(before, Step) and (nxt := next_step(before)) is not None and nxt.op is step.op


def chain_from(step: Step) -> Chain:
    """The maximal chain starting at `step`."""
    steps = [step]
    while (nxt := next_step(steps[-1])) is not None:
        steps.append(nxt)
    return Chain(steps)


# --- folding -------------------------------------------------------------------------------------

def weight_axis(op: Operation) -> int:
    """The output-channel axis of the weights: OHWI / [units, K] → 0, depthwise 1HWC → 3."""
    return 3 if isinstance(op, tq.DepthwiseConv2DOp) else 0


def float_params(op: tq.ConvLikeOp | tq.FullyConnectedOp) -> tuple[np.ndarray, np.ndarray] | str:
    """(weights, bias) of a conv/FC in float64, as the kernel sees them, or why not."""
    w = dequantize(op.filter)
    if w is None:
        return f"the weights of {describe(op)} are not constant"
    qw = quant_of(op.filter)
    if qw is not None and storage_name(qw) != "i8":
        return f"{describe(op)} has {storage_name(qw)} weights (only int8 weights are refolded)"
    channels = w.shape[weight_axis(op)]
    if op.bias is None:
        return w, np.zeros(channels)
    qb, qx = quant_of(op.bias), quant_of(op.input)
    raw = const_value(op.bias)
    if raw is None:
        return f"the bias of {describe(op)} is not constant"
    if qb is None:  # already float (folded before)
        return w, raw.astype(np.float64)
    if qw is None or qx is None:
        return f"{describe(op)} mixes float and quantized parameters"
    s_w = np.broadcast_to(qw.scale_array(), (channels,))
    return w, raw.astype(np.float64) * qx.scale * s_w


def check_int8(values: Sequence[SSAValue], op: Operation) -> str | None:
    for v in values:
        q = quant_of(v)
        if q is not None and storage_name(q) != "i8":
            return f"{describe(op)} has {storage_name(q)} activations (only int8 models are refolded)"
    return None


def replace_linear(rewriter: PatternRewriter, old: Operation, operands: list[SSAValue],
                   weights: np.ndarray, bias: np.ndarray, result_type: Attribute,
                   props: dict[str, Attribute], extra: Sequence[Operation] = ()) -> Operation:
    """Insert a copy of conv/FC `old` with new input, f32 weights and bias, before `old`."""
    assert isinstance(old, LINEAR)
    w_name, b_name = old.filter.name_hint, old.bias.name_hint if old.bias is not None else None
    wc = f32_const(weights, f"{w_name or 'weights'}_folded")
    bc = f32_const(bias, f"{b_name or 'bias'}_folded")
    new = type(old).build(operands=[*operands, wc.output, [bc.output]], result_types=[result_type],
                          properties=props)
    rewriter.insert([*extra, wc, bc, new], InsertPoint.before(old))
    return new


def erase_dead(rewriter: PatternRewriter, ops: Sequence[Operation]) -> None:
    """Erase ops (in order) whose results are unused, then constants left without users."""
    operands: list[SSAValue] = []
    for op in ops:
        if any(r.uses for r in op.results):
            continue
        operands.extend(op.operands)
        rewriter.erase(op)
    for v in operands:
        owner = v.owner
        if isinstance(owner, tq.ConstOp) and owner.parent is not None and not owner.output.uses:
            rewriter.erase(owner)


def fold_preceding(rewriter: PatternRewriter, chain: Chain) -> tuple[bool, str]:
    """Fold into the op producing the chain's input: (True, what it folded into) or (False, why not)."""
    p = chain.input.owner
    p = p if isinstance(p, Operation) else None
    if not isinstance(p, LINEAR):
        return False, f"{describe(p)} is not {LINEAR_NAMES}"
    why = can_fold_preceding(chain, p)
    if why is not None:
        return False, why
    target = describe(p)
    apply_preceding(rewriter, chain, p)
    return True, target


def can_fold_preceding(chain: Chain, p: tq.ConvLikeOp | tq.FullyConnectedOp) -> str | None:
    if len(users(p.output)) != 1:
        return f"{describe(p)} has {len(users(p.output))} users"
    if (act := nonlinearity(p)) is not None:
        return f"{act} on {describe(p)} is a non-linearity between"
    if (why := check_int8([p.input, p.output, chain.output], p)) is not None:
        return why
    params = float_params(p)
    if isinstance(params, str):
        return params
    channels = params[0].shape[weight_axis(p)]
    if channels != chain.affine()[0].shape[0]:
        return f"{describe(p)} has {channels} output channels, the chain {chain.affine()[0].shape[0]}"
    return None


def apply_preceding(rewriter: PatternRewriter, chain: Chain,
                    p: tq.ConvLikeOp | tq.FullyConnectedOp) -> None:
    params = float_params(p)
    assert not isinstance(params, str)
    w, bias = params
    a, b = chain.affine()
    axis = weight_axis(p)
    bshape = [1] * w.ndim
    bshape[axis] = -1
    props = dict(p.properties)
    props.pop("activation", None)
    props.pop("clamp", None)
    props.update({k: chain.last.properties[k] for k in ("activation", "clamp")
                  if k in chain.last.properties})
    new = replace_linear(rewriter, p, [p.input], w * a.reshape(bshape), bias * a + b,
                         chain.output.type, props)
    new.results[0].name_hint = chain.output.name_hint
    rewriter.replace_all_uses_with(chain.output, new.results[0])
    erase_dead(rewriter, [s.op for s in reversed(chain.steps)] + [p])


def border(op: tq.ConvLikeOp) -> tuple[int, ...]:
    """The padding a conv adds (before/after for H and W): all ≤ 0 for VALID-like convs."""
    if op.padding.data != "SAME":
        return (0, 0, 0, 0)
    ins, outs = shape(op.input), shape(op.output)
    kh, kw = shape(op.filter)[1:3]
    sh, sw = ints(op.stride)
    dh, dw = ints(op.dilation)
    return (*same_padding(ins[1], kh, int(sh), int(dh), outs[1]),
            *same_padding(ins[2], kw, int(sw), int(dw), outs[2]))


def fold_following(rewriter: PatternRewriter, chain: Chain) -> tuple[bool, str]:
    """Fold into the conv/FC reading the chain's output: (True, what) or (False, why not)."""
    found = following_op(chain)
    if isinstance(found, str):
        return False, found
    f, reshape = found
    target = describe(f)
    apply_following(rewriter, chain, f, reshape)
    return True, target


def following_op(chain: Chain) -> tuple[tq.ConvLikeOp | tq.FullyConnectedOp, tq.ReshapeOp | None] | str:
    """The conv/FC (and a RESHAPE before it) the chain may fold into, or why there is none."""
    if (act := nonlinearity(chain.last)) is not None:
        return f"{act} on {describe(chain.last)} is a non-linearity between"
    after = users(chain.output)
    if len(after) != 1:
        return f"{describe(chain.last)} has {len(after)} users"
    f, reshape = after[0], None
    if isinstance(f, tq.ReshapeOp) and len(users(f.output)) == 1:
        reshape, f = f, users(f.output)[0]
    if not isinstance(f, LINEAR):
        return f"{describe(f)} is not {LINEAR_NAMES}"
    if reshape is not None and not isinstance(f, tq.FullyConnectedOp):
        return f"{describe(reshape)} before {describe(f)} (only a FULLY_CONNECTED may read a reshape)"
    if f.input is not (reshape or chain.last).results[0] or f.filter is (reshape or chain.last).results[0]:
        return f"{describe(f)} does not read the chain as its input"
    if isinstance(f, tq.ConvLikeOp) and any(p > 0 for p in border(f)):
        return (f"{describe(f)} has {f.padding.data} padding (pads {list(border(f))}): the "
                f"border would be the folded input's zero, not the batch-norm's")
    if (why := check_int8([chain.input, f.input, f.output], f)) is not None:
        return why
    params = float_params(f)
    if isinstance(params, str):
        return params
    c = chain.affine()[0].shape[0]
    if isinstance(f, tq.FullyConnectedOp) and params[0].shape[1] % c:
        return f"{describe(f)} has depth {params[0].shape[1]}, not a multiple of the chain's {c} channels"
    return f, reshape


def apply_following(rewriter: PatternRewriter, chain: Chain,
                    f: tq.ConvLikeOp | tq.FullyConnectedOp, reshape: tq.ReshapeOp | None) -> None:
    params = float_params(f)
    assert not isinstance(params, str)
    w, bias = params
    a, b = chain.affine()
    c = a.shape[0]
    if isinstance(f, tq.FullyConnectedOp):
        ch = np.arange(w.shape[1]) % c
        w2, b2 = w * a[ch], bias + w @ b[ch]
    elif isinstance(f, tq.DepthwiseConv2DOp):
        mult = w.shape[3] // c
        ch = np.arange(w.shape[3]) // mult
        w2, b2 = w * a[ch], bias + w.sum(axis=(0, 1, 2)) * b[ch]
    else:
        w2, b2 = w * a, bias + np.einsum("ohwc,c->o", w, b)
    x: SSAValue = chain.input
    extra: list[Operation] = []
    if reshape is not None:
        t = chain.input.type
        assert isinstance(t, TensorType)
        flat = tq.ReshapeOp.build(operands=[x], properties=dict(reshape.properties),
                                  result_types=[TensorType(t.element_type, shape(reshape.output))])
        flat.results[0].name_hint = reshape.output.name_hint
        extra, x = [flat], flat.results[0]
    new = replace_linear(rewriter, f, [x], w2, b2, f.output.type, dict(f.properties), extra)
    new.results[0].name_hint = f.output.name_hint
    rewriter.replace_all_uses_with(f.output, new.results[0])
    erase_dead(rewriter, [f, *([reshape] if reshape else []), *(s.op for s in reversed(chain.steps))])


@dataclass
class FoldChain(RewritePattern):
    """Fold the chain starting at an affine op into its preceding, else its following conv/FC;
    `lines` collects one report line per chain or refused op, in block order."""

    lines: list[str] = field(default_factory=list[str])

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter, /) -> None:
        step = as_step(op)
        if step is None:
            return
        if isinstance(step, str):
            self.lines.append(f"fold-batch-norm: refused {describe(op)}: {step}")
            return
        if continues_chain(step):
            return
        chain = chain_from(step)
        what = chain.describe()
        done, why_p = fold_preceding(rewriter, chain)
        if done:
            self.lines.append(f"fold-batch-norm: folded {what} into the preceding {why_p}")
            return
        done, why_f = fold_following(rewriter, chain)
        if done:
            self.lines.append(f"fold-batch-norm: folded {what} into the following {why_f}")
            return
        self.lines.append(f"fold-batch-norm: refused {what}: preceding: {why_p}; following: {why_f}")


def fold_batch_norm(module: ModuleOp) -> list[str]:
    """Fold every foldable chain in `module`; one report line per chain or refused op.

    One sweep in block order (`apply_recursively=False`): each chain is considered once, from its
    first op, and a refused chain is reported once."""
    pattern = FoldChain()
    PatternRewriteWalker(pattern, apply_recursively=False).rewrite_module(module)
    lines = pattern.lines
    folded = sum(line.startswith("fold-batch-norm: folded ") for line in lines)
    if folded:
        lines.append(f"fold-batch-norm: {folded} folded, {len(lines) - folded} refused; the folded "
                     "ops are not bit-exact with the model file")
    return lines


@dataclass(frozen=True)
class FoldBatchNormPass(ModulePass):
    """Opt-in; changes the arithmetic (see the module docstring). Run recompute-min-max next."""

    name = "fold-batch-norm"

    report: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        lines = fold_batch_norm(op)
        if self.report:
            for line in lines:
                print(line, file=sys.stderr)
