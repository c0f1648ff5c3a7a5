"""Compile-time estimates of a plan: resources and cycles per inference.

Engine timing (templates/tqc_fc.v): a row loads K elements (one per beat), then NG groups of
NK issue cycles each; a group's PU results shift out one per cycle, so a group takes
max(NK, PU) cycles when the output is the bottleneck; 4 cycles of pipeline, and each chain
step adds one register. The first sample's latency sums the layers (a layer starts once its
last input arrived); back-to-back samples overlap layers, so the interval is the slowest layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tqc.backends.verilog.prepare import MAC_OPS, Plan, bits, const_array, dims
from tqc.dialects import tqi


@dataclass
class Estimate:
    macs: int  # multiply-accumulates per inference
    mac_units: int
    requant_multipliers: int
    rom_bits: int
    buffer_bits: int
    latency: int
    interval: int

    @property
    def ideal(self) -> int:
        """ceil(MACs / P) with P the total MAC units."""
        return math.ceil(self.macs / max(1, self.mac_units))


def estimate(plan: Plan) -> Estimate:
    macs = mac_units = mults = rom = buf = 0
    latency = math.prod(dims(plan.input)[1:]) if dims(plan.input) else 1
    interval = latency
    for stage in plan.stages:
        if stage.kind == "chain":
            steps = sum(1 for op in stage.ops if not isinstance(op, tqi.CastOp))
            steps += sum(1 for op in stage.ops if isinstance(op, (tqi.MulHighOp, tqi.MulShiftRoundOp)))
            mults += sum(1 for op in stage.ops if isinstance(op, (tqi.MulHighOp, tqi.MulShiftRoundOp)))
            latency += steps
            continue
        op = stage.ops[0]
        assert stage.split is not None
        if not isinstance(op, tqi.FullyConnectedOp):
            continue
        w = const_array(op.filter)
        assert w is not None
        units, depth = w.shape
        rows = math.prod(dims(op.input)[:-1])
        pu, pk = stage.split.pu, stage.split.pk
        ng, nk = -(-units // pu), -(-depth // pk)
        last = units - (ng - 1) * pu
        per_row = (ng - 1) * max(nk, pu) + nk + 4 + last
        macs += rows * units * depth
        mac_units += pu * pk
        rom += ng * nk * pu * pk * 8 + (ng * pu * 32 if op.bias is not None else 0)
        buf += nk * pk * bits(op.input)[0]
        latency += rows * per_row + (rows - 1) * depth
        interval = max(interval, rows * (depth + per_row))
    return Estimate(macs, mac_units, mults, rom, buf, latency, interval)


def report_lines(plan: Plan) -> list[str]:
    est = estimate(plan)
    engines = [s for s in plan.stages if s.kind == "engine"]
    layers = ", ".join(f"{s.name} {s.split.pu}x{s.split.pk}" for s in engines
                       if s.split and isinstance(s.ops[0], MAC_OPS))
    return [
        f"verilog: {plan.parallel} MAC units per layer (unit lanes x input lanes: {layers or 'none'})",
        f"estimated resources: {est.mac_units} MAC multipliers, {est.requant_multipliers} "
        f"requantize multipliers (32x32), weight ROM {est.rom_bits / 1024:.1f} kbit, "
        f"buffers {est.buffer_bits / 1024:.1f} kbit",
        f"estimated cycles per inference: latency {est.latency}, back-to-back interval "
        f"{est.interval}; {est.macs} MACs, ideal ceil(MACs/P) = {est.ideal}",
    ]
