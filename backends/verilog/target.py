"""The Verilog target: synthesizable Verilog-2001, ROM files, a self-checking testbench and
yosys scripts (`emit`); simulation of the design on given inputs (`run`).

Top module `<name>`: clk, rst (synchronous, active high), and one valid/ready/data stream port
per model input and output: in_valid/in_ready/in_data and out_valid/out_ready/out_data for a
model's only input / output, else in0_*, in1_*, … and out0_*, … in the model's order; one
element per beat in row-major order, W bits per element of the quantized tensors. A float
input's QUANTIZE and a float output's DEQUANTIZE run on the host. A design with a run-time check
(the zero divisor of DIV int16, FLOOR_DIV, FLOOR_MOD) has one more output, `err` (sticky until rst): the
reference fails that invocation, and `run` raises as the C target does on its status 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue

from tqc.backends.numpy.printer import print_numpy
from tqc.backends.numpy.target import import_source
from tqc.backends.verilog import sim, synth
from tqc.backends.verilog.handlers import emit_verilog, handler_kinds
from tqc.backends.verilog.lanes import assign_lanes
from tqc.backends.verilog.prepare import Plan, Port, prepare
from tqc.backends.verilog.report import estimate, report_lines
from tqc.backends.verilog.testbench import (
    TbPort,
    hex_lines,
    parse_hex,
    testbench,
    vector_file,
)
from tqc.dialects import tqi
from tqc.dialects.accessors import float_value, int_value
from tqc.dialects.accessors import shape as dims
from tqc.errors import TqcError
from tqc.samples import sample_shape
from tqc.semantics.quantize import dequantize, quantize
from tqc.targets import Artifact, RunResult, TargetOptions

TB_SAMPLES = 4


@dataclass
class Design:
    plan: Plan
    files: dict[str, str]
    sources: list[str]  # design Verilog files, top first
    report: list[str]

    @property
    def name(self) -> str:
        return self.plan.name

    @property
    def tb(self) -> str:
        return f"{self.name}_tb"

    def sim_files(self) -> dict[str, str]:
        """What the simulator needs: Verilog, includes, ROM files (not the vectors)."""
        return {k: v for k, v in self.files.items()
                if k.endswith((".v", ".vh")) or (k.endswith(".hex") and "_tb_" not in k)}


def _scale_zp(op: tqi.QuantizeOp | tqi.DequantizeOp) -> tuple[float, int]:
    return float_value(op.scale), int_value(op.zero_point)


def elements(value: SSAValue) -> int:
    """Elements of one sample of a port's tensor (tqc/samples.py: a leading batch dimension of 1
    is the sample axis, any other shape is one sample whole)."""
    return math.prod(sample_shape(dims(value)))


def tb_ports(ports: list[Port]) -> list[TbPort]:
    return [TbPort(p.name, suffix, p.kind.bits, elements(p.value))
            for p, suffix in zip(ports, sim.suffixes(len(ports)))]


def to_hardware(plan: Plan, xs: list[np.ndarray]) -> list[np.ndarray]:
    """Each input port's samples: the host-side QUANTIZE of a float input (integer inputs as
    they are)."""
    out = []
    for port, x in zip(plan.inputs, xs, strict=True):
        if port.host is None:
            out.append(x)
            continue
        scale, zp = _scale_zp(port.host)
        out.append(quantize(x, scale, zp, np.dtype(port.kind.numpy)))
    return out


def from_hardware(plan: Plan, ys: list[np.ndarray]) -> list[np.ndarray]:
    """Each output: the host-side DEQUANTIZE of a float output (integer outputs as they are)."""
    out = []
    for port, y in zip(plan.outputs, ys, strict=True):
        if port.host is None:
            out.append(y)
            continue
        scale, zp = _scale_zp(port.host)
        out.append(dequantize(y, scale, zp))
    return out


def invert_dequantize(port: Port, y: np.ndarray) -> np.ndarray:
    """The integer codes whose DEQUANTIZE is exactly `y` (DEQUANTIZE is strictly monotonic)."""
    if port.host is None:
        return y
    kind = port.kind
    codes = np.arange(kind.lo, kind.hi + 1, dtype=np.int64).astype(kind.numpy)
    scale, zp = _scale_zp(port.host)
    table = dequantize(codes, scale, zp)
    idx = np.searchsorted(table, y)
    idx = np.clip(idx, 0, len(codes) - 1)
    if not np.array_equal(table[idx], y):
        raise TqcError("verilog backend: internal: output is not a dequantized code")
    return codes[idx]


def test_vectors(module: ModuleOp, plan: Plan, n: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(hardware inputs, expected hardware outputs), one array per port, from the NumPy
    backend of the same IR: all-minimum, all-maximum, then random samples."""
    generated = import_source(print_numpy(module, f"{plan.name}_vectors"), f"{plan.name}_vectors")
    rng = np.random.default_rng(0)
    xs = []
    for shape, dtype in generated.INPUTS:
        full = (n, *sample_shape(shape))
        if dtype.startswith("float"):
            x = rng.uniform(-3, 3, full).astype(dtype)
        else:
            info = np.iinfo(dtype)
            x = rng.integers(info.min, info.max, full, endpoint=True).astype(dtype)
            x[0], x[1] = info.min, info.max
        xs.append(x)
    if any(isinstance(op, tqi.NonzeroCheckOp) for op in module.walk()):
        for x in xs:  # the reference fails on a zero divisor: none in the vectors
            x[x == 0] = 1
    ys = generated.run(*xs)
    ys = list(ys) if isinstance(ys, tuple) else [ys]
    if not xs:  # no inputs (constant outputs only): the one sample n times
        ys = [np.repeat(y, n, axis=0) for y in ys]
    return (to_hardware(plan, xs),
            [invert_dequantize(port, y) for port, y in zip(plan.outputs, ys, strict=True)])


