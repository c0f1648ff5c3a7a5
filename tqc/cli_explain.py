"""`tqc explain`: per layer, the scales, multipliers, shifts, rounding steps, clamp and
accumulator range (tqc/explain.py), as a table, one layer in detail, or JSON."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any

from tqc.errors import TqcError
from tqc.explain import LayerReport, Rescale, TensorQuant


def register(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    e = sub.add_parser("explain", help="per layer: scales, zero points, multipliers, shifts, "
                       "rounding steps, clamp, accumulator range")
    e.add_argument("model")
    e.add_argument("--layer", type=int, metavar="K",
                   help="every step of the layer of TFLite operator K, in words")
    e.add_argument("--json", action="store_true", help="every number, per channel, as JSON")
    e.add_argument("--plot", metavar="FILE.png",
                   help="also draw the per-layer scales, multipliers and accumulator bits "
                        "(needs matplotlib)")
    common(e)
    e.set_defaults(handler=run)


def _g(x: float) -> str:
    return f"{x:.3g}"


def _range(values: Sequence[float] | Sequence[int], fmt: Callable[[Any], str] = _g) -> str:
    """One value, or 'min..max ×n' for per-channel values."""
    if not values:
        return ""
    if len(set(values)) == 1:
        return fmt(values[0])
    return f"{fmt(min(values))}..{fmt(max(values))} ×{len(values)}"


def _quant(t: TensorQuant | None) -> str:
    if t is None:
        return ""
    return f"{_range(t.scales)} ({_range(t.zero_points, str)})"


def _quant_compact(t: TensorQuant | None) -> str:
    if t is None:
        return ""
    return f"{_compact(t.scales)} ({_compact(t.zero_points)})"


def _fixed_point(r: Rescale) -> str:
    if r.rounding in ("double-precision", "float32"):
        return f"{_range(r.multipliers, str)}·2^{_range(r.shifts, str)}"
    return f"{_range(r.multipliers, str)}·2^({_range(r.shifts, str)}-31)"


ROUNDING = {"double": "2", "single": "1", "single (int64)": "1 (i64)", "double-precision": "f64",
            "float32": "f32"}


SHORT = {"FULLY_CONNECTED": "FC", "DEPTHWISE_CONV_2D": "DWCONV", "CONV_2D": "CONV",
         "AVERAGE_POOL_2D": "AVGPOOL", "MAX_POOL_2D": "MAXPOOL"}


def _compact(values: Sequence[float] | Sequence[int]) -> str:
    """Per channel in the table: 'min..max' with two digits; one value exactly as _range."""
    if len(set(values)) <= 1:
        return _range(values, str if values and isinstance(values[0], int) else _g)
    if all(isinstance(v, int) and abs(v) < 1000 for v in values):
        return f"{min(values)}..{max(values)}"
    short = [f"{v:.2g}".replace("e+0", "e").replace("e-0", "e-") for v in (min(values), max(values))]
    return "..".join(short)


def _channels(layer: LayerReport) -> str:
    counts = [len(t.scales) for t in layer.inputs if t is not None and len(t.scales) > 1]
    return str(max(counts)) if counts else ""


def _row(layer: LayerReport) -> list[str]:
    ins = layer.inputs + [None, None]
    s3 = layer.outputs[0] if layer.outputs else None
    real = "\n".join(_compact(v) for v in layer.real_multipliers.values())
    ms = "\n".join(_compact(r.multipliers) for r in layer.rescales)
    shifts = "\n".join(_compact(r.shifts) for r in layer.rescales)
    rounding = "\n".join(ROUNDING[r.rounding] for r in layer.rescales)
    clamp = "" if layer.clamp is None else f"{layer.clamp[0]}..{layer.clamp[1]}" + (
        "*" if layer.clamp_from_activation else "")
    acc = "" if layer.accumulator is None else str(layer.accumulator.bits)
    offsets = "" if layer.input_offset is None else f"{layer.input_offset:+d}/{layer.weight_offset:+d}"
    return ["" if layer.index is None else str(layer.index), SHORT.get(layer.opcode, layer.opcode),
            _quant_compact(ins[0]), _quant_compact(ins[1]), _quant_compact(s3), _channels(layer),
            real, ms, shifts, rounding, clamp, offsets, acc]


def print_table(layers: list[LayerReport]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False, header_style="bold")
    for name in ("#", "op", "S1 (Z1)", "S2 (Z2)", "S3 (Z3)", "ch", "M", "m", "shift", "rnd",
                 "clamp", "x/w off", "acc"):
        table.add_column(name, overflow="fold")
    for layer in layers:
        table.add_row(*_row(layer))
    console = Console(soft_wrap=False, highlight=False)
    if not console.is_terminal:  # a file or a pipe: no terminal width to fit
        console = Console(soft_wrap=False, highlight=False, width=max(console.width, 132))
    console.print(table)
    console.print("S = scale, (Z) = zero point; M = the real multiplier from the scales; it is "
                  "applied as m·2^(shift-31), shift > 0 left; rnd = rounding steps; clamp * = "
                  "fused activation; x/w off = the offsets added to inputs and weights (−Z1, −Z2); acc = "
                  "bits the accumulator needs (worst case); ch = channels, "
                  "per-channel values as min..max (--json: every value; --layer K: every step "
                  "in words).")


def print_layer(layer: LayerReport) -> None:
    print(layer.title)
    for k, t in enumerate(layer.inputs):
        if t is not None:
            print(f"  input {k} '{t.name}'{' (constant)' if t.constant else ''}: {t.storage}, "
                  f"scale {_range(t.scales)}, zero point {_range(t.zero_points, str)}")
    for k, t in enumerate(layer.outputs):
        if t is not None:
            print(f"  output {k} '{t.name}': {t.storage}, scale {_range(t.scales)}, "
                  f"zero point {_range(t.zero_points, str)}")
    for name, values in layer.real_multipliers.items():
        print(f"  M = {name} = {_range(values)}")
    for r in layer.rescales:
        if r.rounding in ("double-precision", "float32"):
            print(f"  {r.rounding} scale {_fixed_point(r)} = {_range(r.real)}")
            continue
        print(f"  fixed point ({r.rounding} rounding): m = {_range(r.multipliers, str)}, shift = "
              f"{_range(r.shifts, str)}: m·2^(shift-31) = {_range(r.real)}")
    if layer.input_offset is not None:
        print(f"  input offset {layer.input_offset:+d}, weight offset {layer.weight_offset:+d}")
    if layer.accumulator is not None:
        a = layer.accumulator
        print(f"  accumulator worst case [{a.lo}, {a.hi}]: {a.bits} bits of its {a.register_bits}")
    if layer.clamp is not None:
        why = " (the fused activation)" if layer.clamp_from_activation else " (the output type)"
        print(f"  clamp [{layer.clamp[0]}, {layer.clamp[1]}]{why}")
    print("  steps:")
    for k, step in enumerate(layer.steps, 1):
        print(f"    {k}. {step}")
    for note in layer.notes:
        print(f"  note: {note}")


def run(args: argparse.Namespace) -> None:
    from tqc.api import load

    layers = load(args.model, args.rounding, args.fold_batch_norm,
                  reference=args.reference).explain()
    if args.layer is not None:
        layers = [layer for layer in layers if layer.index == args.layer]
        if not layers:
            raise TqcError(f"--layer {args.layer}: the model has no lowered operator #{args.layer}")
    if args.plot:
        from tqc.explain_plot import plot_layers

        plot_layers(layers, args.plot, str(args.model))
    if args.json:
        print(json.dumps({"model": args.model, "rounding": args.rounding,
                          "layers": [layer.as_dict() for layer in layers]}, indent=1))
    elif args.layer is not None:
        for layer in layers:
            print_layer(layer)
    else:
        print_table(layers)
