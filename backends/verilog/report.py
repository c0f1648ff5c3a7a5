"""Compile-time estimates of a plan: resources and cycles per inference.

Engine timing (templates/*.v): a matrix product of two streams (tqc_matmul) loads both
operands, then spends one cycle per multiply-accumulate (ROWS·UNITS·K) while the next pair
loads; a convolution / FULLY_CONNECTED engine spends NK issue cycles per
group of PU output channels, and a group's PU results shift out LO per cycle (its output lanes,
backends/verilog/lanes.py), so a group costs max(NK, PU / LO) cycles (the last group's results
drain after it); a pixel has NG groups. Pooling
reads one tap per cycle while the previous window divides (DVW cycles), so an output costs
max(taps, DVW + 1); softmax reads each row three times (load, sum, output) plus ~10 cycles of
reciprocal; log-softmax likewise, with ~26 cycles of logarithm; L2 normalization loads a row (summing
squares), takes ~27 cycles of 1/sqrt, then writes it; a sum takes its whole input, then drains its M accumulators (M + 2 cycles). Each chain
step adds one register. A floor divider (tqc_floordiv) takes a beat every N + 1 cycles (N = 8
or 16 iterations, one load), the DIV datapath (tqc_divide) every 10 (one load, nine multiply
steps).

- `latency`: the serial upper bound of the first sample (every layer waits for all of its
  input); `overlap_latency`: the estimate with a layer starting an output row as soon as the
  input rows it needs are in (elements of a stream arriving evenly between its first and last).
- `interval`: back to back, the engines' frame buffers are rings (the next image loads while
  this one is walked), so the slowest stage sets the pace: max over layers of max(compute,
  beats in, beats out) — a stream moves its lanes' elements per beat, each port one element;
  softmax loads a row while it does nothing else. Several ports stream in parallel: the
  first sample's estimates start when every input port starts and end with its last output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from xdsl.ir import Operation

from tqc.backends.verilog.emit_divide import CYCLES_PER_BEAT as DIVIDE_CYCLES
from tqc.backends.verilog.emit_floordiv import OPS as FLOOR_DIVIDERS
from tqc.backends.verilog.emit_floordiv import cycles_per_beat as floor_div_cycles
from tqc.backends.verilog.emit_pool import divider_width
from tqc.backends.verilog.gather_map import MAPS, gather_map
from tqc.backends.verilog.prepare import Plan, Stage, hw_kind, is_mac, ring_rows, root
from tqc.dialects import tqi
from tqc.dialects.accessors import ints
from tqc.dialects.accessors import shape as dims


@dataclass
class Estimate:
    macs: int  # multiply-accumulates per inference
    mac_units: int
    requant_multipliers: int  # 32x32 (doubling high multiply, single-rounding multiply)
    requant_multipliers_53: int  # 32x53 (legacy uint8 FULLY_CONNECTED's mul_round_double)
    rom_bits: int
    buffer_bits: int
    latency: int  # serial upper bound for the first sample
    interval: int  # back-to-back, the slowest stage
    ideal_latency: int  # Σ ceil(MACs_l / P_l)
    ideal_interval: int  # max ceil(MACs_l / P_l)
    overlap_latency: int = 0  # first sample, layers overlapping row by row


@dataclass
class Rows:
    """An engine's view of its input and output as rows (FULLY_CONNECTED: rows x 1 pixels;
    softmax: one row per softmax row)."""

    h: int
    oh: int
    kh: int = 1
    sh: int = 1
    dh: int = 1
    pt: int = 0
    row_elements: int = 1  # input elements per row

    def need(self, oy: int) -> int:
        """The last input row output row oy reads."""
        return min(self.h - 1, oy * self.sh - self.pt + (self.kh - 1) * self.dh)


def _elements(shape: tuple[int, ...]) -> int:
    return math.prod(shape) if shape else 1


def engine_rows(stage: Stage) -> Rows:
    op = stage.ops[0]
    shape = dims(stage.input)
    if isinstance(op, tqi.FullyConnectedOp):
        rows = _elements(shape[:-1])
        return Rows(rows, rows, row_elements=shape[-1])
    if isinstance(op, (tqi.SoftmaxOp, tqi.SoftmaxLutOp, tqi.LogSoftmaxOp, tqi.L2NormOp)):
        rows = _elements(shape[:-1])
        return Rows(rows, rows, row_elements=shape[-1])
    if isinstance(op, tqi.ResizeBilinearOp):  # output row oy reads input rows up to ~oy·h/oh + 1
        _, h, w, c = shape
        oh = dims(op.output)[1]
        return Rows(h, oh, 2, max(1, h // oh), row_elements=w * c)
    if isinstance(op, tqi.ArgMaxOp):  # rows of the reduced axis
        rows = _elements(dims(op.output))
        return Rows(rows, rows, row_elements=_elements(shape) // rows)
    if isinstance(op, tqi.SumOp):  # every output waits for the whole input
        return Rows(1, 1, row_elements=_elements(shape))
    assert isinstance(op, (tqi.ConvLikeOp, tqi.WindowOp))
    _, h, w, c = shape
    oh = dims(op.results[0])[1]
    if isinstance(op, tqi.WindowOp):
        kh, dh = ints(op.filter_size)[0], 1
    else:
        kh, dh = dims(op.filter)[1], ints(op.dilation)[0]
    return Rows(h, oh, kh, ints(op.stride)[0], dh, ints(op.pad)[0], w * c)


def extra_rows(stage: Stage) -> int:
    """Extra rows of the engine's ring frame buffer (as the emitters choose them)."""
    if isinstance(stage.ops[0], (tqi.SoftmaxOp, tqi.SoftmaxLutOp, tqi.LogSoftmaxOp, tqi.L2NormOp,
                                 tqi.SumOp, tqi.ArgMaxOp)):
        return 0
    r = engine_rows(stage)
    return ring_rows(r.h, r.oh, r.kh, r.sh, r.dh, r.pt)


