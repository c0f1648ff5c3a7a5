"""UNIDIRECTIONAL_SEQUENCE_LSTM (TFLM's 8x8->16 and 16x8->16 kernels): single-op models with random shapes and
quantization (time major and batch major, with and without cell clip, power-of-two and other
cell scales), bit-exact against TFLM on NumPy and C; the shared
MNIST LSTM model; the refusals (peephole, projection, layer norm, CIFG, int16 with int32 biases)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backends_check import check_model
from differential import compare, shared_model
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model
from tqc.tflite_writer import Op, Tensor, write_model

GATES = ("input", "forget", "cell", "output")


def _lstm_model(tmp_path: Path, rng: np.random.Generator, time_major: bool,
                activation: str = "TANH", cell_clip: float = 0.0,
                absent: dict[int, Tensor] | None = None, dtype: str = "int8",
                extreme: bool = False, bias_dtype: str | None = None) -> Path:
    """One LSTM: random sizes and zero points; scales that keep the gates and the hidden state
    inside their ranges, or (`extreme`) scales from tiny to saturating. int16 (16x8): zero
    points 0, int64 biases (`bias_dtype` overrides)."""
    bias_dtype = bias_dtype or ("int64" if dtype == "int16" else "int32")
    mag = 5300 if dtype == "int8" else 5300 * 256  # a typical |x · w| sum term
    steps, batch, features, units = (int(v) for v in rng.integers(1, 9, 4))
    x_shape = (steps, batch, features) if time_major else (batch, steps, features)
    out_shape = (steps, batch, units) if time_major else (batch, steps, units)
    zp = lambda: int(rng.integers(-128, 128)) if dtype == "int8" else 0  # noqa: E731
    s_x = float(10 ** rng.uniform(-3, 0))
    s_h = float(10 ** rng.uniform(-3, 0)) if extreme else 2.0**-7 * float(rng.uniform(0.8, 1.2))
    if dtype == "int16":
        s_x, s_h = s_x / 256, s_h / 256
    z_h = zp()
    cell_scale = 2.0 ** -int(rng.integers(8, 16))
    if rng.random() < 0.3:
        cell_scale *= float(rng.uniform(0.8, 1.2))  # TFLM rounds log2 for its tanh
    tensors = [Tensor("x", x_shape, dtype, s_x, zp())]
    names = ["x"]
    for source, k in (("input", features), ("recurrent", units)):
        for gate in GATES:
            name = f"{source}_{gate}_w"
            w = rng.integers(-127, 128, (units, k)).astype(np.int8)
            s_in = s_x if source == "input" else s_h
            s_w = 10 ** rng.uniform(-3, -0.5) if extreme else \
                2.0 / (mag * np.sqrt(k) * s_in) * 10 ** rng.uniform(-0.7, 0.3)
            tensors.append(Tensor(name, (units, k), "int8", float(s_w), 0, data=w))
            names.append(name)
    names += ["", "", ""]  # peephole
    for gate in GATES:
        bias = rng.integers(-(1 << int(rng.integers(4, 24))), 1 << 20, units) if extreme else \
            rng.normal(0, mag * np.sqrt(features), units)
        bias = bias.astype(bias_dtype)
        tensors.append(Tensor(f"{gate}_b", (units,), bias_dtype, 1e-5, 0, data=bias))
        names.append(f"{gate}_b")
    names += ["", ""]  # projection
    tensors += [Tensor("h", (batch, units), dtype, s_h, z_h, is_variable=True),
                Tensor("c", (batch, units), "int16", cell_scale, 0, is_variable=True),
                Tensor("y", out_shape, dtype, s_h, z_h)]
    names += ["h", "c", "", "", "", ""]
    for index, tensor in (absent or {}).items():
        tensors.append(tensor)
        names[index] = tensor.name
    options = {"fused_activation_function": activation, "cell_clip": cell_clip,
               "time_major": time_major}
    path = tmp_path / "lstm.tflite"
    write_model(path, tensors, [Op("UNIDIRECTIONAL_SEQUENCE_LSTM", names, ["y"], options)],
                ["x"], ["y"])
    return path


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_lstm_numpy(tmp_path: Path, time_major: bool, seed: int) -> None:
    rng = np.random.default_rng(100 + seed + 50 * time_major)
    clip = [0.0, 0.05, 1.0, 100.0][seed % 4]
    p = _lstm_model(tmp_path, rng, time_major, cell_clip=clip, extreme=seed % 3 == 0)
    assert compare(p, n=12, seed=seed, runtime="tflm") == "tflm"


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_lstm_int16_numpy(tmp_path: Path, time_major: bool, seed: int) -> None:
    """16x8: int16 input, hidden state and output, int64 biases (TFLM's int64 FC requantize)."""
    rng = np.random.default_rng(300 + seed + 50 * time_major)
    clip = [0.0, 0.05, 1.0, 100.0][seed % 4]
    p = _lstm_model(tmp_path, rng, time_major, cell_clip=clip, dtype="int16", extreme=seed == 3)
    assert compare(p, n=12, seed=seed, runtime="tflm") == "tflm"


def test_lstm_int16_c(tmp_path: Path) -> None:
    p = _lstm_model(tmp_path, np.random.default_rng(9), False, cell_clip=0.5, dtype="int16")
    assert check_model(p, 8, 3, ("numpy", "c")) == []


@pytest.mark.parametrize("time_major", [False, True])
def test_lstm_c(tmp_path: Path, time_major: bool) -> None:
    p = _lstm_model(tmp_path, np.random.default_rng(7 + time_major), time_major, cell_clip=0.5)
    assert check_model(p, 8, 3, ("numpy", "c")) == []


def test_mnist_lstm_numpy_and_c() -> None:
    path = shared_model("tflm_mnist_lstm_int8.tflite")
    assert check_model(path, 16, 0, ("numpy", "c")) == []


def _refused(tmp_path: Path, match: str, **kw: object) -> None:
    p = _lstm_model(tmp_path, np.random.default_rng(0), False, **kw)  # type: ignore[arg-type]
    with pytest.raises(TqcError, match=match):
        load_numpy_model(p)


def test_lstm_refuses_variants(tmp_path: Path) -> None:
    w = lambda name, k: Tensor(name, (8, k), "int8", 0.01, 0, data=np.ones((8, k), np.int8))  # noqa: E731
    _refused(tmp_path, r"op #0 .*peephole", absent={9: Tensor("peep", (8,), "int16", 0.01, 0,
                                                                  data=np.ones(8, np.int16))})
    _refused(tmp_path, r"op #0 .*projection", absent={16: w("proj", 8)})
    _refused(tmp_path, r"op #0 .*layer normalization",
             absent={20: Tensor("ln", (8,), "int16", 0.01, 0, data=np.ones(8, np.int16))})
    _refused(tmp_path, r"op #0 .*gate biases must be constant i64", dtype="int16",
             bias_dtype="int32")
    _refused(tmp_path, r"op #0 .*cell gate activation RELU", activation="RELU")


def test_lstm_refuses_cifg(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    p = _lstm_model(tmp_path, rng, False)
    from tqc.tflite_reader import read_model

    model = read_model(p)
    names = [model.tensors[i].name if i >= 0 else "" for i in model.ops[0].inputs]
    tensors = [Tensor(t.name, t.shape, t.dtype, None if t.scales is None else float(t.scales[0]),
                      None if t.zero_points is None else int(t.zero_points[0]), data=t.data,
                      is_variable=t.is_variable) for t in model.tensors]
    for i in (1, 5, 12):
        names[i] = ""
    q = tmp_path / "cifg.tflite"
    write_model(q, tensors, [Op("UNIDIRECTIONAL_SEQUENCE_LSTM", names, ["y"])], ["x"], ["y"])
    with pytest.raises(TqcError, match=r"op #0 .*coupled input and forget gate"):
        load_numpy_model(q)
