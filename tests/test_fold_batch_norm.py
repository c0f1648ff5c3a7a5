"""fold-batch-norm + recompute-min-max (opt-in, `--fold-batch-norm`).

Each single-layer model with an unfolded batch-norm (MUL + ADD by per-channel constants) before
or after a conv / depthwise / FC is compiled with the flag, then:
- the folded op, written back to a .tflite with the folded parameters, runs in the reference
  runtime bit for bit like tqc's folded compile (the fold produced a valid TFLite layer and tqc
  computes it exactly), and
- the folded outputs stay within a few LSB of the unfolded reference (the fold is the same
  function up to the dropped intermediate rounding and the weight requantization).
The default compile stays bit-exact; the CLI prints the report on stderr.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest

from differential import random_inputs
from tqc.cli import main
from tqc.dialects.accessors import const_value
from tqc.importer import import_tflite
from tqc.passes.fold_batch_norm import LINEAR, fold_batch_norm
from tqc.passes.lowering import quant_of
from tqc.pipeline import FOLD_BATCH_NORM_PASSES, load_numpy_model, run_passes
from tqc.reference import run_reference
from tqc.tflite_writer import Op, Tensor, write_model

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _bn_model(path: Path, kind: str, direction: str, seed: int) -> Path:
    """x → [op →] MUL(s) → ADD(t) [→ op] with per-channel BN constants; int8. Every intermediate
    scale covers its tensor's whole real range (as calibration would), so nothing saturates."""
    rng = np.random.default_rng(seed)
    fc = kind == "FULLY_CONNECTED"
    c_in = 6 if fc else 3
    mult = 2 if kind == "DEPTHWISE_CONV_2D" else 1
    c_out = {"FULLY_CONNECTED": 4, "CONV_2D": 4, "DEPTHWISE_CONV_2D": c_in * mult}[kind]
    x_shape = (1, c_in) if fc else (1, 5, 5, c_in)
    y_shape = (1, c_out) if fc else (1, 3, 3, c_out)
    w_shape = {"FULLY_CONNECTED": (c_out, c_in), "CONV_2D": (c_out, 3, 3, c_in),
               "DEPTHWISE_CONV_2D": (1, 3, 3, c_out)}[kind]
    sx, zx = 0.02, int(rng.integers(-20, 20))
    sw = rng.uniform(0.002, 0.01, c_out)
    w = rng.integers(-127, 128, w_shape)
    bias = rng.integers(-2000, 2000, c_out)
    opts = {} if fc else {"padding": "VALID"}
    if kind == "DEPTHWISE_CONV_2D":
        opts["depth_multiplier"] = mult
    bn_c = c_out if direction == "preceding" else c_in
    bn_shape = y_shape if direction == "preceding" else x_shape
    s_q, t_q = rng.integers(-127, 128, bn_c), rng.integers(-127, 128, bn_c)
    s_real, t_real = 0.02 * (s_q + 30), 0.01 * t_q  # BN scale ≈ −2 … 3, offset ≈ ±1.3

    def qparams(bound: float, relu: bool = False) -> tuple[float, int]:
        return (bound / 255, -128) if relu else (bound / 127.5, 0)

    x_max = sx * (128 + abs(zx))
    axis = 3 if kind == "DEPTHWISE_CONV_2D" else 0
    w_abs = np.abs(w) * sw.reshape([-1 if i == axis else 1 for i in range(w.ndim)])
    per_out = np.moveaxis(w_abs, axis, 0).reshape(c_out, -1).sum(1)
    if direction == "preceding":
        y_max = float((per_out * x_max + np.abs(bias) * sx * sw).max())
        m_max = y_max * float(np.abs(s_real).max())
        inter = [Tensor("y", y_shape, "int8", *qparams(y_max)),
                 Tensor("m", bn_shape, "int8", *qparams(m_max)),
                 Tensor("z", bn_shape, "int8", *qparams(m_max + float(np.abs(t_real).max()), True))]
        ops = [Op(kind, ["x", "w", "b"], ["y"], opts), Op("MUL", ["y", "s"], ["m"]),
               Op("ADD", ["m", "t"], ["z"], {"fused_activation_function": "RELU"})]
    else:
        m_max = x_max * float(np.abs(s_real).max())
        n_max = m_max + float(np.abs(t_real).max())
        z_max = float((per_out * n_max + np.abs(bias) * sx * sw).max())
        inter = [Tensor("m", bn_shape, "int8", *qparams(m_max)),
                 Tensor("n", bn_shape, "int8", *qparams(n_max)),
                 Tensor("z", y_shape, "int8", *qparams(z_max))]
        ops = [Op("MUL", ["x", "s"], ["m"]), Op("ADD", ["m", "t"], ["n"]),
               Op(kind, ["n", "w", "b"], ["z"], opts)]
    s_in = sx if direction == "preceding" else inter[1].scale
    tensors = [
        Tensor("x", x_shape, "int8", sx, zx),
        Tensor("w", w_shape, "int8", list(sw), 0, axis, w),
        Tensor("b", (c_out,), "int32", [s_in * s for s in sw], 0, 0, bias),
        Tensor("s", (bn_c,), "int8", 0.02, -30, data=s_q),
        Tensor("t", (bn_c,), "int8", 0.01, 0, data=t_q),
        *inter,
    ]
    write_model(path, tensors, ops, ["x"], ["z"])
    return path


