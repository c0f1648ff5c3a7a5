"""How many elements each stream of a plan moves per beat (its *lanes*).

One element per beat makes a layer whose MAC cycles fall below its tensor's elements
stream-bound: a 16-output FULLY_CONNECTED with 64 MAC units computes a row in one cycle but
needs 16 beats to hand it on. Wider streams lift that bound where it binds, and only there,
since every lane of a requantize chain costs its own multipliers.

Lane i of a beat holds element e0 + i of the row-major stream, e0 a multiple of the lanes, so
the lanes of a stream divide the last axis of every view of it (the channel counters step by
the lanes). A stream only narrows on its way (`tqc_lanes`, LI -> LO with LO dividing LI):

- *capability*: a MAC engine's output lanes LO are the fewest (dividing PU and O) with which a
  group's PU results leave within its NK issue cycles, so a group costs max(NK, PU / LO) = NK;
  pooling, softmax, the design's input ports, constant sources and broadcasting joins give 1;
  chains and other joins pass their input's lanes on.
- *demand*: the most lanes any consumer of a stream takes: a MAC engine's frame buffer writes
  up to gcd(NB, C) elements per beat (one word of as many banks), so its input never costs more
  beats than its issue cycles; pooling, softmax and the design's output ports take 1; a chain or join
  takes what its own output is demanded.
- lanes = gcd(capability, demand, channels); a consumer takes gcd(lanes, what it can take).
"""

from __future__ import annotations

import math

from xdsl.ir import SSAValue

from tqc.backends.verilog.prepare import Plan, Stage, is_mac, root
from tqc.backends.verilog.report import steps
from tqc.dialects import tqi
from tqc.dialects.accessors import shape as dims


def _channels(v: SSAValue) -> int:
    shape = dims(v)
    return shape[-1] if shape else 1


def banks(stage: Stage) -> int:
    """Frame buffer banks NB of a MAC engine (conv: PK; depthwise: PU / M)."""
    op = stage.ops[0]
    assert stage.split is not None
    if isinstance(op, tqi.DepthwiseConv2DOp):
        return stage.split.pu // (_channels(op.output) // _channels(op.input))
    return stage.split.pk


def output_capability(stage: Stage) -> int:
    """Lanes an engine's results can leave with: the fewest that keep up with its issue."""
    if not is_mac(stage.ops[0]):
        return 1
    assert stage.split is not None
    pu, nk = stage.split.pu, steps(stage)[2]
    g = math.gcd(pu, _channels(stage.output))
    return min(d for d in range(1, g + 1) if g % d == 0 and (pu // d <= nk or d == g))


def input_capability(stage: Stage) -> int:
    """Most elements per beat an engine's frame buffer takes (1 for pooling and softmax)."""
    if not is_mac(stage.ops[0]):
        return 1
    return math.gcd(banks(stage), _channels(stage.input))


def broadcasts(stage: Stage) -> bool:
    """A join with an operand of another shape than its result (templates/tqc_bcast.v)."""
    return stage.kind == "join" and any(dims(v) != dims(stage.output) for v in stage.inputs)


def assign_lanes(plan: Plan) -> None:
    """Set every stage's `in_lanes` (at which it takes its inputs) and `out_lanes`."""
    demand: dict[SSAValue, int] = {root(p.value): 1 for p in plan.outputs}
    for stage in reversed(plan.stages):
        want = (demand.get(root(stage.output), 1) if stage.kind in ("chain", "join")
                else input_capability(stage))
        for v in stage.inputs:
            demand[root(v)] = max(demand.get(root(v), 1), want)
    lanes: dict[SSAValue, int] = {root(p.value): 1 for p in plan.inputs}
    for stage in plan.stages:
        have = math.gcd(*(lanes[root(v)] for v in stage.inputs))
        out = root(stage.output)
        if stage.kind == "source" or broadcasts(stage):  # tqc_source, tqc_bcast: one lane
            stage.in_lanes = stage.out_lanes = 1
        elif stage.kind == "engine":
            stage.in_lanes = math.gcd(have, input_capability(stage))
            stage.out_lanes = math.gcd(output_capability(stage), demand.get(out, 1))
        else:
            channels = math.gcd(*(_channels(v) for v in [*stage.inputs, stage.output]))
            stage.out_lanes = stage.in_lanes = math.gcd(have, demand.get(out, 1), channels)
        lanes[out] = stage.out_lanes
