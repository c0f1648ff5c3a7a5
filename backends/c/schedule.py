"""Group a lowered (`tqi`) function into layers and loop nests ("kernels") for the C printer.

Read-only: computes a `Schedule` and never changes the IR.

- A *layer* is the run of ops that one TFLite operator lowered to. The lowering gives the last
  value of each operator the TFLite tensor's name and leaves its intermediates unnamed, so a
  layer ends at an op whose results all carry a name hint. The printer writes one C function per
  layer, named after that tensor.
- A *kernel* is one loop nest. Element-wise ops (casts, requantize steps, clamps, tables,
  broadcasting arithmetic, the float edges) are fused into the loop of the value they feed when
  that value is their only user in the same layer: they become scalar statements in the loop
  body instead of tensors. An accumulating op (conv, depthwise conv, fully connected, pooling)
  whose only user is such an element-wise tree of the same shape is fused as the tree's source:
  its loop computes one accumulator and runs the requantize steps on it ("epilogue"), so the
  int32 accumulators never reach memory.
- `tqi.reshape` is a view: its result shares its operand's storage.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from xdsl.dialects import func
from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Operation, SSAValue

from tqc.backends.c.requant_chain import RequantChain, requant_chain
from tqc.dialects import tqi
from tqc.dialects.accessors import int_value, ints
from tqc.dialects.accessors import shape as dims
from tqc.dialects.element import KINDS, ElementKind, kind_of
from tqc.dialects.traits import EpilogueAnchor
from tqc.errors import TqcError
from tqc.names import legal_identifier

CONV_PIXEL_BLOCK = 4  # output pixels per conv matrix product (weight reuse)
NARROW_CONV_BLOCK = 8  # for convs of up to 32 output channels (the VNNI kernel's 8-pixel tiles)


def conv_pixel_block(out_channels: int, mode: str, fused: bool, pixels: int) -> int:
    """Output pixels per call of a conv's matrix product. A conv that requantizes inside its
    kernel (`fused`): all `pixels` at once for a 1x1 conv that reads the image itself ("direct":
    no patch memory), 8 for up to 32 output channels (the AVX-512 VNNI kernel then tiles 8
    pixels, enough independent sums to hide vpdpbusd's latency), else 4; any other conv 4 (its
    int32 accumulators are in the arena)."""
    if not fused:
        return CONV_PIXEL_BLOCK
    if mode == "direct":
        return pixels
    return NARROW_CONV_BLOCK if out_channels <= 32 else CONV_PIXEL_BLOCK
VIEWS: tuple[type[Operation], ...] = (tqi.ReshapeOp,)
# Ops that name storage rather than compute: the weights, the state (backends/c/state.py).
STORAGE_ONLY: tuple[type[Operation], ...] = (tqi.ConstOp, tqi.StateOp)


def identifier(hint: str | None, fallback: str) -> str:
    """A C identifier made from an IR name hint."""
    return legal_identifier(hint, fallback, tidy=True, empty=fallback)


@dataclass(eq=False)
class Scratch:
    """Working memory of one kernel (an im2col patch, a row of accumulators), in the arena for
    the duration of its layer."""

    name: str
    kind: ElementKind
    count: int
    wraps: bool = False  # int32 accumulators declared uint32_t: their sums wrap around

    @property
    def ctype(self) -> str:
        return "uint32_t" if self.wraps else self.kind.c

    @property
    def nbytes(self) -> int:
        return self.count * self.kind.nbytes


@dataclass
class Kernel:
    """One loop nest. `root` is the op whose results the loop stores; `tree` the element-wise
    ops evaluated per element (root last, operands first); `anchor` the fused accumulating op
    whose value feeds the tree (or the root itself for a stand-alone non-element-wise op)."""

    root: Operation
    tree: list[Operation] = field(default_factory=list)
    anchor: Operation | None = None
    reads: list[SSAValue] = field(default_factory=list)  # materialized values read (bases)
    writes: list[SSAValue] = field(default_factory=list)  # materialized values stored
    scratch: list[Scratch] = field(default_factory=list)


@dataclass
class Layer:
    index: int
    name: str
    ops: list[Operation]
    kernels: list[Kernel]
    notes: list[str] = field(default_factory=list)  # from the `tqc.layer` mark, if any


@dataclass
class Schedule:
    fn: func.FuncOp
    layers: list[Layer]
    consts: list[tqi.ConstOp]
    inline: set[SSAValue]  # element-wise values computed inside a loop body, never stored
    fused: set[SSAValue]  # anchor values consumed by an epilogue, never stored
    alias: dict[SSAValue, SSAValue]  # view → the value whose storage it shares
    inputs: list[SSAValue]
    outputs: list[SSAValue]

    def read_through(self, v: SSAValue) -> SSAValue:
        """The stored value a non-element-wise op reads for operand v: v itself, or the
        operand of an inlined widening cast."""
        if v in self.inline and isinstance(v.owner, tqi.CastOp):
            return v.owner.operands[0]
        return v

    def base(self, v: SSAValue) -> SSAValue:
        while v in self.alias:
            v = self.alias[v]
        return v

    @property
    def kernels(self) -> list[Kernel]:
        return [k for layer in self.layers for k in layer.kernels]


LAYER_MARK = "tqc.layer"  # discardable attribute lower-requantize puts on a layer's first op


def _layers(ops: list[Operation]) -> list[tuple[list[Operation], list[str]]]:
    """Split the ops into layers, each with its description lines: a layer starts at an op
    marked `tqc.layer` when the IR has marks, else it ends at an op whose results all have
    names. Constants and state reads and writes are left out of the groups (the mark may sit on
one)."""
    marked = any(LAYER_MARK in op.attributes for op in ops)
    groups: list[tuple[list[Operation], list[str]]] = []
    current: list[Operation] = []
    notes: list[str] = []
    for op in ops:
        mark = op.attributes.get(LAYER_MARK)
        if marked and isinstance(mark, StringAttr):
            if current:
                groups.append((current, notes))
            current, notes = [], mark.data.split(" | ")
        if not isinstance(op, STORAGE_ONLY):
            current.append(op)
        if not marked and op.results and all(r.name_hint for r in op.results) and current:
            groups.append((current, notes))
            current = []
    if current:
        groups.append((current, notes))
    return groups


def build_schedule(fn: func.FuncOp, elementwise: Collection[type[Operation]]) -> Schedule:
    """The layers and loop nests of `fn`. `elementwise` are the op types the printer writes as
    one scalar expression (casts, requantize steps, clamps, tables, broadcasting arithmetic, the
    float edges): those are fused into the loops of their users."""
    block = fn.body.block
    ret = block.last_op
    if not isinstance(ret, func.ReturnOp):
        raise TqcError("c backend: the function does not end in func.return")
    ops = [op for op in block.ops if op is not ret]
    consts = [op for op in ops if isinstance(op, tqi.ConstOp)]
    body = [op for op in ops if not isinstance(op, STORAGE_ONLY)]
    for op in body:
        if not op.name.startswith("tqi."):
            raise TqcError(f"c backend: no printer for {op.name}")
    groups = _layers(ops)
    layer_of = {op: i for i, (g, _) in enumerate(groups) for op in g}
    returned = set(ret.operands)

    def sole_user(v: SSAValue) -> Operation | None:
        users = [u.operation for u in v.uses]
        if len(users) != 1 or v in returned:
            return None
        return users[0]

    inline: set[SSAValue] = set()
    for op in body:
        if type(op) not in elementwise:
            continue
        user = sole_user(op.results[0])
        if user is not None and type(user) in elementwise and layer_of[user] == layer_of[op]:
            inline.add(op.results[0])

    for op in body:  # a widening cast feeding a sum is read through by the sum's loop
        user = sole_user(op.results[0]) if isinstance(op, tqi.CastOp) else None
        if (isinstance(user, tqi.SumOp) and layer_of[user] == layer_of[op]
                and _widening(op)):
            inline.add(op.results[0])

    def tree_root(op: Operation) -> Operation:
        while op.results[0] in inline and type(op) in elementwise:
            op = next(iter(op.results[0].uses)).operation
        return op

    fused: set[SSAValue] = set()
    anchored_roots: set[Operation] = set()
    for op in body:
        if not op.has_trait(EpilogueAnchor):
            continue
        v = op.results[0]
        user = sole_user(v)
        if user is None or type(user) not in elementwise or layer_of[user] != layer_of[op]:
            continue
        root = tree_root(user)
        if dims(root.results[0]) != dims(v) or root in anchored_roots:
            continue
        fused.add(v)
        anchored_roots.add(root)

    alias: dict[SSAValue, SSAValue] = {
        op.results[0]: op.operands[0] for op in body if isinstance(op, VIEWS)}
    schedule = Schedule(fn, [], consts, inline, fused, alias, list(block.args),
                        list(ret.operands))
    used_names: dict[str, int] = {}
    for group, notes in groups:
        kernels = [_kernel(schedule, op, elementwise) for op in group
                   if op.results[0] not in inline and op.results[0] not in fused
                   and not isinstance(op, VIEWS)]
        if not kernels:
            continue
        last = group[-1].results[0] if group[-1].results else None
        name = identifier(last.name_hint if last is not None else None, "layer")
        n = used_names.get(name, 0)
        used_names[name] = n + 1
        schedule.layers.append(Layer(len(schedule.layers), name if n == 0 else f"{name}_{n}",
                                     group, kernels, notes))
    return schedule


def _scratch(k: Kernel) -> list[Scratch]:
    """The working memory the C loops of kernel k need: one accumulator per output channel of
    a pixel (so that the requantize epilogue runs as a separate, vectorisable loop over the
    channels); for conv, of a block of pixels, with their im2col patches (input plus offset,
    widened), and no accumulators when the conv requantizes inside its kernel."""
    anchor = k.anchor
    if anchor is None or not anchor.has_trait(EpilogueAnchor):
        return []
    out = anchor.results[0]
    channels = dims(out)[-1]
    acc = kind_of(out)
    if isinstance(anchor, tqi.Conv2DOp) or depthwise_as_conv(anchor):  # a block of pixels
        assert isinstance(anchor, tqi.ConvLikeOp)
        kh, kw, c = conv_window(anchor)
        mode = conv_patch_mode(anchor)
        fused = fused_requant_conv(k) is not None
        block = conv_pixel_block(channels, mode, fused, 0)
        accs = [] if fused else [Scratch("acc", acc, block * channels)]
        if mode == "direct":
            return accs
        patch = KINDS["i16"] if mode == "offset" else kind_of(anchor.input)
        return [*accs, Scratch("patch", patch, block * kh * kw * c)]
    wraps = isinstance(anchor, tqi.DepthwiseConv2DOp) and acc.name == "i32"
    return [Scratch("acc", acc, channels, wraps)]


def _constant(v: SSAValue) -> bool:
    owner = v.owner
    while isinstance(owner, VIEWS):
        owner = owner.operands[0].owner
    return isinstance(owner, tqi.ConstOp)


def fused_requant_conv(k: Kernel) -> RequantChain | None:
    """The requantize chain of a conv kernel that runs it inside the packed conv kernel
    (`tqc_pconv_*`: raw 8-bit input, no filter offset, the usual requantize epilogue), so that
    its int32 accumulators never reach memory; None for every other kernel."""
    op = k.anchor
    if not isinstance(op, tqi.Conv2DOp) and not depthwise_as_conv(op):
        return None
    assert isinstance(op, tqi.ConvLikeOp)
    if conv_patch_mode(op) == "offset" or int_value(op.filter_offset) != 0 or not k.writes:
        return None
    return requant_chain(k.tree, op, k.writes[0], dims(op.output)[-1])


def conv_window(op: tqi.ConvLikeOp) -> tuple[int, int, int]:
    """(kh, kw, input channels) of a conv's or a depthwise conv's window."""
    _, kh, kw, _ = dims(op.filter)
    return kh, kw, dims(op.input)[-1]


def depthwise_as_conv(op: Operation | None) -> bool:
    """A depthwise conv of one input channel (every output channel reads it) is the conv with
    filter w[0, ky, kx, oc] as [oc, ky, kx, 0]: the same sum bias + sum((x + x_off) * (w +
    w_off)) over the same in-bounds taps. The C printer runs it as that conv (patch and matrix
    product, with their SIMD paths) when the conv would read its 8-bit input raw."""
    return (isinstance(op, tqi.DepthwiseConv2DOp) and dims(op.input)[-1] == 1
            and conv_patch_mode(op) != "offset")


def conv_patch_mode(op: tqi.ConvLikeOp) -> str:
    """How the C conv kernel reads its input.
    - "raw": 8-bit input and constant weights and bias: an im2col patch of the input as it is,
      with the input zero point (-input_offset) in the taps outside the image (they contribute
      0), the offsets folded into per-channel constants (the 8-bit dot products have SIMD
      paths);
    - "direct": "raw" for a 1x1, stride-1, unpadded conv: the image's pixels are the patch
      rows, no copy;
    - "offset": a widened int16 patch x + input_offset, 0 outside the image (16-bit input, a
      zero point outside the type, or weights known only at run time)."""
    x = kind_of(op.input)
    fill = -int_value(op.input_offset)
    if (x.bits != 8 or not x.lo <= fill <= x.hi
            or not _constant(op.filter) or (op.bias is not None and not _constant(op.bias))):
        return "offset"
    kh, kw, _ = conv_window(op)
    if kh == kw == 1 and ints(op.stride) == (1, 1) and not any(ints(op.pad)):
        return "direct"
    return "raw"


def _kernel(s: Schedule, root: Operation, elementwise: Collection[type[Operation]]) -> Kernel:
    """The kernel that stores `root`'s results, with its fused tree and anchor."""
    k = _kernel_ops(s, root, elementwise)
    k.scratch = _scratch(k)
    return k


def _kernel_ops(s: Schedule, root: Operation, elementwise: Collection[type[Operation]]) -> Kernel:
    k = Kernel(root)
    if type(root) not in elementwise:
        k.anchor = root
        k.reads = _unique(s.base(s.read_through(v)) for v in root.operands)
        k.writes = list(root.results)
        return k

    def visit(op: Operation) -> None:
        for v in op.operands:
            owner = v.owner
            if v in s.inline:
                assert isinstance(owner, Operation)
                visit(owner)
            elif v in s.fused:
                assert isinstance(owner, Operation)
                k.anchor = owner
                k.reads += [s.base(a) for a in owner.operands]
            else:
                k.reads.append(s.base(v))
        k.tree.append(op)

    visit(root)
    k.reads = _unique(k.reads)
    k.writes = [root.results[0]]
    return k


def _widening(op: Operation) -> bool:
    """A cast from a narrower integer type to int32 (exact, so the reader may skip it)."""
    return kind_of(op.operands[0]).is_narrow and kind_of(op.results[0]).name == "i32"


def _unique(values: Iterable[SSAValue]) -> list[SSAValue]:
    out: list[SSAValue] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out
