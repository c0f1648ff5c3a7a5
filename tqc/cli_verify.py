"""`tqc verify`: tqc's output against a reference runtime, layer by layer (tqc/verify.py).
Exit status 0 only when every output and every layer is identical, 1 otherwise."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from tqc.errors import TqcError


def register(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    v = sub.add_parser("verify", help="compare the compiled model with a reference runtime, "
                       "layer by layer; exit 0 only when identical")
    v.add_argument("model")
    v.add_argument("--target", choices=("numpy", "c", "verilog"), default="numpy",
                   help="the backend to check (verilog: simulated with Verilator; the layer-by-layer "
                        "run simulates the tapped copy, whose every layer is an output port)")
    v.add_argument("--oracle", choices=("auto", "tflm", "litert-ref", "xnnpack"), default="auto",
                   help="the runtime to match (auto: TFLM, LiteRT BUILTIN_REF for legacy uint8, or "
                        "the --reference runtime (xnnpack, litert-ref); xnnpack: LiteRT's "
                        "default CPU path)")
    v.add_argument("--samples", type=int, default=8, help="random samples (default 8)")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--no-layers", action="store_true",
                   help="compare the outputs only (no tapped, layer-by-layer run)")
    v.add_argument("--json", action="store_true")
    common(v)
    v.set_defaults(handler=run)


def run(args: argparse.Namespace) -> None:
    from tqc.verify import verify

    report = verify(args.model, args.target, args.oracle, args.samples, args.seed,
                    args.rounding, args.fold_batch_norm, not args.no_layers, args.reference)
    if args.json:
        first = report.first_difference
        print(json.dumps({
            "identical": report.identical, "oracle": report.oracle, "target": report.target,
            "samples": report.samples, "cause": report.cause, "layers_error": report.layers_error,
            "first_difference": None if first is None else {
                "op_index": first.tap.op_index, "opcode": first.tap.opcode,
                "tensor": first.tap.tensor, "max_lsb": first.max_lsb, "share": first.share},
            "layers": [{"op_index": d.tap.op_index, "opcode": d.tap.opcode,
                        "tensor": d.tap.tensor, "max_lsb": d.max_lsb, "share": d.share}
                       for d in report.layers],
            "outputs": [{"max_lsb": d.max_lsb, "share": d.share} for d in report.outputs]},
            indent=1))
    else:
        print("\n".join(report.lines()))
    sys.stdout.flush()
    if not report.identical:
        raise TqcError(f"tqc {report.target} differs from {report.oracle}")