def _folded_as_tflite(model: Path, out: Path) -> Path:
    """The folded + requantized layer of `model`, written as a one-op .tflite."""
    module = import_tflite(model)
    with contextlib.redirect_stderr(io.StringIO()):
        run_passes(module, FOLD_BATCH_NORM_PASSES)
    ops = [op for op in module.walk() if isinstance(op, LINEAR)]
    assert len(ops) == 1
    op = ops[0]
    qx, qw, qb, qy = (quant_of(v) for v in (op.input, op.filter, op.bias, op.output))
    assert qx and qw and qb and qy
    kind = op.name.removeprefix("tq.").upper()
    opts: dict[str, object] = {"fused_activation_function": op.activation.data}
    if kind != "FULLY_CONNECTED":
        opts.update(padding=op.padding.data, stride_h=1, stride_w=1)
    shape = lambda v: tuple(v.type.get_shape())  # noqa: E731
    tensors = [
        Tensor("x", shape(op.input), "int8", qx.scale, qx.zero_point),
        Tensor("w", shape(op.filter), "int8", list(qw.scale_array()), 0, qw.axis.data,
               const_value(op.filter)),
        Tensor("b", shape(op.bias), "int32", list(qb.scale_array()), 0, 0, const_value(op.bias)),
        Tensor("z", shape(op.output), "int8", qy.scale, qy.zero_point),
    ]
    write_model(out, tensors, [Op(kind, ["x", "w", "b"], ["z"], opts)], ["x"], ["z"])
    return out


@pytest.mark.parametrize("kind", ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"])
@pytest.mark.parametrize("direction", ["preceding", "following"])
def test_folded_layer_is_exact_and_close(tmp_path: Path, kind: str, direction: str) -> None:
    model = _bn_model(tmp_path / "bn.tflite", kind, direction, seed=len(kind) + len(direction))
    unfolded = load_numpy_model(model)
    xs = random_inputs(unfolded.INPUTS, 32, seed=1)
    ref = run_reference(model, xs)[0]
    assert np.array_equal(unfolded.run(*xs), ref), "the default compile must stay bit-exact"
    with contextlib.redirect_stderr(io.StringIO()) as err:
        folded = load_numpy_model(model, fold_batch_norm=True).run(*xs)
    assert f"into the {direction} {kind}" in err.getvalue()
    equivalent = run_reference(_folded_as_tflite(model, tmp_path / "folded.tflite"), xs)[0]
    assert np.array_equal(folded, equivalent)
    diff = np.abs(folded.astype(int) - ref.astype(int))
    assert diff.max() <= 4, f"folded vs unfolded reference: max {diff.max()} LSB"


def test_unfoldable_fixture_is_unchanged() -> None:
    """cnn_unfolded_bn_int8: both BNs are followed by a ReLU and preceded by ADD/CONCATENATION."""
    module = import_tflite(FIXTURES / "cnn_unfolded_bn_int8.tflite")
    before = str(module)
    lines = fold_batch_norm(module)
    assert len(lines) == 2 and all("refused" in ln and "RELU on ADD" in ln for ln in lines)
    assert str(module) == before


def test_cli_reports_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = str(FIXTURES / "cnn_bn_foldable_int8.tflite")
    assert main(["compile", model, "--target", "numpy", "-o", str(tmp_path / "a")]) == 0
    assert "fold-batch-norm" not in capsys.readouterr().err
    assert main(["compile", model, "--target", "numpy", "-o", str(tmp_path / "b"),
                 "--fold-batch-norm"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert sum(ln.startswith("fold-batch-norm: folded") for ln in err) == 2
    assert "fold-batch-norm: 2 folded, 0 refused; the folded ops are not bit-exact with the model file" in err
    assert sum(ln.startswith("recompute-min-max:") for ln in err) == 2


def test_accuracy_benchmark() -> None:
    """benchmarks/fold_batch_norm_accuracy.py: the numbers docs/fold-batch-norm.md reports."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "fbn_accuracy", Path(__file__).resolve().parents[1] / "benchmarks" / "fold_batch_norm_accuracy.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    x, y = np.load(FIXTURES / "digits_test_x.npy"), np.load(FIXTURES / "digits_test_y.npy")
    r = bench.measure(FIXTURES / "cnn_bn_foldable_int8.tflite", x, y)
    assert r["default_bit_exact"]
    assert len(r["report"]) == 3
    assert r["top1_agreement"] >= 0.95
