#!/usr/bin/env python3
"""Make tests/fixtures/cnn_bn_foldable_int8.tflite: a digits CNN whose BatchNormalizations follow an
Add and a Concatenation (so the converter keeps them as MUL + ADD) and are followed by a linear op
into which `tqc --fold-batch-norm` can fold them: a VALID Conv2D, and Flatten -> Dense.

TensorFlow is not a project dependency; run by hand from the repo root with the TF virtualenv:

    /work/tfenv/bin/python benchmarks/make_bn_foldable.py

Data, training and conversion are scripts/make_fixtures.py's (seeded; full-integer PTQ, int8 I/O).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))

import make_fixtures as mf  # noqa: E402

NAME = "cnn_bn_foldable_int8.tflite"


def build(keras):
    L = keras.layers
    inp = keras.Input((28, 28, 1), name="image")
    x = L.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(inp)
    x = L.MaxPooling2D(2, name="maxpool")(x)                           # 14x14x8
    a = L.Conv2D(8, 3, padding="same", activation="relu", name="conv2")(x)
    s = L.Add(name="residual_add")([x, a])
    s = L.BatchNormalization(momentum=0.9, name="bn_after_add")(s)     # -> MUL, ADD
    s = L.Conv2D(16, 3, padding="valid", activation="relu", name="conv3")(s)  # 12x12x16
    p = L.MaxPooling2D(2, name="maxpool2")(s)                          # 6x6x16
    q = L.DepthwiseConv2D(3, padding="same", activation="relu", name="dw")(p)
    c = L.Concatenate(name="concat")([p, q])                           # 6x6x32
    c = L.BatchNormalization(momentum=0.9, name="bn_after_concat")(c)  # -> MUL, ADD
    c = L.Flatten(name="flatten")(c)                                   # 1152
    c = L.Dense(10, name="logits")(c)
    out = L.Softmax(name="probs")(c)
    return keras.Model(inp, out, name="cnn_bn_foldable")


def main() -> None:
    mf.random.seed(mf.SEED)
    mf.np.random.seed(mf.SEED)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(mf.SEED)
    tf.config.experimental.enable_op_determinism()
    x_tr, x_te, y_tr, y_te = mf.load_data()
    img = lambda a: a.reshape(-1, 28, 28, 1)  # noqa: E731
    keras.utils.set_random_seed(mf.SEED)
    model = build(keras)
    facc = mf.train(keras, model, img(x_tr), y_tr, img(x_te), y_te, 30)
    path = os.path.join(HERE, "..", "tests", "fixtures", NAME)
    with open(path, "wb") as f:
        f.write(mf.convert(tf, model, (28, 28, 1), x_tr[:mf.N_REPRESENTATIVE], tf.int8))
    qacc = mf.quantized_accuracy(path, x_te, y_te, (28, 28, 1))
    d = mf.describe(path)
    print(f"{NAME}: float {facc:.4f} quantized {qacc:.4f} size {d['size']} sha256[:16] {d['sha']}")
    print("  ops:", dict(d["ops"]))


if __name__ == "__main__":
    main()