def steps(stage: Stage) -> tuple[int, int, int]:
    """(MACs, groups NG, steps per group NK) of a MAC engine."""
    op = stage.ops[0]
    assert isinstance(op, (tqi.FullyConnectedOp, tqi.ConvLikeOp)) and stage.split is not None
    filt, out_shape = dims(op.filter), dims(op.output)
    if isinstance(op, tqi.FullyConnectedOp):
        taps, channels = 1, filt[1]
    elif isinstance(op, tqi.DepthwiseConv2DOp):
        taps, channels = filt[1] * filt[2], 1
    else:
        taps, channels = filt[1] * filt[2], filt[3]
    macs = _elements(out_shape) * taps * channels
    return macs, -(-out_shape[-1] // stage.split.pu), taps * -(-channels // stage.split.pk)


def conv_numbers(stage: Stage) -> tuple[int, int, int, int, int]:
    """(MACs, compute cycles, ROM bits, buffer bits, input elements) of a MAC engine."""
    op = stage.ops[0]
    assert isinstance(op, (tqi.FullyConnectedOp, tqi.ConvLikeOp)) and stage.split is not None
    pu, pk = stage.split.pu, stage.split.pk
    macs, ng, nk = steps(stage)
    compute = _elements(dims(op.output)[:-1]) * ng * max(nk, pu // stage.out_lanes) + 5
    rom = ng * nk * (pu if isinstance(op, tqi.DepthwiseConv2DOp) else pu * pk) * 8
    rom += ng * pu * hw_kind(op.output).bits if op.bias is not None else 0
    r = engine_rows(stage)
    buffer = (r.h + extra_rows(stage)) * r.row_elements * hw_kind(op.input).bits
    return macs, compute, rom, buffer, -(-_elements(dims(op.input)) // stage.in_lanes)


def other_cycles(stage: Stage) -> tuple[int, int]:
    """(compute cycles, buffer bits) of a pooling, softmax or sum engine."""
    op = stage.ops[0]
    if isinstance(op, tqi.SumOp):  # drains its M int32 accumulators after the input
        outputs = _elements(dims(op.output))
        return outputs + 2, outputs * 32
    if isinstance(op, tqi.ResizeBilinearOp):  # four taps per output; the ring frame buffer
        r = engine_rows(stage)
        return _elements(dims(op.output)) * 4 + 8, (r.h + extra_rows(stage)) * r.row_elements * 16
    if isinstance(op, tqi.SoftmaxLutOp):  # pass 1: 4 cycles per element; row and exp buffers
        n = dims(op.input)[-1]
        return _elements(dims(op.input)[:-1]) * (5 * n + 2), 2 * n * 16
    if isinstance(op, tqi.LogSoftmaxOp):  # load, sum, 26 steps of logarithm, output
        n = dims(op.input)[-1]
        return _elements(dims(op.input)[:-1]) * (2 * n + 32), n * 8
    if isinstance(op, tqi.L2NormOp):  # load (summing squares), 27 steps of 1/sqrt, output
        n = dims(op.input)[-1]
        return _elements(dims(op.input)[:-1]) * (n + 32), n * 8
    if not isinstance(op, (tqi.SoftmaxOp, tqi.WindowOp)):
        return _elements(dims(op.results[0])), 0
    shape = dims(op.input)
    if isinstance(op, tqi.SoftmaxOp):
        n = shape[-1]
        rows = _elements(shape[:-1])
        return rows * (2 * n + 20), n * 8
    kh, kw = ints(op.filter_size)
    xw = hw_kind(op.input).bits
    per_output = kh * kw if isinstance(op, tqi.MaxPoolOp) else max(kh * kw,
                                                                  divider_width(kh * kw, xw) + 1)
    r = engine_rows(stage)
    buffer = (r.h + extra_rows(stage)) * r.row_elements * xw
    return _elements(dims(op.output)) * per_output + 8, buffer


def gather_numbers(stage: Stage) -> tuple[int, int, int, int]:
    """(compute cycles, buffer bits, ROM bits, input beats) of a gather engine
    (backends/verilog/emit_gather.py): one output per cycle once its inputs are whole, plus 3
    pipeline registers; each streamed operand double buffered, constants in ROMs; the streamed
    operands load in parallel."""
    m = gather_map(stage.ops[0])
    w = hw_kind(stage.output).bits
    streamed = [s.elements for s in m.sources if s.data is None]
    rom = sum(s.elements for s in m.sources if s.data is not None) * w
    return _elements(m.shape) + 3, 2 * sum(streamed) * w, rom, max(streamed, default=0)


def streams_weights(stage: Stage) -> bool:
    """A MAC engine whose weights are a stream (templates/tqc_matmul.v)."""
    return stage.kind == "engine" and is_mac(stage.ops[0]) and len(stage.inputs) > 1


def matmul_numbers(stage: Stage) -> tuple[int, int, int, int, int]:
    """(MACs, compute cycles, ROM bits, buffer bits, input beats) of a matrix product of two
    streams (backends/verilog/emit_matmul.py): both operands double buffered and loaded in
    parallel, then one multiply-accumulate per cycle and 2 pipeline registers."""
    op = stage.ops[0]
    assert isinstance(op, tqi.FullyConnectedOp)
    units, depth = dims(op.filter)
    x, w = _elements(dims(op.input)), units * depth
    macs = x * units
    rom = units * hw_kind(op.output).bits if op.bias is not None else 0
    buffer = 2 * (x * hw_kind(op.input).bits + w * hw_kind(op.filter).bits)
    return macs, macs + 2, rom, buffer, max(x, w)


def _overlapped(stage: Stage, start: float, end: float, compute: int) -> tuple[float, float]:
    """(first, last) output time of an engine whose input elements arrive evenly from `start`
    to `end`: output row oy starts once input row need(oy) is in and the previous row is done."""
    r = engine_rows(stage)
    per_row = compute / r.oh
    done = 0.0
    first = None
    for oy in range(r.oh):
        ready = start + (end - start) * (r.need(oy) + 1) / r.h
        if first is None:
            first = ready
        done = max(done, ready) + per_row
    assert first is not None
    return first + per_row / max(1, _elements(dims(stage.output)) // r.oh), done


def divider_cycles(op: Operation) -> int | None:
    """Cycles per beat of a multi-cycle join (tqc_floordiv, tqc_divide), None for others."""
    if isinstance(op, tqi.DivideOp):
        return DIVIDE_CYCLES
    if type(op) in FLOOR_DIVIDERS:
        return floor_div_cycles(op)
    return None


def estimate(plan: Plan) -> Estimate:
    macs = mac_units = mults = mults53 = rom = buf = ideal_lat = ideal_int = 0
    loads = [_elements(dims(p.value)) for p in plan.inputs]
    latency = max(loads, default=0)  # the input ports load in parallel
    interval = max([latency, *(_elements(dims(p.value)) for p in plan.outputs)])
    arrival: dict[object, tuple[float, float]] = {
        root(p.value): (0.0, float(n)) for p, n in zip(plan.inputs, loads)}
    for stage in plan.stages:
        if stage.kind == "source":  # a constant, ready at any time
            arrival[root(stage.output)] = (0.0, 0.0)
            continue
        start = max(arrival[root(v)][0] for v in stage.inputs)
        end = max(arrival[root(v)][1] for v in stage.inputs)
        elements = _elements(dims(stage.output))
        interval = max(interval, -(-elements // stage.out_lanes))
        if stage.kind != "engine":
            if stage.kind == "chain":
                wide = sum(1 for op in stage.ops if isinstance(
                    op, (tqi.MulHighOp, tqi.MulShiftRoundOp, tqi.MulShiftRound64Op,
                         tqi.MulRoundDoubleOp)))
                three = sum(1 for op in stage.ops if isinstance(op, tqi.MulRoundDoubleOp))  # 3 steps
                depth = sum(1 for op in stage.ops if not isinstance(op, tqi.CastOp)) + wide + three
                mults += (wide - three) * stage.in_lanes  # one copy per lane
                mults53 += three * stage.in_lanes
            elif (per := divider_cycles(stage.ops[0])) is not None:  # a beat every `per`
                if isinstance(stage.ops[0], tqi.DivideOp):
                    mults += stage.in_lanes  # one 32 x 32 multiplier per lane
                beats = -(-elements // stage.out_lanes)
                interval = max(interval, beats * per)
                latency += beats * per + 1
                arrival[root(stage.output)] = (start + per + 1,
                                               max(end, start + (beats - 1) * per) + per + 1)
                continue
            else:
                depth = 1
            latency += depth
            arrival[root(stage.output)] = (start + depth, end + depth)
            continue
        op = stage.ops[0]
        load = _elements(dims(stage.input))
        if type(op) in MAPS:  # a gather starts once its inputs are whole
            compute, b, r, load = gather_numbers(stage)
            buf += b
            rom += r
            latency += compute
            interval = max(interval, compute, load)
            arrival[root(stage.output)] = (end + 3, end + compute)
            continue
        if streams_weights(stage):  # starts once both operands are whole
            m, compute, r, b, load = matmul_numbers(stage)
            macs += m
            mac_units += 1
            rom += r
            buf += b
            ideal_lat += m
            ideal_int = max(ideal_int, m)
            latency += compute
            interval = max(interval, compute, load)
            arrival[root(stage.output)] = (end + 2, end + compute)
            continue
        if is_mac(op):
            assert stage.split is not None
            m, compute, r, b, load = conv_numbers(stage)
            pace = max(compute - 5, load)  # back to back, the pipeline registers overlap
            compute += min(steps(stage)[2], stage.split.pu // stage.out_lanes)  # last group drains
            p = stage.split.pu * stage.split.pk
            macs += m
            mac_units += p
            rom += r
            buf += b
            ideal_lat += -(-m // p)
            ideal_int = max(ideal_int, -(-m // p))
        else:
            compute, b = other_cycles(stage)
            buf += b
            serial = isinstance(op, (tqi.SoftmaxOp, tqi.SoftmaxLutOp, tqi.LogSoftmaxOp, tqi.L2NormOp,
                                     tqi.SumOp))  # no loading while it drains
            pace = compute + load if serial else max(compute, load)
        latency += compute
        interval = max(interval, pace)
        arrival[root(stage.output)] = _overlapped(stage, start, end, compute)
    overlap = math.ceil(max(arrival[root(p.value)][1] for p in plan.outputs))
    return Estimate(macs, mac_units, mults, mults53, rom, buf, latency, interval, ideal_lat,
                    ideal_int, overlap)


def report_lines(plan: Plan) -> list[str]:
    est = estimate(plan)
    engines = [s for s in plan.stages if s.kind == "engine" and is_mac(s.ops[0])]
    layers = ", ".join(f"{s.name} {s.split.pu}x{s.split.pk}" for s in engines if s.split)
    wide = f" and {est.requant_multipliers_53} (32x53)" if est.requant_multipliers_53 else ""
    return [
        f"verilog: {plan.parallel} MAC units per layer (output x input lanes: {layers or 'none'})",
        (f"estimated resources: {est.mac_units} MAC multipliers, {est.requant_multipliers} "
         f"requantize multipliers (32x32){wide}, weight ROM {est.rom_bits / 1024:.1f} kbit, "
         f"frame buffers {est.buffer_bits / 1024:.1f} kbit"),
        (f"estimated cycles per inference: latency <= {est.latency} (ideal sum of "
         f"ceil(MACs/P) per layer: {est.ideal_latency}), ~{est.overlap_latency} with layers "
         f"overlapping row by row; back-to-back interval ~{est.interval} (ideal slowest layer: "
         f"{est.ideal_interval}); {est.macs} MACs"),
    ]
