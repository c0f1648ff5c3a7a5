#!/usr/bin/env bash
# Set up, then compile the bundled MNIST-style MLP (tests/fixtures/mlp_digits_int8.tflite) to a
# standalone NumPy module, run it on 64 bundled digit images, and check it bit for bit against the
# reference runtime (TFLite Micro).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
MODEL=tests/fixtures/mlp_digits_int8.tflite
mkdir -p out
tqc compile "$MODEL" --target numpy -o out/ --name mlp_digits
python - <<'PY'
import numpy as np
x = np.load("tests/fixtures/digits_test_x.npy")
q = np.clip(np.round(x * 255) - 128, -128, 127).astype(np.int8)   # the model's input quantization
np.save("out/digits_int8.npy", q)
PY
tqc run "$MODEL" --target numpy --input out/digits_int8.npy --output out/scores.npy
python - <<'PY'
import sys
import numpy as np
sys.path.insert(0, "out")
import mlp_digits                       # the generated module: needs only numpy
from tqc.reference import run_reference_with_runtime

x = np.load("out/digits_int8.npy")
labels = np.load("tests/fixtures/digits_test_y.npy")
ours = mlp_digits.run(x)
cli = np.load("out/scores.npy")
ref, runtime = run_reference_with_runtime("tests/fixtures/mlp_digits_int8.tflite", [x])
print(f"generated module: out/mlp_digits.py ({sum(1 for _ in open('out/mlp_digits.py'))} lines)")
print(f"top-1 accuracy on {len(x)} digits: {(ours.argmax(1) == labels).mean():.3f}")
print(f"bit-exact vs {runtime}: {np.array_equal(ours, ref[0])}  (tqc run output too: {np.array_equal(cli, ref[0])})")
sys.exit(0 if np.array_equal(ours, ref[0]) and np.array_equal(cli, ref[0]) else 1)
PY
