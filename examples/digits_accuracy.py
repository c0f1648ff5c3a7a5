"""The numbers of docs/tutorial.md: accuracy of the bundled digit MLPs on the bundled 64 test
images, four ways.

1. tqc's integer NumPy code (`tqc.load(...).run`);
2. the reference runtime (TFLM) on the same int8 inputs;
3. a float re-implementation that dequantizes correctly, real = S·(q − Z);
4. a float re-implementation that forgets the zero points, real = S·q.

Usage: python examples/digits_accuracy.py   (from the repository root)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import tqc
from tqc.reference import run_reference
from tqc.tflite_reader import TensorInfo, read_model

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"


def real(t: TensorInfo, q: np.ndarray, zero_points: bool) -> np.ndarray:
    """Dequantize `q` with t's scale(s), along the last axis for per-channel scales."""
    assert t.scales is not None and t.zero_points is not None
    s, z = t.scales, t.zero_points
    if s.size > 1:  # per output channel (axis 0 of an FC weight): broadcast over the inputs
        s, z = s.reshape(-1, *([1] * (q.ndim - 1))), z.reshape(-1, *([1] * (q.ndim - 1)))
    return s * (q.astype(np.float64) - (z if zero_points else 0))


def float_mlp(path: Path, x: np.ndarray, zero_points: bool) -> np.ndarray:
    """Run the FULLY_CONNECTED chain in float64 from the file's integers (ReLU between layers),
    each layer's output stored as the file's int8 tensor (quantized with its S and Z) and read
    back with or without its zero point; returns the logits' argmax."""
    m = read_model(path)
    first = m.tensors[m.ops[0].inputs[0]]
    h = real(first, x, zero_points)
    for op in [op for op in m.ops if op.opcode == "FULLY_CONNECTED"]:
        w, b, out = (m.tensors[op.inputs[1]], m.tensors[op.inputs[2]], m.tensors[op.outputs[0]])
        assert w.data is not None and b.data is not None and out.scales is not None
        assert out.zero_points is not None
        h = h @ real(w, w.data, True).T + real(b, b.data, True)  # weights' Z is 0 anyway
        q = np.clip(np.round(h / out.scales[0]) + out.zero_points[0], -128, 127)  # ReLU: Z3
        h = real(out, q, zero_points)
    return h.argmax(axis=1)


def main() -> None:
    x = np.load(FIXTURES / "digits_test_x.npy")
    y = np.load(FIXTURES / "digits_test_y.npy")
    path = FIXTURES / "mlp_digits_int8.tflite"
    model = tqc.load(path)
    s1 = model.explain()[0].inputs[0]
    assert s1 is not None
    xq = np.clip(np.round(x / s1.scales[0]) + s1.zero_points[0], -128, 127).astype(np.int8)
    (ours,) = model.run(xq)
    (ref,) = run_reference(path, [xq])
    print(f"input quantization: S1 = {s1.scales[0]:.9g}, Z1 = {s1.zero_points[0]}")
    print(f"tqc integer NumPy  : {np.mean(ours.argmax(1) == y):.1%}")
    print(f"TFLM reference     : {np.mean(ref.argmax(1) == y):.1%}  (identical outputs: "
          f"{np.array_equal(ours, ref)})")
    print(f"float, S·(q − Z)   : {np.mean(float_mlp(path, xq, True) == y):.1%}")
    print(f"float, S·q (no Z)  : {np.mean(float_mlp(path, xq, False) == y):.1%}")


if __name__ == "__main__":
    main()
