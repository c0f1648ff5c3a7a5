"""`tqc quant-params`: the scale and zero point TFLite gives a real range (tqc/quant_params.py)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from tqc.errors import TqcError


def register(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    q = sub.add_parser("quant-params", help="scale and zero point of a [min, max] range, as "
                       "TFLite's converter (or TF's fake-quant) computes them")
    q.add_argument("--min", required=True, dest="rmin",
                   help="real minimum: a number, comma-separated numbers (per axis) or a .npy")
    q.add_argument("--max", required=True, dest="rmax", help="real maximum, like --min")
    q.add_argument("--bits", type=int, default=8, help="integer width (default 8)")
    q.add_argument("--narrow-range", action="store_true",
                   help="drop the most negative integer (weights: [-127, 127])")
    q.add_argument("--symmetric", action="store_true",
                   help="widen the range as tfmot's symmetric quantizers do (zero point 0)")
    q.add_argument("--unsigned", action="store_true", help="uint grid (legacy uint8 models)")
    q.add_argument("--method", choices=("converter", "fake-quant"), default="converter",
                   help="converter: the TFLite converter's double arithmetic (what the .tflite "
                        "holds, default); fake-quant: TF FakeQuantWithMinMaxVars's float32 nudge "
                        "(what QAT trained with)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=run)


def _values(text: str, flag: str) -> np.ndarray:
    if text.endswith(".npy"):
        try:
            return np.asarray(np.load(text, allow_pickle=False), dtype=np.float64).reshape(-1)
        except (OSError, ValueError) as e:
            raise TqcError(f"{flag} {text}: cannot read .npy ({e})") from None
    try:
        return np.array([float(v) for v in text.split(",")], dtype=np.float64)
    except ValueError:
        raise TqcError(f"{flag} {text!r}: expected numbers separated by commas, or a .npy file") from None


def run(args: argparse.Namespace) -> None:
    from tqc.quant_params import quant_params

    p = quant_params(_values(args.rmin, "--min"), _values(args.rmax, "--max"), args.bits,
                     args.narrow_range, args.symmetric, not args.unsigned, args.method)
    if args.json:
        print(json.dumps({"method": args.method, **p.as_dict()}, indent=1))
        return
    print(f"integer grid [{p.qmin}, {p.qmax}] ({args.method})")
    for k in range(p.scale.size):
        head = f"channel {k}: " if p.scale.size > 1 else ""
        print(f"{head}range [{p.range_min[k]:.9g}, {p.range_max[k]:.9g}] -> "
              f"scale {p.scale[k]:.9g} (float32 {float(np.float32(p.scale_f32[k])):.9g}), "
              f"zero point {p.zero_point[k]}, nudged range [{p.nudged_min[k]:.9g}, "
              f"{p.nudged_max[k]:.9g}]")
