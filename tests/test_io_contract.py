"""The I/O contract (tqc/samples.py): a leading sample axis N replaces a batch dimension of 1 and
is added in front of any other shape; every input has the same N; a mismatch is a one-line error
in the CLI, the generated NumPy module and the C runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.cli import main
from tqc.errors import TqcError
from tqc.pipeline import identifier, load_numpy_model, lower
from tqc.samples import check_samples, sample_shape
from tqc.targets import TargetOptions, get_target
from tqc.tflite_writer import Op, Tensor, write_model


def _sub_with_vector(path: Path) -> Path:
    """int16 SUB of a [1,2,12,64] tensor and a [64] vector (no batch dimension)."""
    tensors = [Tensor("a", (1, 2, 12, 64), "int16", 0.002, 0), Tensor("v", (64,), "int16", 0.003, 0),
               Tensor("y", (1, 2, 12, 64), "int16", 0.004, 0)]
    write_model(path, tensors, [Op("SUB", ["a", "v"], ["y"])], ["a", "v"], ["y"])
    return path


def _vector_model(path: Path) -> Path:
    """A rank-1 input and output ([10] -> [10]): N is added in front, the module runs per sample."""
    tensors = [Tensor("x", (10,), "int8", 0.05, 3), Tensor("y", (10,), "int8", 0.1, -2)]
    write_model(path, tensors, [Op("RELU", ["x"], ["y"])], ["x"], ["y"])
    return path


def test_sample_shape_rule() -> None:
    assert sample_shape((1, 28, 28, 1)) == (28, 28, 1)
    assert sample_shape((64,)) == (64,)
    assert sample_shape((3, 4)) == (3, 4)
    assert sample_shape(()) == ()


def test_vector_input_is_exact_on_numpy_and_c(tmp_path: Path) -> None:
    """The vector input takes (N, 64): each sample's vector is its own (was: sliced as if its
    first axis were samples, 908 of 1536 outputs wrong)."""
    p = _sub_with_vector(tmp_path / "sub.tflite")
    assert check_model(p, 5, 0, ("numpy", "c")) == []


def test_rank1_model_is_exact(tmp_path: Path) -> None:
    p = _vector_model(tmp_path / "vec.tflite")
    assert check_model(p, 4, 1, ("numpy", "c")) == []
    out = load_numpy_model(p).run(np.zeros((4, 10), np.int8))
    assert out.shape == (4, 10)


def test_numpy_module_rejects_different_sample_counts(tmp_path: Path) -> None:
    m = load_numpy_model(_sub_with_vector(tmp_path / "sub.tflite"))
    with pytest.raises(ValueError, match=r"different sample counts \[2, 3\]"):
        m.run(np.zeros((2, 2, 12, 64), np.int16), np.zeros((3, 64), np.int16))
    with pytest.raises(ValueError, match=r"input 1: expected shape \(N, 64\), got \(64,\)"):
        m.run(np.zeros((1, 2, 12, 64), np.int16), np.zeros((64,), np.int16))


def test_c_runner_rejects_different_sample_counts(tmp_path: Path) -> None:
    p = _sub_with_vector(tmp_path / "sub.tflite")
    xs = [np.zeros((2, 2, 12, 64), np.int16), np.zeros((3, 64), np.int16)]
    with pytest.raises(TqcError, match="input 1"):
        get_target("c").run(lower(p), identifier(p.stem), xs, TargetOptions())


def test_cli_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _sub_with_vector(tmp_path / "sub.tflite")
    a, v = tmp_path / "a.npy", tmp_path / "v.npy"
    np.save(a, np.zeros((2, 2, 12, 64), np.int16))
    np.save(v, np.zeros((3, 64), np.int16))
    assert main(["run", str(p), "--target", "numpy", "--input", str(a), "--input", str(v),
                 "--output", str(tmp_path / "y.npy")]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "input 1 has 3 samples, input 0 has 2" in err
    np.save(v, np.zeros((64,), np.int16))
    assert main(["run", str(p), "--target", "numpy", "--input", str(a), "--input", str(v),
                 "--output", str(tmp_path / "y.npy")]) != 0
    err = capsys.readouterr().err.strip()
    assert "input 1 needs shape (N, 64), got (64,)" in err


def test_check_samples_counts_inputs() -> None:
    with pytest.raises(TqcError, match="the model has 2 inputs, got 1"):
        check_samples([np.zeros((1, 3))], [(1, 3), (3,)])
