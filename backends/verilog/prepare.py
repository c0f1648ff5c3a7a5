"""Prepare a lowered (`tqi`) module for the Verilog printer: a read-only analysis.

The hardware is a graph of streaming stages between the design's ports (one per model input
and output, `Port`), one element per beat between them:
- an *engine* per op that needs its whole input row (FULLY_CONNECTED, …): a folded datapath
  with its own MAC units and memories;
- a *chain* per maximal run of element-wise ops (the requantize steps, casts, clamps, tables):
  a stallable pipeline, one register stage per step;
- *wires* for ops that do not move data in row-major order (RESHAPE);
- a *source* per constant that a join takes as a stream (`tqc_source`: the constant's ROM,
  streamed once per sample into the rescaling chain the IR applies to it).
QUANTIZE of a float input and DEQUANTIZE of a float output stay on the host.

This step only reads the IR: it finds the ports, groups the ops into stages (each lists its
streamed inputs; a stream with several consumers is forked by the emitter), legalizes names
for Verilog, and chooses each engine's split of the P MAC units. Unsupported ops and types are
refused in one line naming the TFLite operator (`tqc.dialects.origin.refusal`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation, SSAValue

from tqc.dialects import tqi
from tqc.dialects.accessors import shape as dims
from tqc.dialects.element import ElementKind, kind_of
from tqc.dialects.origin import refusal
from tqc.dialects.traits import Engine
from tqc.errors import TqcError
from tqc.names import legal_identifier

# Total MAC units of the default design (a mid-size FPGA has a few hundred DSP slices).
DEFAULT_MAC_BUDGET = 256

# Element types the hardware streams (f32 tensors have no hardware; i64 streams carry the 16x8
# kernels' accumulators; i1 the comparisons' bools, one bit per element).
STREAMED = ("i8", "ui8", "i16", "i32", "i64", "i1")

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
    """The element kind of a streamed tensor (width `.bits`, `.signed`, `.range`); other
    element types are refused, naming the op that computes the tensor."""
    k = kind_of(v)
    if k.name in STREAMED:
        return k
    message = f"{k.name} tensors: no Verilog hardware"
    if isinstance(v.owner, Operation):
        raise refusal(v.owner, message)
    raise TqcError(f"tensor '{v.name_hint}': {message}")


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
class Port:
    """A stream port of the top module: `<name>_valid`, `<name>_ready`, `<name>_data`."""

    name: str  # "in" / "out" for a model's only input / output, else "in0", "out1", …
    value: SSAValue  # the streamed tensor: after a float input's QUANTIZE, before a float
    # output's DEQUANTIZE
    host: tqi.QuantizeOp | tqi.DequantizeOp | None = None  # the edge the host runs

    @property
    def kind(self) -> ElementKind:
        return hw_kind(self.value)


@dataclass
class Plan:
    name: str
    inputs: list[Port]  # in the model's input order
    outputs: list[Port]  # in the model's output order
    stages: list[Stage]
    parallel: int


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


def resize_ring_rows(h: int, lower: np.ndarray, upper: np.ndarray) -> int:
    """Extra rows of a resize engine's ring frame buffer (as `ring_rows` for the conv engines): the
    next image's first output row needs rows 0..upper[0], the walker reads from lower[oy]."""
    oh = len(lower)
    low = int(lower[max(0, oh - 1 - RING_MARGIN)])
    return min(h, max(0, int(upper[0]) + 1 - low))


