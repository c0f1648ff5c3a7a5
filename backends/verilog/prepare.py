"""Prepare a lowered (`tqi`) module for the Verilog printer: a read-only analysis.

The hardware is a chain of streaming stages, one element per beat between them:
- an *engine* per op that needs its whole input row (FULLY_CONNECTED, …): a folded datapath
  with its own MAC units and memories;
- a *chain* per maximal run of element-wise ops (the requantize steps, casts, clamps, tables):
  a stallable pipeline, one register stage per step;
- *wires* for ops that do not move data in row-major order (RESHAPE).
QUANTIZE of the graph input and DEQUANTIZE of the graph output stay on the host.

This step only reads the IR: it checks that the graph is one chain from input to output,
groups the ops into stages, legalizes names for Verilog, and chooses each engine's split of
the P MAC units. Unknown ops raise a TqcError naming the op.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tqi
from tqc.dialects.accessors import shape as dims
from tqc.dialects.element import ElementKind, kind_of
from tqc.dialects.traits import Engine
from tqc.errors import TqcError
from tqc.names import legal_identifier

# Total MAC units of the default design (a mid-size FPGA has a few hundred DSP slices).
DEFAULT_MAC_BUDGET = 256

# Element types the hardware streams (f32 and i1 tensors have no hardware; i64 streams carry
# the 16x8 kernels' accumulators).
STREAMED = ("i8", "ui8", "i16", "i32", "i64")

VERILOG_KEYWORDS = set("""always and assign automatic begin buf bufif0 bufif1 case casex casez cell
cmos config deassign default defparam design disable edge else end endcase endconfig endfunction
endgenerate endmodule endprimitive endspecify endtable endtask event for force forever fork
function generate genvar highz0 highz1 if ifnone incdir include initial inout input instance
integer join large liblist library localparam macromodule medium module nand negedge nmos nor
noshowcancelled not notif0 notif1 or output parameter pmos posedge primitive pull0 pull1 pulldown
pullup pulsestyle_onevent pulsestyle_ondetect rcmos real realtime reg release repeat rnmos rpmos
rtran rtranif0 rtranif1 scalared showcancelled signed small specify specparam strong0 strong1
supply0 supply1 table task time tran tranif0 tranif1 tri tri0 tri1 triand trior trireg unsigned
use uwire vectored wait wand weak0 weak1 while wire wor xnor xor clk rst""".split())


def is_streamed(v: SSAValue) -> bool:
    """Whether the hardware streams `v`'s element type."""
    return kind_of(v).name in STREAMED


def hw_kind(v: SSAValue) -> ElementKind:
    """The element kind of a streamed tensor (width `.bits`, `.signed`, `.range`)."""
    k = kind_of(v)
    if k.name not in STREAMED:
        raise TqcError(f"verilog backend: {k.name} tensors are not supported in hardware")
    return k


def engine(op: Operation) -> Engine | None:
    """The op's `Engine` trait (None for an op the backend does not build as an engine)."""
    return op.get_trait(Engine)


def is_mac(op: Operation) -> bool:
    """A multiply-accumulate engine (conv, depthwise, fully connected)."""
    trait = engine(op)
    return trait is not None and trait.mac


def signed_width(lo: int, hi: int) -> int:
    """Bits of the smallest two's complement type holding [lo, hi]."""
    n = 1
    while lo < -(1 << (n - 1)) or hi > (1 << (n - 1)) - 1:
        n += 1
    return n


def clog2(n: int) -> int:
    """Width of a counter over n values (at least 1)."""
    return max(1, math.ceil(math.log2(n))) if n > 1 else 1


@dataclass
class Split:
    """How an engine uses its MAC units: `pu` output lanes × `pk` input lanes."""

    pu: int
    pk: int

    @property
    def macs(self) -> int:
        return self.pu * self.pk


@dataclass
class Stage:
    kind: str  # "engine", "chain", "join" or "source" (a constant operand streamed from a ROM)
    ops: list[Operation]
    inputs: list[SSAValue]  # streamed operands (a join has two, a source none)
    output: SSAValue
    name: str
    split: Split | None = None
    in_lanes: int = 1  # elements per beat it takes its inputs at (backends/verilog/lanes.py)
    out_lanes: int = 1  # elements per beat of its output stream

    @property
    def input(self) -> SSAValue:
        return self.inputs[0]


