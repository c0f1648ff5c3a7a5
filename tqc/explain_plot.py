"""`tqc explain --plot FILE.png`: per layer, the scales, the real multipliers and the accumulator
bits, from the same `LayerReport`s as the table (matplotlib, optional: `pip install 'tqc[plot]'`)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from tqc.errors import TqcError
from tqc.explain import LayerReport


def plot_layers(layers: list[LayerReport], path: str | Path, title: str) -> None:
    """Three panels sharing the layer axis: S1/S2/S3 (per-channel S2 as its min..max band), M
    (min..max over channels), and the accumulator's worst-case bits against its register."""
    try:  # an optional dependency: imported by name, so type checking does not need it
        importlib.import_module("matplotlib").use("Agg")
        plt: Any = importlib.import_module("matplotlib.pyplot")
    except ImportError:
        raise TqcError("--plot needs matplotlib (pip install 'tqc[plot]')") from None
    if not str(path).endswith(".png"):
        raise TqcError(f"--plot {path}: the file name must end in .png")
    x = list(range(len(layers)))
    fig, (ax_s, ax_m, ax_a) = plt.subplots(3, 1, sharex=True, figsize=(max(8, len(layers) * 0.3), 9))
    for k, name in ((0, "S1"), (2, "S3")):
        values = [_scale(layer, k) for layer in layers]
        ax_s.plot(x, values, "o-" if k == 0 else "s-", label=name, markersize=3)
    lo = [_weights(layer)[0] for layer in layers]
    hi = [_weights(layer)[1] for layer in layers]
    ax_s.vlines(x, lo, hi, colors="tab:green")
    ax_s.plot(x, lo, "v", color="tab:green", markersize=3, label="S2 (min..max over channels)")
    ax_s.plot(x, hi, "^", color="tab:green", markersize=3)
    ax_s.set_yscale("log")
    ax_s.set_ylabel("scale")
    ax_s.legend(fontsize="small")
    m_lo = [min(min(v) for v in layer.real_multipliers.values()) if layer.real_multipliers
            else float("nan") for layer in layers]
    m_hi = [max(max(v) for v in layer.real_multipliers.values()) if layer.real_multipliers
            else float("nan") for layer in layers]
    ax_m.vlines(x, m_lo, m_hi, colors="tab:purple")
    ax_m.plot(x, m_lo, "_", color="tab:purple")
    ax_m.plot(x, m_hi, "_", color="tab:purple")
    ax_m.set_yscale("log")
    ax_m.set_ylabel("M = S1·S2/S3 (or Si/S3)")
    bits = [layer.accumulator.bits if layer.accumulator else float("nan") for layer in layers]
    regs = [layer.accumulator.register_bits if layer.accumulator else float("nan") for layer in layers]
    ax_a.bar(x, bits, color="tab:orange", label="worst-case bits")
    ax_a.plot(x, regs, "k_", markersize=12, label="accumulator register")
    ax_a.set_ylabel("accumulator bits")
    ax_a.legend(fontsize="small")
    ax_a.set_xticks(x, [f"{layer.index} {layer.opcode}" for layer in layers], rotation=90,
                    fontsize="x-small")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _scale(layer: LayerReport, which: int) -> float:
    tensors = layer.inputs[:1] if which == 0 else layer.outputs[:1]
    t = tensors[0] if tensors else None
    return t.scales[0] if t is not None else float("nan")


def _weights(layer: LayerReport) -> tuple[float, float]:
    t = layer.inputs[1] if len(layer.inputs) > 1 else None
    if t is None:
        return float("nan"), float("nan")
    return min(t.scales), max(t.scales)
