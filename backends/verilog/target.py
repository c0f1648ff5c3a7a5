"""The Verilog target: synthesizable Verilog-2001, ROM files, a self-checking testbench and
yosys scripts (`emit`); simulation of the design on given inputs (`run`).

Top module `<name>`: clk, rst (synchronous, active high), in_valid/in_ready/in_data and
out_valid/out_ready/out_data, one element per beat in row-major order, W bits per element of
the quantized tensors. A float-I/O model's QUANTIZE / DEQUANTIZE edges run on the host.
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
from tqc.backends.verilog.prepare import Plan, hw_kind, prepare
from tqc.backends.verilog.report import estimate, report_lines
from tqc.backends.verilog.testbench import hex_lines, parse_hex, testbench
from tqc.dialects import tqi
from tqc.dialects.accessors import float_value, int_value
from tqc.dialects.accessors import shape as dims
from tqc.errors import TqcError
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
    shape = dims(value)
    if shape and shape[0] != 1:
        raise TqcError(f"verilog backend: tensor shape {list(shape)} has no batch axis of 1")
    return math.prod(shape[1:]) if shape else 1


def to_hardware(plan: Plan, x: np.ndarray) -> np.ndarray:
    """Host-side QUANTIZE of a float input (identity for integer inputs)."""
    if plan.host_quantize is None:
        return x
    scale, zp = _scale_zp(plan.host_quantize)
    return quantize(x, scale, zp, np.dtype(hw_kind(plan.input).numpy))


def from_hardware(plan: Plan, y: np.ndarray) -> np.ndarray:
    """Host-side DEQUANTIZE of the output (identity for integer outputs)."""
    if plan.host_dequantize is None:
        return y
    scale, zp = _scale_zp(plan.host_dequantize)
    return dequantize(y, scale, zp)


def invert_dequantize(plan: Plan, y: np.ndarray) -> np.ndarray:
    """The integer codes whose DEQUANTIZE is exactly `y` (DEQUANTIZE is strictly monotonic)."""
    if plan.host_dequantize is None:
        return y
    kind = hw_kind(plan.output)
    codes = np.arange(kind.lo, kind.hi + 1, dtype=np.int64).astype(kind.numpy)
    table = from_hardware(plan, codes)
    idx = np.searchsorted(table, y)
    idx = np.clip(idx, 0, len(codes) - 1)
    if not np.array_equal(table[idx], y):
        raise TqcError("verilog backend: internal: output is not a dequantized code")
    return codes[idx]


def test_vectors(module: ModuleOp, plan: Plan, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(hardware inputs, expected hardware outputs) from the NumPy backend of the same IR:
    all-minimum, all-maximum, then random samples."""
    generated = import_source(print_numpy(module, f"{plan.name}_vectors"), f"{plan.name}_vectors")
    (shape, dtype), = generated.INPUTS
    rng = np.random.default_rng(0)
    full = (n, *shape[1:])
    if dtype.startswith("float"):
        x = rng.uniform(-3, 3, full).astype(dtype)
    else:
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, full, endpoint=True).astype(dtype)
        x[0], x[1] = info.min, info.max
    y = generated.run(x)
    return to_hardware(plan, x), invert_dequantize(plan, y)


def build_design(module: ModuleOp, name: str, options: TargetOptions,
                 vectors: bool = True) -> Design:
    plan = prepare(module, name, options.parallel, handler_kinds())
    assign_lanes(plan)
    name = plan.name  # legalized (a Verilog keyword gets a prefix)
    emitted = emit_verilog(plan)
    files = dict(emitted.files)
    w_in, w_out = hw_kind(plan.input).bits, hw_kind(plan.output).bits
    in_elems, out_elems = elements(plan.input), elements(plan.output)
    est = estimate(plan)
    timeout = 20 * (est.latency + TB_SAMPLES * est.interval) + 100_000
    files[f"{name}_tb.v"] = testbench(name, in_elems, out_elems, w_in, w_out, TB_SAMPLES, timeout)
    if vectors:
        x, y = test_vectors(module, plan, TB_SAMPLES)
        files[f"{name}_tb_input.hex"] = hex_lines(x, w_in)
        files[f"{name}_tb_expected.hex"] = hex_lines(y, w_out)
    files[f"{name}.ys"] = synth.check_script(name, emitted.sources)
    files[f"{name}_ice40.ys"] = synth.ice40_script(name, emitted.sources)
    files[f"{name}_xc7.ys"] = synth.xc7_script(name, emitted.sources)
    files[f"{name}.f"] = "\n".join([*emitted.sources, f"{name}_tb.v"]) + "\n"
    return Design(plan, files, emitted.sources, report_lines(plan))


def simulate(design: Design, x: np.ndarray, expected: np.ndarray | None = None,
             throttle: bool = False, seed: int = 1) -> tuple[np.ndarray, sim.SimResult]:
    """Build (cached) and run the testbench on hardware-level inputs (N, ...)."""
    plan = design.plan
    w_in, w_out = hw_kind(plan.input).bits, hw_kind(plan.output).bits
    n = x.shape[0]
    files = design.sim_files()
    folder = sim.build(files, [design.tb + ".v", *design.sources], design.tb)
    est = estimate(plan)
    result = sim.simulate(folder, design.tb, hex_lines(x, w_in), n,
                          hex_lines(expected, w_out) if expected is not None else None,
                          throttle=throttle, seed=seed,
                          timeout_cycles=(20 if throttle else 4) * (est.latency + n * est.interval) + 100_000)
    out = parse_hex(result.output_text, w_out, hw_kind(plan.output).numpy)
    return out.reshape((n, *dims(plan.output)[1:])), result


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
        if len(inputs) != 1:
            raise TqcError(f"verilog backend: expected one input, got {len(inputs)}")
        x = to_hardware(design.plan, inputs[0])
        y, result = simulate(design, x)
        n = x.shape[0]
        report = [f"verilog: simulated {n} sample(s): latency {result.latency} cycles "
                  f"(first sample), {result.total} cycles in all"
                  + (f", back-to-back interval {result.interval} cycles (between the last two "
                     "samples)" if n > 1 else "")]
        return RunResult([from_hardware(design.plan, y)], report)


TARGET = VerilogTarget()
