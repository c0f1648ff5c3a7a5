#!/usr/bin/env python3
"""Make tqc's own quantized test-fixture models (tests/fixtures/*.tflite, *.npy).

TensorFlow is NOT a dependency of the project or its tests. This script is run by
hand, with a separate virtualenv that has TensorFlow, scikit-learn and LiteRT:

    python3 -m venv /work/tfenv
    /work/tfenv/bin/pip install tensorflow-cpu scikit-learn ai-edge-litert
    /work/tfenv/bin/python scripts/make_fixtures.py            # from the repo root

(made with tensorflow-cpu 2.21.0 / keras 3.15.1, scikit-learn 1.9.1, ai-edge-litert 2.3.0).
Options: --out DIR (default: tests/fixtures of this repo), --epochs-mlp N (20),
--epochs-cnn N (30). Non-default options give different files.

Data: scikit-learn's bundled load_digits() (1797 8x8 images, values 0..16; no download),
bilinearly upscaled to 28x28 with numpy (half-pixel centres, like tf.image.resize bilinear
without antialias), scaled to [0, 1]. Stratified 80/20 split with random_state=0
(1437 train / 360 test).

Models (all converted with full-integer post-training quantization,
supported_ops = [TFLITE_BUILTINS_INT8], representative dataset = 200 training images,
fixed batch size 1):

  mlp_digits_int8.tflite      784 -> Dense512-ReLU -> Dense100-ReLU -> Dense10 -> softmax, int8 I/O
  mlp_digits_uint8io.tflite   same float model, uint8 I/O (int8 inside)
  mlp_digits_floatio.tflite   same float model, float32 I/O (QUANTIZE/DEQUANTIZE at the edges)
  cnn_digits_int8.tflite      28x28x1 CNN: Conv-BN-ReLU, MaxPool, DWConv-BN-ReLU6, residual Add,
                              AvgPool, 2x (stride-2 Conv-BN-ReLU), GlobalAveragePooling (MEAN),
                              Dense10, softmax; int8 I/O
  cnn_digits_floatio.tflite   same float CNN, float32 I/O
  cnn_unfolded_bn_int8.tflite CNN whose BatchNormalizations follow an Add and a Concatenation, so the
                              converter cannot fold them into a conv: they stay as MUL + ADD ops; int8 I/O
  digits_test_x.npy           float32 (64, 784): the first 64 test images, in [0, 1]
  digits_test_y.npy           int64 (64,): their labels

Everything is seeded (numpy, python, TF via keras.utils.set_random_seed, with TF op
determinism on), so re-running on the same versions should give the same files.
The script prints, per .tflite: size, op list, I/O dtype/shape/scale/zero point, sha256[:16],
and the float model's vs the quantized model's accuracy on the 360 test images (quantized model
run by LiteRT with the BUILTIN_REF op resolver, i.e. the reference kernels).
"""

import argparse
import collections
import contextlib
import hashlib
import io
import os
import random
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import numpy as np  # noqa: E402

SEED = 0
N_SAVED_TEST = 64
N_REPRESENTATIVE = 200


# ----------------------------------------------------------------------------- data

