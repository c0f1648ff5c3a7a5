"""Stream mode (`lower(..., stream=True)`, `tqc run --stream`): SVDF's activation state and an
LSTM's hidden and cell state carried from one invocation to the next, as TFLM carries its
variable tensors when it is not reset between invokes. NumPy and C against TFLM run as one
stream (`run_reference(..., stream=True)`) and, without streaming, against the resetting
reference; `reset()` / `NAME_reset()` mid-stream start a fresh stream; the IR's state rules;
the CLI; verilog's refusal."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from differential import random_inputs
from test_lstm import _lstm_model
from test_svdf import _random, _write
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    ModuleOp,
    StringAttr,
    TensorType,
    i8,
)
from xdsl.ir import Operation
from xdsl.utils.exceptions import VerifyException

from tqc.backends.c.target import build, generate, run_program
from tqc.cli import main
from tqc.dialects import tqi
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model, lower, numpy_source
from tqc.reference import run_reference
from tqc.targets import TargetOptions, get_target

SAMPLES = 10
FIXTURES = Path(__file__).parent / "fixtures"


def _svdf(tmp_path: Path, seed: int) -> Path:
    s = _random(seed, "int16" if seed % 3 else "int8")
    s.batch = 1 + seed % 2
    return _write(tmp_path / f"svdf_stream_{seed}.tflite", s, seed)


def _lstm(tmp_path: Path, seed: int) -> Path:
    return _lstm_model(tmp_path, np.random.default_rng(300 + seed), time_major=seed % 2 == 1,
                       cell_clip=[0.0, 0.5][seed % 2])


def _models(tmp_path: Path, kind: str, seed: int) -> Path:
    return _svdf(tmp_path, seed) if kind == "svdf" else _lstm(tmp_path, seed)


def _inputs(path: Path, seed: int) -> list[np.ndarray]:
    return random_inputs(load_numpy_model(path).INPUTS, SAMPLES, seed)


def _c(path: Path, xs: list[np.ndarray], stream: bool) -> np.ndarray:
    module = lower(path, stream=True)
    return get_target("c").run(module, "m", xs, TargetOptions(stream=stream)).outputs[0]


CASES = [("svdf", seed) for seed in range(4)] + [("lstm", seed) for seed in range(4)]


@pytest.mark.parametrize(("kind", "seed"), CASES)
def test_stream_equals_tflm_without_resets(tmp_path: Path, kind: str, seed: int) -> None:
    """NumPy and C, streaming or not, against TFLM with and without resets; a NumPy stream goes
    on across calls, and an independent run in between leaves it as it is."""
    path = _models(tmp_path, kind, seed)
    xs = _inputs(path, seed)
    streamed = run_reference(path, xs, "tflm", stream=True)[0]
    independent = run_reference(path, xs, "tflm")[0]
    assert not np.array_equal(streamed, independent)  # the state did carry over
    module = load_numpy_model(path, stream=True)
    head = module.run(*(x[:4] for x in xs), stream=True)
    assert np.array_equal(module.run(*xs), independent)
    tail = module.run(*(x[4:] for x in xs), stream=True)
    assert np.array_equal(np.concatenate([head, tail]), streamed)
    assert np.array_equal(_c(path, xs, stream=True), streamed)
    assert np.array_equal(_c(path, xs, stream=False), independent)


@pytest.mark.parametrize(("kind", "seed"), [("svdf", 1), ("lstm", 0)])
def test_reset_mid_stream_starts_a_fresh_stream(tmp_path: Path, kind: str, seed: int) -> None:
    path = _models(tmp_path, kind, seed)
    xs = _inputs(path, seed)
    rest = [x[4:] for x in xs]
    fresh = load_numpy_model(path, stream=True).run(*rest, stream=True)
    module = load_numpy_model(path, stream=True)
    module.run(*(x[:4] for x in xs), stream=True)
    module.reset()
    assert np.array_equal(module.run(*rest, stream=True), fresh)
    assert np.array_equal(_c_reset_at(tmp_path, path, xs, 4)[4:], fresh)


def _c_reset_at(tmp_path: Path, path: Path, xs: list[np.ndarray], k: int) -> np.ndarray:
    """The C program run as one stream with one call of m_reset() before sample k."""
    files, _, program = generate(lower(path, stream=True), "m")
    example = files["m_example.c"]
    call = "    if (!stream) m_reset();\n"
    assert call in example
    files["m_example.c"] = example.replace(call, f"    if (samples == {k}) m_reset();\n")
    exe = build(files, "m", tmp_path / "c_reset")
    return run_program(exe, program, xs, stream=True)[0]


def test_default_lowering_has_no_state(tmp_path: Path) -> None:
    svdf, lstm = _svdf(tmp_path, 0), _lstm(tmp_path, 0)
    assert not tqi.has_state(lower(svdf)) and not tqi.has_state(lower(lstm))
    for path, count in ((svdf, 1), (lstm, 2)):
        ops = list(lower(path, stream=True).walk())
        reads = [op for op in ops if isinstance(op, tqi.StateReadOp)]
        writes = [op for op in ops if isinstance(op, tqi.StateWriteOp)]
        assert len(reads) == len(writes) == count
        assert not any(isinstance(op, tqi.ConstOp) and not op.output.uses for op in ops)


def test_stateless_model_is_the_same_in_stream_mode() -> None:
    path = FIXTURES / "mlp_digits_int8.tflite"
    assert numpy_source(path, "m", stream=True) == numpy_source(path, "m")


def _state_module(*ops_of: str) -> ModuleOp:
    """A function reading and writing i8 states: 'r:a' reads a, 'w:a' writes the last read
    value (of type i8[2], or i8[3] for 'w3:a')."""
    t2, t3 = TensorType(i8, [2]), TensorType(i8, [3])
    ops: list[Operation] = []
    last = None
    for spec in ops_of:
        what, name = spec.split(":")
        if what == "r":
            reset = DenseIntOrFPElementsAttr.from_list(t2, [0, 0])
            op = tqi.StateReadOp.build(result_types=[t2],
                                       properties={"name": StringAttr(name), "reset": reset})
            last = op.output
        elif what == "w3":
            c = tqi.ConstOp.build(result_types=[t3], properties={
                "value": DenseIntOrFPElementsAttr.from_list(t3, [1, 2, 3])})
            ops.append(c)
            op = tqi.StateWriteOp.build(operands=[c.output], properties={"name": StringAttr(name)})
        else:
            op = tqi.StateWriteOp.build(operands=[last], properties={"name": StringAttr(name)})
        ops.append(op)
    fn = func.FuncOp("main", ((), ()))
    fn.body.block.add_ops([*ops, func.ReturnOp()])
    return ModuleOp([fn])


@pytest.mark.parametrize(("ops", "message"), [
    (("r:a", "w:a"), None),
    (("r:a", "w:a", "r:b", "w:b"), None),
    (("r:a",), "one tqi.state_read and one tqi.state_write, has 1 and 0"),
    (("r:a", "w:a", "w:a"), "has 1 and 2"),
    (("r:a", "r:a", "w:a"), "has 2 and 1"),
    (("r:a", "w3:a"), "read as tensor<2xi8> and written as tensor<3xi8>"),
])
def test_state_rules_are_verified(ops: tuple[str, ...], message: str | None) -> None:
    module = _state_module(*ops)
    if message is None:
        module.verify()
        return
    with pytest.raises(VerifyException, match=message):
        module.verify()


def test_state_written_before_it_is_read_is_refused() -> None:
    module = _state_module("r:a", "w:a")
    block = next(iter(module.ops)).body.block  # type: ignore[attr-defined]
    write = next(op for op in block.ops if isinstance(op, tqi.StateWriteOp))
    write.detach()
    block.insert_op_before(write, block.first_op)
    with pytest.raises(VerifyException, match="written before it is read"):
        module.verify()


def test_cli_run_stream(tmp_path: Path) -> None:
    path = _svdf(tmp_path, 2)
    xs = _inputs(path, 2)
    np.save(tmp_path / "x.npy", xs[0])
    streamed = run_reference(path, xs, "tflm", stream=True)[0]
    independent = run_reference(path, xs, "tflm")[0]
    for target in ("numpy", "c"):
        for flag, expected in ((["--stream"], streamed), ([], independent)):
            out = tmp_path / f"y_{target}_{len(flag)}.npy"
            assert main(["run", str(path), "--target", target, "--input", str(tmp_path / "x.npy"),
                         "--output", str(out), *flag]) == 0
            assert np.array_equal(np.load(out), expected), (target, flag)


def test_cli_compile_stream_c_api(tmp_path: Path) -> None:
    """`tqc compile --stream`: NAME_reset declared in NAME.h, the state outside the arena; the
    Makefile builds it."""
    path = _lstm(tmp_path, 1)
    assert main(["compile", str(path), "--target", "c", "--stream", "-o", str(tmp_path / "out"),
                 "--name", "rnn"]) == 0
    header = (tmp_path / "out" / "rnn.h").read_text()
    assert "void rnn_reset(void);" in header and "#define RNN_STATE_BYTES" in header
    source = (tmp_path / "out" / "rnn.c").read_text()
    assert "static int16_t rnn_state_c[" in source and "void rnn_reset(void) {" in source
    subprocess.run(["make", "-s", "-C", str(tmp_path / "out")], check=True, capture_output=True)


def test_verilog_refuses_stream_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "mlp_digits_int8.tflite"
    assert main(["compile", str(path), "--target", "verilog", "--stream", "-o",
                 str(tmp_path / "v")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "stream mode" in err and not (tmp_path / "v").exists()
    with pytest.raises(TqcError, match="stream mode"):
        get_target("verilog").emit(lower(_svdf(tmp_path, 0), stream=True), "m", TargetOptions())
