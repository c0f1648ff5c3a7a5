#!/usr/bin/env python3
"""What `--fold-batch-norm` costs: the folded compile's outputs vs the unfolded reference.

For each model with unfolded batch-norms, on the digits images (tests/fixtures/digits_test_x.npy):
the reference runtime (TFLM) runs the file as it is; tqc runs it by default (must be bit-exact) and
with --fold-batch-norm. Printed: what was folded, the max and mean |difference| in output LSBs, how
many outputs differ, top-1 agreement with the reference and accuracy against the labels.

    python benchmarks/fold_batch_norm_accuracy.py [--markdown]

Results are recorded in docs/fold-batch-norm.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
MODELS = ["cnn_bn_foldable_int8.tflite", "cnn_unfolded_bn_int8.tflite"]


def quantize_images(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """float [0, 1] images → int8 model input, as TFLite's QUANTIZE would."""
    q = np.floor(np.abs(x / np.float32(scale)) + 0.5) * np.sign(x) + zero_point
    return np.clip(q, -128, 127).astype(np.int8).reshape(len(x), 28, 28, 1)


def measure(path: Path, x: np.ndarray, y: np.ndarray) -> dict[str, object]:
    from tqc.importer import import_tflite
    from tqc.pipeline import load_numpy_model
    from tqc.reference import run_reference_with_runtime

    fn = next(op for op in import_tflite(path).walk() if op.name == "func.func")
    t = fn.function_type.inputs.data[0].element_type  # type: ignore[attr-defined]
    xq = quantize_images(x, t.scale, t.zero_point)
    (ref,), runtime = run_reference_with_runtime(path, [xq])
    exact = load_numpy_model(path).run(xq)
    report = io.StringIO()
    with contextlib.redirect_stderr(report):
        folded = load_numpy_model(path, fold_batch_norm=True).run(xq)
    diff = np.abs(folded.astype(np.int64) - ref.astype(np.int64))
    return {
        "model": path.name, "runtime": runtime, "n": len(xq),
        "report": [ln for ln in report.getvalue().splitlines() if ln.startswith("fold-batch-norm")],
        "default_bit_exact": bool(np.array_equal(exact, ref)),
        "max_lsb": int(diff.max()), "mean_lsb": float(diff.mean()),
        "differing": f"{np.count_nonzero(diff)}/{diff.size}",
        "top1_agreement": float(np.mean(folded.argmax(1) == ref.argmax(1))),
        "acc_reference": float(np.mean(ref.argmax(1) == y)),
        "acc_folded": float(np.mean(folded.argmax(1) == y)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = ap.parse_args(argv)
    x = np.load(FIXTURES / "digits_test_x.npy")
    y = np.load(FIXTURES / "digits_test_y.npy")
    rows = [measure(FIXTURES / m, x, y) for m in MODELS]
    for r in rows:
        print(f"{r['model']} ({r['n']} digits images, reference {r['runtime']}):")
        for line in r["report"]:  # type: ignore[union-attr]
            print(f"  {line}")
        print(f"  default compile bit-exact with the reference: {r['default_bit_exact']}")
        print(f"  --fold-batch-norm vs reference: max {r['max_lsb']} LSB, mean {r['mean_lsb']:.3f} LSB, "
              f"{r['differing']} outputs differ; top-1 agreement {r['top1_agreement']:.4f}; "
              f"accuracy reference {r['acc_reference']:.4f}, folded {r['acc_folded']:.4f}")
    if args.markdown:
        print("\n| model | max LSB | mean LSB | outputs differing | top-1 agreement | acc. reference | acc. folded |")
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| `{r['model']}` | {r['max_lsb']} | {r['mean_lsb']:.3f} | {r['differing']} | "
                  f"{r['top1_agreement']:.4f} | {r['acc_reference']:.4f} | {r['acc_folded']:.4f} |")
    return 0 if all(r["default_bit_exact"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