def bilinear_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) matrix for 1-D bilinear resize with half-pixel centres."""
    m = np.zeros((n_out, n_in), dtype=np.float64)
    for i in range(n_out):
        src = (i + 0.5) * n_in / n_out - 0.5
        src = min(max(src, 0.0), n_in - 1.0)
        i0 = int(np.floor(src))
        i1 = min(i0 + 1, n_in - 1)
        w = src - i0
        m[i, i0] += 1.0 - w
        m[i, i1] += w
    return m


def load_data():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    imgs8 = digits.images.astype(np.float64) / 16.0  # (1797, 8, 8) in [0, 1]
    r = bilinear_matrix(28, 8)
    imgs28 = np.einsum("ij,njk,lk->nil", r, imgs8, r)  # (1797, 28, 28)
    x = np.clip(imgs28, 0.0, 1.0).astype(np.float32).reshape(len(imgs28), 784)
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=0.2, random_state=SEED, stratify=y)
    return x_tr, x_te, y_tr, y_te


# ----------------------------------------------------------------------------- models

def build_mlp(keras):
    L = keras.layers
    inp = keras.Input((784,), name="image")
    x = L.Dense(512, activation="relu", name="fc1")(inp)
    x = L.Dense(100, activation="relu", name="fc2")(x)
    x = L.Dense(10, name="logits")(x)
    out = L.Softmax(name="probs")(x)
    return keras.Model(inp, out, name="mlp_digits")


def build_cnn(keras):
    L = keras.layers
    inp = keras.Input((28, 28, 1), name="image")
    x = L.Conv2D(8, 3, padding="same", use_bias=False, name="conv1")(inp)
    x = L.BatchNormalization(momentum=0.9, name="bn1")(x)
    x = L.ReLU(name="relu1")(x)                                        # 28x28x8
    x = L.MaxPooling2D(2, name="maxpool")(x)                           # 14x14x8
    a = L.DepthwiseConv2D(3, padding="same", use_bias=False, name="dw")(x)
    a = L.BatchNormalization(momentum=0.9, name="bn_dw")(a)
    a = L.ReLU(max_value=6.0, name="relu6")(a)
    x = L.Add(name="residual_add")([x, a])                             # 14x14x8
    x = L.AveragePooling2D(2, name="avgpool")(x)                       # 7x7x8
    x = L.Conv2D(16, 3, strides=2, padding="same", use_bias=False, name="conv2")(x)
    x = L.BatchNormalization(momentum=0.9, name="bn2")(x)
    x = L.ReLU(name="relu2")(x)                                        # 4x4x16
    x = L.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="conv3")(x)
    x = L.BatchNormalization(momentum=0.9, name="bn3")(x)
    x = L.ReLU(name="relu3")(x)                                        # 2x2x32
    x = L.GlobalAveragePooling2D(name="gap")(x)                        # 32
    x = L.Dense(10, name="logits")(x)
    out = L.Softmax(name="probs")(x)
    return keras.Model(inp, out, name="cnn_digits")


def build_cnn_unfolded_bn(keras):
    """BatchNorms placed where the converter cannot fold them into a conv/FC."""
    L = keras.layers
    inp = keras.Input((28, 28, 1), name="image")
    x = L.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(inp)
    x = L.MaxPooling2D(2, name="maxpool")(x)                           # 14x14x8
    a = L.Conv2D(8, 3, padding="same", activation="relu", name="conv2")(x)
    s = L.Add(name="residual_add")([x, a])
    s = L.BatchNormalization(momentum=0.9, name="bn_after_add")(s)     # -> MUL, ADD
    s = L.ReLU(name="relu_after_add_bn")(s)
    b = L.DepthwiseConv2D(3, padding="same", activation="relu", name="dw")(s)
    c = L.Concatenate(name="concat")([s, b])                           # 14x14x16
    c = L.BatchNormalization(momentum=0.9, name="bn_after_concat")(c)  # -> MUL, ADD
    c = L.ReLU(name="relu_after_concat_bn")(c)
    c = L.AveragePooling2D(2, name="avgpool")(c)                       # 7x7x16
    c = L.Flatten(name="flatten")(c)                                   # 784
    c = L.Dense(10, name="logits")(c)
    out = L.Softmax(name="probs")(c)
    return keras.Model(inp, out, name="cnn_unfolded_bn")


def train(keras, model, x_tr, y_tr, x_te, y_te, epochs):
    keras.utils.set_random_seed(SEED)  # each model's training is independent of the others
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_tr, y_tr, batch_size=32, epochs=epochs, shuffle=True, verbose=0)
    probs = model.predict(x_te, batch_size=128, verbose=0)
    acc = float(np.mean(np.argmax(probs, axis=1) == y_te))
    print(f"[{model.name}] float test accuracy after {epochs} epochs: {acc:.4f} "
          f"({int(round(acc * len(y_te)))}/{len(y_te)})")
    return acc


# ----------------------------------------------------------------------------- conversion

def with_batch_size_1(model):
    """Same layers and weights, but a static batch size of 1 (no -1 in shape_signature)."""
    import keras
    config = model.get_config()
    for layer in config["layers"]:
        if layer["class_name"] == "InputLayer":
            shape = layer["config"]["batch_shape"]
            layer["config"]["batch_shape"] = [1, *shape[1:]]
    clone = keras.Model.from_config(config)
    clone.set_weights(model.get_weights())
    return clone


def convert(tf, model, input_shape, rep_x, io_type):
    """Full-integer PTQ. io_type: tf.int8, tf.uint8 or None (float32 I/O)."""
    conv = tf.lite.TFLiteConverter.from_keras_model(with_batch_size_1(model))
    conv.optimizations = [tf.lite.Optimize.DEFAULT]

    def rep():
        for i in range(len(rep_x)):
            yield [rep_x[i:i + 1].reshape(1, *input_shape).astype(np.float32)]

    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if io_type is not None:
        conv.inference_input_type = io_type
        conv.inference_output_type = io_type
    with contextlib.redirect_stdout(io.StringIO()):  # keras' "Saved artifact at ..." chatter
        return conv.convert()


# ----------------------------------------------------------------------------- reporting

def make_ref_interpreter(path):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_path=path,
                     experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    return it


def quantize_input(x, detail):
    dt = detail["dtype"]
    if dt == np.float32:
        return x.astype(np.float32)
    scale, zp = detail["quantization"]
    info = np.iinfo(dt)
    q = np.round(x / scale) + zp
    return np.clip(q, info.min, info.max).astype(dt)


def quantized_accuracy(path, x, y, input_shape):
    it = make_ref_interpreter(path)
    din = it.get_input_details()[0]
    dout = it.get_output_details()[0]
    correct = 0
    for i in range(len(x)):
        xi = quantize_input(x[i].reshape(1, *input_shape), din)
        it.set_tensor(din["index"], xi)
        it.invoke()
        out = it.get_tensor(dout["index"])
        correct += int(np.argmax(out.reshape(-1)) == y[i])
    return correct / len(x)


def describe_io(d):
    s = f"{np.dtype(d['dtype']).name}[{'x'.join(str(int(n)) for n in d['shape'])}]"
    scale, zp = d["quantization"]
    if scale:
        s += f" scale={scale:.6g} zp={zp}"
    return s


def describe(path):
    it = make_ref_interpreter(path)
    ops = collections.Counter(op["op_name"] for op in it._get_ops_details())
    with open(path, "rb") as f:
        data = f.read()
    return {
        "size": len(data),
        "sha": hashlib.sha256(data).hexdigest()[:16],
        "ops": ops,
        "inputs": [describe_io(d) for d in it.get_input_details()],
        "outputs": [describe_io(d) for d in it.get_output_details()],
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "tests", "fixtures"))
    ap.add_argument("--epochs-mlp", type=int, default=20)
    ap.add_argument("--epochs-cnn", type=int, default=30)
    args = ap.parse_args()
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)

    random.seed(SEED)
    np.random.seed(SEED)
    import tensorflow as tf
    import keras
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    print(f"tensorflow {tf.__version__}, keras {keras.__version__}, numpy {np.__version__}")

    x_tr, x_te, y_tr, y_te = load_data()
    print(f"data: train {x_tr.shape}, test {x_te.shape}")
    np.save(os.path.join(out_dir, "digits_test_x.npy"), x_te[:N_SAVED_TEST].astype(np.float32))
    np.save(os.path.join(out_dir, "digits_test_y.npy"), y_te[:N_SAVED_TEST].astype(np.int64))
    rep_x = x_tr[:N_REPRESENTATIVE]

    img = lambda a: a.reshape(-1, 28, 28, 1)  # noqa: E731
    jobs = []  # (file, model, input_shape, io_type, float_acc)

    keras.utils.set_random_seed(SEED)
    mlp = build_mlp(keras)
    acc = train(keras, mlp, x_tr, y_tr, x_te, y_te, args.epochs_mlp)
    jobs += [("mlp_digits_int8.tflite", mlp, (784,), tf.int8, acc),
             ("mlp_digits_uint8io.tflite", mlp, (784,), tf.uint8, acc),
             ("mlp_digits_floatio.tflite", mlp, (784,), None, acc)]

    keras.utils.set_random_seed(SEED)
    cnn = build_cnn(keras)
    acc = train(keras, cnn, img(x_tr), y_tr, img(x_te), y_te, args.epochs_cnn)
    jobs += [("cnn_digits_int8.tflite", cnn, (28, 28, 1), tf.int8, acc),
             ("cnn_digits_floatio.tflite", cnn, (28, 28, 1), None, acc)]

    keras.utils.set_random_seed(SEED)
    ubn = build_cnn_unfolded_bn(keras)
    acc = train(keras, ubn, img(x_tr), y_tr, img(x_te), y_te, args.epochs_cnn)
    jobs += [("cnn_unfolded_bn_int8.tflite", ubn, (28, 28, 1), tf.int8, acc)]

    total = 0
    for name, model, shape, io_type, facc in jobs:
        path = os.path.join(out_dir, name)
        with open(path, "wb") as f:
            f.write(convert(tf, model, shape, rep_x, io_type))
        info = describe(path)
        qacc = quantized_accuracy(path, x_te, y_te, shape)
        qacc64 = quantized_accuracy(path, x_te[:N_SAVED_TEST], y_te[:N_SAVED_TEST], shape)
        total += info["size"]
        ops = ", ".join(f"{k}x{v}" for k, v in sorted(info["ops"].items(),
                                                       key=lambda kv: (-kv[1], kv[0])))
        print(f"\n== {name}  ({info['size']} bytes, sha256[:16] {info['sha']})")
        print(f"   ops: {ops}")
        print(f"   in:  {'; '.join(info['inputs'])}")
        print(f"   out: {'; '.join(info['outputs'])}")
        print(f"   accuracy on {len(y_te)} test images: float {facc:.4f}, "
              f"quantized (LiteRT BUILTIN_REF) {qacc:.4f}; on the saved {N_SAVED_TEST}: "
              f"quantized {qacc64:.4f}")
    print(f"\ntotal .tflite bytes: {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