def default_parallel(n_engines: int) -> int:
    """The largest power of two with n_engines · P within DEFAULT_MAC_BUDGET."""
    share = max(1, DEFAULT_MAC_BUDGET // max(1, n_engines))
    return 1 << math.floor(math.log2(share))


def prepare(module: ModuleOp, name: str, parallel: int | None, kinds: dict[type, str]) -> Plan:
    """Group the function's ops into stages; `kinds` maps each supported op type to "engine",
    "join", "elementwise", "wire", "const" or "host" (handlers.handler_kinds).

    A stage lists its streamed inputs (`Stage.inputs`, in operand order; values computed from
    constants only are not streamed: the handler reads them as parameters, except the operands
    of joins, which stream from a ROM through their chain, `streamed_constants`): a chain or an
    element-wise op takes one, a join all its operands (two, three for `tqi.select_nonneg`), a
    source (a streamed `tqi.const`) none, an engine at least one (its handler refuses what it
    does not build)."""
    fns = [op for op in module.ops if isinstance(op, func.FuncOp)]
    if len(fns) != 1:
        raise TqcError("verilog backend: expected one function")
    if parallel is not None and parallel < 1:
        raise TqcError(f"--parallel must be at least 1, got {parallel}")
    block = fns[0].body.block
    ret = block.last_op
    assert isinstance(ret, func.ReturnOp)
    ops = [op for op in block.ops if not isinstance(op, func.ReturnOp)]
    constant = constant_values(ops)
    params = constant - streamed_constants(ops, kinds, constant)  # not streamed
    inputs = input_ports(block)
    outputs = output_ports(ret, constant)
    host = {p.host for p in [*inputs, *outputs] if p.host is not None}
    users = stream_users(ops, ret, kinds, constant, params)
    groups: list[tuple[str, list[Operation], list[SSAValue]]] = []  # (kind, ops, inputs)
    producer: dict[SSAValue, int] = {}  # value → index of the group that ends with it
    for op in ops:
        if op in host or op.results and all(r in params for r in op.results):
            continue
        kind = kinds.get(type(op))
        if kind is None:
            raise refusal(op, "no Verilog hardware yet")
        if kind == "host":
            raise refusal(op, "QUANTIZE / DEQUANTIZE inside the graph: no Verilog hardware yet "
                          "(only a float input's QUANTIZE and a float output's DEQUANTIZE run "
                          "on the host)")
        if kind == "wire":
            continue
        if kind == "const":  # streamed: its source comes before its first consumer
            continue
        streamed = stream_operands(op, kinds, constant, params)
        check_arity(op, kind, len(streamed))
        for v in map(root, streamed):
            if isinstance(v.owner, tqi.ConstOp) and v not in producer:  # tqc_source
                groups.append(("source", [v.owner], []))
                producer[v] = len(groups) - 1
        source = streamed[0]
        if kind in ("engine", "join"):
            groups.append((kind, [op], streamed))
            producer[op.results[0]] = len(groups) - 1
        else:
            last = producer.get(source)  # extend the chain that ends with the operand
            if last is not None and groups[last][0] == "chain" and len(users[root(source)]) == 1:
                groups[last][1].append(op)
            else:
                groups.append(("chain", [op], [source]))
                last = len(groups) - 1
            producer[op.results[0]] = last

    for port in outputs:  # a constant output streams from its ROM (tqc_source)
        v = root(port.value)
        if v in constant and v not in producer:
            assert isinstance(v.owner, tqi.ConstOp)
            groups.append(("source", [v.owner], []))
            producer[v] = len(groups) - 1
    n_engines = sum(1 for kind, g, s in groups if kind == "engine" and is_mac(g[0]) and len(s) == 1)
    p = parallel if parallel is not None else default_parallel(n_engines)
    stages = []
    for i, (kind, group, sources) in enumerate(groups):
        prefix = stage_prefix(kind, group[0])
        stage = Stage(kind, group, sources, group[-1].results[0], f"{prefix}{i}")
        if kind == "engine":  # a MAC engine with streamed weights (tqc_matmul) has one unit
            stage.split = engine_split(group[0], p) if len(sources) == 1 else Split(1, 1)
        stages.append(stage)
    return Plan(verilog_identifier(name), inputs, outputs, stages, p)


def check_arity(op: Operation, kind: str, streamed: int) -> None:
    """Refuse an op whose count of results or streamed operands its stage kind cannot take."""
    if len(op.results) != 1:
        raise refusal(op, f"{len(op.results)} results: no Verilog hardware yet")
    if kind == "join" and streamed != len(op.operands):
        raise refusal(op, "a constant operand: no Verilog hardware yet")
    if kind == "elementwise" and streamed != 1:
        raise refusal(op, f"{streamed} streamed operands: no Verilog hardware yet")


def port_names(prefix: str, n: int) -> list[str]:
    """`in` / `out` for a single port, else `in0`, `in1`, … in the model's order."""
    return [prefix] if n == 1 else [f"{prefix}{i}" for i in range(n)]


def constant_values(ops: list[Operation]) -> set[SSAValue]:
    """Values computed from constants only (no hardware streams them: a constant operand's
    widening cast, e.g.)."""
    constant: set[SSAValue] = set()
    for op in ops:
        if isinstance(op, tqi.ConstOp) or op.operands and all(v in constant
                                                              for v in op.operands):
            constant.update(op.results)
    return constant


def streamed_constants(ops: list[Operation], kinds: dict[type, str],
                       constant: set[SSAValue]) -> set[SSAValue]:
    """The values computed from constants only that the hardware streams nevertheless: the
    constant operands of joins (binary ops, `tqi.select_nonneg`) and, back to each
    `tqi.const`, the values they are computed from. The constant streams from a ROM
    (`tqc_source`, a stage of kind "source") through the same rescaling chain (element-wise
    ops, joins, RESHAPE) as in the IR; other ops on constants have no such hardware and are
    refused when a join needs their result."""
    streamed: set[SSAValue] = set()
    for op in reversed(ops):
        if op.results and all(r in constant for r in op.results):
            if not any(r in streamed for r in op.results) or isinstance(op, tqi.ConstOp):
                continue
            if kinds.get(type(op)) not in ("elementwise", "join", "wire"):
                raise refusal(op, "computed from constants only for a join: no Verilog "
                              "hardware yet (only element-wise ops stream a constant)")
        elif kinds.get(type(op)) != "join":
            continue
        streamed.update(v for v in op.operands if v in constant)
    return streamed


def input_ports(block: Block) -> list[Port]:
    """One port per model input: the tensor itself, or the result of the float input's one
    QUANTIZE (run on the host)."""
    ports = []
    for arg, port in zip(block.args, port_names("in", len(block.args))):
        label = f"input {arg.index} '{arg.name_hint or port}'"
        if is_streamed(arg):
            ports.append(Port(port, arg))
            continue
        uses = [u.operation for u in arg.uses]
        quantize = uses[0] if len(uses) == 1 else None
        if not isinstance(quantize, tqi.QuantizeOp):
            raise TqcError(f"{label}: {kind_of(arg).name} input: no Verilog hardware (a float "
                           "input must feed exactly one QUANTIZE, which runs on the host)")
        ports.append(Port(port, quantize.output, quantize))
    for port in ports:
        hw_kind(port.value)
    return ports


def output_ports(ret: func.ReturnOp, constant: set[SSAValue]) -> list[Port]:
    """One port per model output: the tensor itself, or the operand of a float output's
    DEQUANTIZE (run on the host; its result may only be returned)."""
    ports = []
    for i, (v, port) in enumerate(zip(ret.operands, port_names("out", len(ret.operands)))):
        label = f"output {i} '{v.name_hint or port}'"
        if v in constant and not isinstance(root(v).owner, tqi.ConstOp):
            raise TqcError(f"{label} is computed from constants: no Verilog hardware yet "
                           "(a constant output streams from a ROM)")
        dequantize = v.owner
        if isinstance(dequantize, tqi.DequantizeOp):
            if any(u.operation is not ret for u in v.uses):
                raise refusal(dequantize, "DEQUANTIZE inside the graph: no Verilog hardware yet")
            ports.append(Port(port, dequantize.input, dequantize))
        elif is_streamed(v):
            ports.append(Port(port, v))
        else:
            raise TqcError(f"{label}: {kind_of(v).name} output: no Verilog hardware")
    for port in ports:
        hw_kind(port.value)
    return ports


def stage_prefix(kind: str, first: Operation) -> str:
    """The start of a stage's instance names: the engine's prefix, "join", "const" (a
    constant's source) or "ew" (a chain)."""
    if kind == "join":
        return "join"
    if kind == "source":
        return "const"
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


def stream_operands(op: Operation, kinds: dict[type, str], constant: set[SSAValue],
                    params: set[SSAValue]) -> list[SSAValue]:
    """The operands `op` takes as streams: those not computed from constants only, and for a
    join or an op of a streamed constant's chain (`streamed_constants`) every operand that is
    not a parameter."""
    if kinds.get(type(op)) == "join" or any(r in constant for r in op.results):
        return [v for v in op.operands if v not in params]
    return [v for v in op.operands if v not in constant]


def stream_users(ops: list[Operation], ret: func.ReturnOp, kinds: dict[type, str],
                 constant: set[SSAValue], params: set[SSAValue]) -> dict[SSAValue, list[Operation]]:
    """Consumers of each stream (by root value): ops other than constants, RESHAPE and the
    ops computed from parameters only, and the return (once per output)."""
    users: dict[SSAValue, list[Operation]] = {}
    for op in [*ops, ret]:
        if isinstance(op, (tqi.ConstOp, tqi.ReshapeOp)):
            continue
        if op.results and all(r in params for r in op.results):
            continue
        for v in stream_operands(op, kinds, constant, params):
            users.setdefault(root(v), []).append(op)
    return users
