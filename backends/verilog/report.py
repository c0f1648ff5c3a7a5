"""Compile-time estimates of a plan: resources and cycles per inference.

Engine timing (templates/*.v): a convolution / FULLY_CONNECTED engine spends NK issue cycles per
group of PU output channels, and a group's PU results shift out one per cycle, so a group costs
max(NK, PU) cycles; a pixel has NG groups. Pooling reads one tap per cycle and divides in DVW
cycles; softmax reads each row three times (load, sum, output) plus ~10 cycles of reciprocal.
Each chain step adds one register. Engines start a pixel row as soon as its input rows are in,
so the first sample's latency is at most the serial sum (reported); back-to-back samples
overlap layers, so the interval is about the slowest layer's max(load, compute).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tqc.backends.verilog.prepare import MAC_OPS, Plan, Stage, array_ints, bits, dims
from tqc.dialects import tqi


@dataclass
class Estimate:
    macs: int  # multiply-accumulates per inference
    mac_units: int
    requant_multipliers: int
    rom_bits: int
    buffer_bits: int
    latency: int  # serial upper bound for the first sample
    interval: int  # back-to-back, the slowest layer
    ideal_latency: int  # Σ ceil(MACs_l / P_l)
    ideal_interval: int  # max ceil(MACs_l / P_l)


def _elements(shape: tuple[int, ...]) -> int:
    return math.prod(shape) if shape else 1


def conv_numbers(stage: Stage) -> tuple[int, int, int, int, int]:
    """(MACs, compute cycles, ROM bits, buffer bits, input elements) of a MAC engine."""
    op = stage.ops[0]
    assert isinstance(op, (tqi.FullyConnectedOp, tqi.ConvLikeOp)) and stage.split is not None
    pu, pk = stage.split.pu, stage.split.pk
    in_shape, out_shape = dims(op.input), dims(op.output)
    filt = dims(op.filter)
    out_ch = out_shape[-1]
    pixels = _elements(out_shape[:-1])
    if isinstance(op, tqi.FullyConnectedOp):
        taps, channels = 1, filt[1]
    elif isinstance(op, tqi.DepthwiseConv2DOp):
        taps, channels = filt[1] * filt[2], 1
    else:
        taps, channels = filt[1] * filt[2], filt[3]
    macs = pixels * out_ch * taps * channels
    ng = -(-out_ch // pu)
    nk = taps * -(-channels // pk)
    compute = pixels * ng * max(nk, pu) + 5
    words = ng * nk
    rom = words * (pu if isinstance(op, tqi.DepthwiseConv2DOp) else pu * pk) * 8
    rom += ng * pu * 32 if op.bias is not None else 0
    return macs, compute, rom, _elements(in_shape) * bits(op.input)[0], _elements(in_shape)


def other_cycles(stage: Stage) -> tuple[int, int]:
    """(compute cycles, buffer bits) of a pooling or softmax engine."""
    op = stage.ops[0]
    if not isinstance(op, (tqi.SoftmaxOp, tqi.WindowOp)):
        return _elements(dims(op.results[0])), 0
    shape = dims(op.input)
    if isinstance(op, tqi.SoftmaxOp):
        n = shape[-1]
        rows = _elements(shape[:-1])
        return rows * (2 * n + 20), n * 8
    kh, kw = array_ints(op.filter_size)
    return _elements(dims(op.output)) * (kh * kw + 40), _elements(shape) * bits(op.input)[0]


def estimate(plan: Plan) -> Estimate:
    macs = mac_units = mults = rom = buf = ideal_lat = ideal_int = 0
    latency = _elements(dims(plan.input))
    interval = latency
    for stage in plan.stages:
        if stage.kind == "chain":
            wide = sum(1 for op in stage.ops if isinstance(op, (tqi.MulHighOp, tqi.MulShiftRoundOp)))
            latency += sum(1 for op in stage.ops if not isinstance(op, tqi.CastOp)) + wide
            mults += wide
            continue
        op = stage.ops[0]
        if stage.kind == "join":
            latency += 1
            continue
        load = _elements(dims(stage.input))
        if isinstance(op, MAC_OPS):
            assert stage.split is not None
            m, compute, r, b, load = conv_numbers(stage)
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
        latency += compute
        interval = max(interval, load + compute)
    return Estimate(macs, mac_units, mults, rom, buf, latency, interval, ideal_lat, ideal_int)


def report_lines(plan: Plan) -> list[str]:
    est = estimate(plan)
    engines = [s for s in plan.stages if s.kind == "engine" and isinstance(s.ops[0], MAC_OPS)]
    layers = ", ".join(f"{s.name} {s.split.pu}x{s.split.pk}" for s in engines if s.split)
    return [
        f"verilog: {plan.parallel} MAC units per layer (output x input lanes: {layers or 'none'})",
        f"estimated resources: {est.mac_units} MAC multipliers, {est.requant_multipliers} "
        f"requantize multipliers (32x32), weight ROM {est.rom_bits / 1024:.1f} kbit, "
        f"frame buffers {est.buffer_bits / 1024:.1f} kbit",
        f"estimated cycles per inference: latency <= {est.latency} (ideal sum of "
        f"ceil(MACs/P) per layer: {est.ideal_latency}), back-to-back interval ~{est.interval} "
        f"(ideal slowest layer: {est.ideal_interval}); {est.macs} MACs",
    ]