@dataclass
class Plan:
    name: str
    input: SSAValue  # the streamed input tensor (after a host-side QUANTIZE)
    output: SSAValue  # the streamed output tensor (before a host-side DEQUANTIZE)
    stages: list[Stage]
    parallel: int
    host_quantize: tqi.QuantizeOp | None = None
    host_dequantize: tqi.DequantizeOp | None = None
    names: dict[SSAValue, str] = field(default_factory=dict)


def verilog_identifier(name: str) -> str:
    """A Verilog identifier from a module name (the testbench appends `_tb`)."""
    return legal_identifier(name, "m", reserved=VERILOG_KEYWORDS, fold_case=True,
                            leading_underscore=False, empty="design")


def best_split(out: int, channels: int, parallel: int, multiple: int = 1) -> Split:
    """The split of `parallel` MAC units with the fewest issue cycles per output pixel,
    NG · NK = ceil(out / PU) · taps · ceil(channels / PK) (the taps are the same for every
    split), ties broken by fewer MAC units PU · PK, then by more output lanes PU.

    PU is a multiple of `multiple` (a depthwise engine's channel multiplier M: its frame buffer
    has PU / M banks; pass channels = 1, as its PK is 1), at least `multiple` even above
    `parallel`. Lanes past `out` or `channels` would only add MAC units, so none are tried."""
    top = max(multiple, min(parallel, out))
    return min((Split(pu, pk) for pu in range(multiple, top + 1, multiple)
                for pk in range(1, min(max(parallel // pu, 1), channels) + 1)),
               key=lambda s: (-(-out // s.pu) * -(-channels // s.pk), s.macs, -s.pu))


def engine_split(op: Operation, parallel: int) -> Split:
    """The `best_split` of P MAC units for a MAC engine (PU x PK = 1 x 1 for other engines)."""
    if isinstance(op, tqi.FullyConnectedOp):
        units, depth = dims(op.filter)
        return best_split(units, depth, parallel)
    if isinstance(op, tqi.Conv2DOp):
        out, channels = dims(op.filter)[0], dims(op.filter)[3]
        return best_split(out, channels, parallel)
    if isinstance(op, tqi.DepthwiseConv2DOp):
        out, channels = dims(op.output)[-1], dims(op.input)[-1]
        return best_split(out, 1, parallel, multiple=out // channels)
    return Split(1, 1)


# Output rows of slack the ring frame buffers leave the producer of the next image (see
# `ring_rows`).
RING_MARGIN = 2


def ring_rows(h: int, oh: int, kh: int, sh: int = 1, dh: int = 1, pt: int = 0) -> int:
    """Extra input rows ER (0..h) of an engine's ring frame buffer (templates/tqc_conv.v).

    The next image's row r may overwrite this image's row r - ER once the walker is past it;
    the walker's output row oy reads input rows from oy*sh - pt on. ER is the fewest extra rows
    with which the rows the next image's first output row needs can be loaded while the walker
    still has RING_MARGIN output rows of this image to go, so the walk continues without a gap;
    0 for tall images (no extra memory), h (a second frame) for FULLY_CONNECTED on one row."""
    first = min(h - 1, (kh - 1) * dh - pt)  # last input row the first output row reads
    low = max(0, max(0, oh - 1 - RING_MARGIN) * sh - pt)
    return min(h, max(0, first + 1 - low))


def default_parallel(n_engines: int) -> int:
    """The largest power of two with n_engines · P within DEFAULT_MAC_BUDGET."""
    share = max(1, DEFAULT_MAC_BUDGET // max(1, n_engines))
    return 1 << int(math.floor(math.log2(share)))


def prepare(module: ModuleOp, name: str, parallel: int | None, kinds: dict[type, str]) -> Plan:
    """Group the function's ops into stages; `kinds` maps each supported op type to "engine",
    "join", "elementwise", "wire", "const" or "host" (handlers.handler_kinds)."""
    fns = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if len(fns) != 1:
        raise TqcError("verilog backend: expected one function")
    block = fns[0].body.block
    if len(block.args) != 1:
        raise TqcError(f"verilog backend: the model has {len(block.args)} inputs; "
                       "only single-input models are supported")
    ret = block.last_op
    assert isinstance(ret, func.ReturnOp)
    if len(ret.operands) != 1:
        raise TqcError(f"verilog backend: the model has {len(ret.operands)} outputs; "
                       "only single-output models are supported")
    if parallel is not None and parallel < 1:
        raise TqcError(f"--parallel must be at least 1, got {parallel}")

    ops = [op for op in block.ops if not isinstance(op, func.ReturnOp)]
    users = stream_users(ops, ret)
    host_quantize = None
    host_dequantize = None
    groups: list[tuple[str, list[Operation], list[SSAValue]]] = []  # (kind, ops, inputs)
    producer: dict[SSAValue, int] = {}  # value → index of the group that ends with it
    for op in ops:
        if isinstance(op, tqi.ConstOp):
            continue
        kind = kinds.get(type(op))
        if kind is None:
            raise TqcError(f"verilog backend: no hardware for {op.name}")
        if kind in ("join", "elementwise"):  # a constant operand streams from a ROM
            for v in op.operands:
                if isinstance(v.owner, tqi.ConstOp) and v not in producer:
                    groups.append(("source", [v.owner], []))
                    producer[v] = len(groups) - 1
        streamed = [v for v in op.operands if v in producer or not isinstance(v.owner, tqi.ConstOp)]
        if len(op.results) != 1 or not streamed:
            raise TqcError(f"verilog backend: {op.name} with {len(op.results)} results and "
                           f"{len(streamed)} tensor operands is not supported")
        if kind == "join" and len(streamed) != len(op.operands):
            raise TqcError(f"verilog backend: {op.name} with {len(streamed)} tensor operands "
                           "is not supported")
        if kind != "join" and len(streamed) != 1:
            raise TqcError(f"verilog backend: {op.name} with {len(streamed)} tensor operands "
                           "is not supported")
        source = streamed[0]
        if isinstance(op, tqi.QuantizeOp) and source is block.args[0] and len(users[source]) == 1:
            host_quantize = op
        elif isinstance(op, tqi.DequantizeOp) and op.output is ret.operands[0]:
            host_dequantize = op
        elif isinstance(op, (tqi.QuantizeOp, tqi.DequantizeOp)):
            raise TqcError(f"verilog backend: {op.name} inside the graph is not supported")
        elif kind in ("engine", "join"):
            groups.append((kind, [op], streamed))
            producer[op.results[0]] = len(groups) - 1
        elif kind == "elementwise":
            last = producer.get(source)  # extend the chain that ends with the operand
            if last is not None and groups[last][0] == "chain" and len(users[source]) == 1:
                groups[last][1].append(op)
            else:
                groups.append(("chain", [op], [source]))
                last = len(groups) - 1
            producer[op.results[0]] = last
    hw_input = host_quantize.output if host_quantize else block.args[0]
    hw_output = host_dequantize.input if host_dequantize else ret.operands[0]
    for v in (hw_input, hw_output):
        hw_kind(v)  # raises for element types the hardware does not stream

    n_engines = sum(1 for kind, g, _ in groups if kind == "engine" and is_mac(g[0]))
    p = parallel if parallel is not None else default_parallel(n_engines)
    stages = []
    for i, (kind, group, sources) in enumerate(groups):
        prefix = stage_prefix(kind, group[0])
        stage = Stage(kind, group, sources, group[-1].results[0], f"{prefix}{i}")
        if kind == "engine":
            stage.split = engine_split(group[0], p)
        stages.append(stage)
    return Plan(verilog_identifier(name), hw_input, hw_output, stages, p, host_quantize, host_dequantize)


def stage_prefix(kind: str, first: Operation) -> str:
    """The start of a stage's instance names: the engine's prefix, "join", "const" (a
    constant's source) or "ew" (a chain)."""
    if kind in ("join", "source"):
        return "const" if kind == "source" else "join"
    if kind != "engine":
        return "ew"
    trait = engine(first)
    if trait is None:
        raise TqcError(f"verilog backend: internal: {first.name} is not an engine")
    return trait.prefix


def root(v: SSAValue) -> SSAValue:
    """The value whose stream carries `v` (RESHAPE moves no data)."""
    while isinstance(v.owner, tqi.ReshapeOp):
        v = v.owner.input
    return v


def stream_users(ops: list[Operation], ret: func.ReturnOp) -> dict[SSAValue, list[Operation]]:
    """Consumers of each stream (by root value): ops other than constants and RESHAPE, and
    the return."""
    users: dict[SSAValue, list[Operation]] = {}
    for op in [*ops, ret]:
        if isinstance(op, (tqi.ConstOp, tqi.ReshapeOp)):
            continue
        for v in op.operands:
            if not isinstance(v.owner, tqi.ConstOp):
                users.setdefault(root(v), []).append(op)
    return users