def build_design(module: ModuleOp, name: str, options: TargetOptions,
                 vectors: bool = True) -> Design:
    plan = prepare(module, name, options.parallel, handler_kinds())
    assign_lanes(plan)
    name = plan.name  # legalized (a Verilog keyword gets a prefix)
    emitted = emit_verilog(plan)
    files = dict(emitted.files)
    ins, outs = tb_ports(plan.inputs), tb_ports(plan.outputs)
    est = estimate(plan)
    timeout = 20 * (est.latency + TB_SAMPLES * est.interval) + 100_000
    files[f"{name}_tb.v"] = testbench(name, ins, outs, TB_SAMPLES, timeout, emitted.err)
    if vectors:
        xs, ys = test_vectors(module, plan, TB_SAMPLES)
        for port, x in zip(ins, xs):
            files[vector_file(name, "input", port)] = hex_lines(x, port.width)
        for port, y in zip(outs, ys):
            files[vector_file(name, "expected", port)] = hex_lines(y, port.width)
    files[f"{name}.ys"] = synth.check_script(name, emitted.sources)
    files[f"{name}_ice40.ys"] = synth.ice40_script(name, emitted.sources)
    files[f"{name}_xc7.ys"] = synth.xc7_script(name, emitted.sources)
    files[f"{name}.f"] = "\n".join([*emitted.sources, f"{name}_tb.v"]) + "\n"
    return Design(plan, files, emitted.sources, report_lines(plan))


def simulate(design: Design, xs: list[np.ndarray], expected: list[np.ndarray] | None = None,
             throttle: bool = False, seed: int = 1) -> tuple[list[np.ndarray], sim.SimResult]:
    """Build (cached) and run the testbench on hardware-level inputs, one (N, ...) array per
    input port; returns one array per output port."""
    plan = design.plan
    ins, outs = tb_ports(plan.inputs), tb_ports(plan.outputs)
    if len(xs) != len(ins):
        raise TqcError(f"verilog backend: the design has {len(ins)} input port(s), "
                       f"{len(xs)} input array(s) given")
    n = xs[0].shape[0] if xs else len(expected[0]) if expected else 1
    if any(x.shape[0] != n for x in xs):
        raise TqcError("verilog backend: every input needs the same number of samples")
    files = design.sim_files()
    folder = sim.build(files, [design.tb + ".v", *design.sources], design.tb)
    est = estimate(plan)
    result = sim.simulate(folder, design.tb, [hex_lines(x, p.width) for p, x in zip(ins, xs)],
                          n, [hex_lines(y, p.width) for p, y in zip(outs, expected)]
                          if expected is not None else None,
                          throttle=throttle, seed=seed,
                          timeout_cycles=(20 if throttle else 4) * (est.latency + n * est.interval) + 100_000,
                          outputs=len(outs))
    ys = [parse_hex(text, p.width, port.kind.numpy).reshape((n, *sample_shape(dims(port.value))))
          for text, p, port in zip(result.outputs, outs, plan.outputs)]
    return ys, result


def _refuse_stream(module: ModuleOp, options: TargetOptions) -> None:
    if options.stream or tqi.has_state(module):
        raise TqcError("verilog backend: stream mode (state carried between invocations) is "
                       "not supported")


class VerilogTarget:
    def emit(self, module: ModuleOp, name: str, options: TargetOptions) -> Artifact:
        _refuse_stream(module, options)
        design = build_design(module, name, options)
        return Artifact(dict(design.files), design.report)

    def run(self, module: ModuleOp, name: str, inputs: list[np.ndarray],
            options: TargetOptions) -> RunResult:
        _refuse_stream(module, options)
        design = build_design(module, name, options, vectors=False)
        ys, result = simulate(design, to_hardware(design.plan, inputs))
        n = inputs[0].shape[0] if inputs else 1
        report = [f"verilog: simulated {n} sample(s): latency {result.latency} cycles "
                  f"(first sample), {result.total} cycles in all"
                  + (f", back-to-back interval {result.interval} cycles (between the last two "
                     "samples)" if n > 1 else "")]
        return RunResult(from_hardware(design.plan, ys), report)


TARGET = VerilogTarget()
