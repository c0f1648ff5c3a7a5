"""SVDF (integer, lowered to existing tqi ops): random ranks 1-2, memory sizes 1-10, feature sizes,
zero points at the ends of their ranges and scales over decades, NumPy and C against TFLM (every
invoke from TFLM's reset state); the fused activation and the state buffer ignored as TFLM does;
the refusals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from backends_check import check_model

from tqc.errors import TqcError
from tqc.pipeline import identifier, load_numpy_model, lower
from tqc.semantics.quant_math import f32, quantize_multiplier
from tqc.reference import run_reference
from tqc.semantics.fixedpoint import multiply_by_quantized_multiplier
from tqc.targets import TargetOptions, get_target
from tqc.tflite_writer import Op, Tensor, write_model


@dataclass
class Svdf:
    """One SVDF layer's parameters (state_dtype is also weights_time's type)."""

    depth: int
    units: int
    rank: int
    memory: int
    state_dtype: str = "int16"
    scales: tuple[float, float, float, float, float] = (0.05, 0.01, 0.02, 0.003, 0.1)  # in, wf, state, wt, out
    zero_points: tuple[int, int, int] = (0, 0, 0)  # in, state, out
    activation: str = "NONE"
    batch: int = 1


def _random(seed: int, state_dtype: str = "int16") -> Svdf:
    """Scales over decades, chosen so that the new state column spans a third to three times the
    state type's range and the output is mostly not saturated; random shapes and zero points."""
    rng = np.random.default_rng(seed)
    lo, hi = (-32768, 32767) if state_dtype == "int16" else (-128, 127)
    depth, units, rank, memory = (int(rng.integers(1, n)) for n in (17, 5, 3, 11))
    s_in, s_wf, s_wt = (float(f32(10.0 ** rng.uniform(a, b))) for a, b in ((-4, 0), (-4, 0), (-5, -1)))
    s_state = float(f32(np.sqrt(depth) * 127 * 128 * s_in * s_wf / (hi * rng.uniform(0.3, 3))))
    typical_acc = np.sqrt(memory * rank) * hi * hi / 2
    s_out = float(f32(typical_acc * s_state * s_wt / rng.uniform(30, 300)))
    zp_state = int(rng.integers(lo, hi + 1)) if state_dtype == "int8" else int(rng.integers(-100, 101))
    return Svdf(depth, units, rank, memory, state_dtype, (s_in, s_wf, s_state, s_wt, s_out),
                (int(rng.integers(-128, 128)), zp_state, int(rng.integers(-128, 128))))


def _write(path: Path, s: Svdf, seed: int, *, bias: bool = True, variable: bool = True,
           state_data: np.ndarray | None = None, bias_scale: float | None = None) -> Path:
    rng = np.random.default_rng(1000 + seed)
    filters = s.units * s.rank
    s_in, s_wf, s_state, s_wt, s_out = s.scales
    zp_in, zp_state, zp_out = s.zero_points
    wt_hi = 32767 if s.state_dtype == "int16" else 127
    tensors = [
        Tensor("x", (s.batch, s.depth), "int8", s_in, zp_in),
        Tensor("weights_feature", (filters, s.depth), "int8", s_wf, 0,
               data=rng.integers(-127, 128, (filters, s.depth))),
        Tensor("weights_time", (filters, s.memory), s.state_dtype, s_wt, 0,
               data=rng.integers(-wt_hi, wt_hi + 1, (filters, s.memory))),
        Tensor("bias", (s.units,), "int32", f32(s_state * s_wt) if bias_scale is None else bias_scale,
               0, data=rng.integers(-2**14, 2**14, (s.units,))),
        Tensor("state", (s.batch, s.memory * filters), s.state_dtype, s_state, zp_state,
               data=state_data, is_variable=variable),
        Tensor("y", (s.batch, s.units), "int8", s_out, zp_out),
    ]
    inputs = ["x", "weights_feature", "weights_time", "bias" if bias else "", "state"]
    options = {"rank": s.rank, "fused_activation_function": s.activation}
    write_model(path, tensors, [Op("SVDF", inputs, ["y"], options)], ["x"], ["y"])
    return path


@pytest.mark.parametrize("seed", range(12))
def test_int16_state(tmp_path: Path, seed: int) -> None:
    path = _write(tmp_path / f"svdf_{seed}.tflite", _random(seed), seed)
    assert check_model(path, 6, seed, ("numpy", "c")) == []


@pytest.mark.parametrize("seed", range(4))
def test_int8_state(tmp_path: Path, seed: int) -> None:
    path = _write(tmp_path / f"svdf8_{seed}.tflite", _random(100 + seed, "int8"), seed)
    assert check_model(path, 6, seed, ("numpy", "c")) == []


@pytest.mark.parametrize("zero_points", [(-128, -32768, -128), (127, 32767, 127)])
def test_zero_points_at_the_ends(tmp_path: Path, zero_points: tuple[int, int, int]) -> None:
    """The new column's store wraps (zp_state + 32767 leaves int16), the time sum of M = 10
    full-range products wraps in int32, the output saturates."""
    s = Svdf(depth=16, units=3, rank=2, memory=10, zero_points=zero_points,
             scales=(1.0, 1.0, 1e-3, 1e-4, 1e-3))
    path = _write(tmp_path / "ends.tflite", s, 7)
    assert check_model(path, 6, 3, ("numpy", "c")) == []


def test_fused_activation_is_not_applied(tmp_path: Path) -> None:
    """TFLM's integer kernel clamps to the int8 range whatever the fused activation says."""
    s = Svdf(depth=4, units=4, rank=1, memory=3, activation="RELU", zero_points=(0, 0, 0))
    path = _write(tmp_path / "relu.tflite", s, 1)
    assert check_model(path, 8, 1, ("numpy", "c")) == []


def test_state_buffer_is_ignored(tmp_path: Path) -> None:
    """TFLM resets a variable tensor before the first invoke (0 for int16), whatever its buffer
    holds; so does the compiled code."""
    s = Svdf(depth=3, units=2, rank=2, memory=4)
    data = np.arange(s.memory * s.units * s.rank, dtype=np.int16).reshape(1, -1) * 1000 + 7
    path = _write(tmp_path / "buffer.tflite", s, 2, state_data=data)
    assert check_model(path, 6, 2, ("numpy", "c")) == []


def test_batch_of_two(tmp_path: Path) -> None:
    s = Svdf(depth=5, units=3, rank=2, memory=4, batch=2, zero_points=(-5, 11, 3))
    path = _write(tmp_path / "batch2.tflite", s, 4)
    assert check_model(path, 6, 4, ("numpy", "c")) == []


def test_lowering_uses_existing_ops(tmp_path: Path) -> None:
    path = _write(tmp_path / "ops.tflite", Svdf(depth=5, units=3, rank=2, memory=4), 0)
    names = [op.name for op in next(iter(lower(path).ops)).body.block.ops]  # type: ignore[attr-defined]
    assert names.count("tqi.fully_connected") == 1 and names.count("tqi.sum") == 2
    assert "tqi.concat" in names and "tqi.slice" in names


def test_missing_bias_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "no_bias.tflite", Svdf(depth=3, units=2, rank=1, memory=2), 0, bias=False)
    with pytest.raises(TqcError, match="SVDF without a bias tensor"):
        lower(path)


def test_state_that_is_not_variable_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "const.tflite", Svdf(depth=3, units=2, rank=1, memory=2), 0,
                  variable=False)
    with pytest.raises(TqcError, match="not a variable tensor"):
        lower(path)


def test_bias_scale_mismatch_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "bias_scale.tflite", Svdf(depth=3, units=2, rank=1, memory=2), 0,
                  bias_scale=0.5)
    with pytest.raises(TqcError, match=r"bias scale .* \(TFLM refuses"):
        lower(path)


# (S_in, S_wf, S_state, x) where MultiplyByQuantizedMultiplier(127 · (x + 128)) with the multiplier
# from the double product S_in·S_wf/S_state differs by one from the one from float32 products
# (found by search; TFLM gives the double one).
DOUBLE_VS_FLOAT = [(0.9487007856369019, 0.3125196099281311, 0.33414092659950256, 121),
                   (0.10681531578302383, 0.6335268020629883, 0.07539340108633041, -75),
                   (0.03485835716128349, 0.18760688602924347, 0.007863340899348259, -21)]


@pytest.mark.parametrize("case", DOUBLE_VS_FLOAT)
def test_multipliers_from_double_products(tmp_path: Path, case: tuple[float, float, float, int]) -> None:
    """One input, one filter, weights_time 1, output = bias + new column: a multiplier from
    float32 scale products would be off by one on `x` (and the output would be ±1, not 0)."""
    s_in, s_wf, s_state, x = case
    real = s_in * s_wf / s_state
    column = multiply_by_quantized_multiplier(np.array([127 * (x + 128)]), *quantize_multiplier(real))
    float_m = quantize_multiplier(f32(f32(s_in * s_wf) / s_state))
    assert multiply_by_quantized_multiplier(np.array([127 * (x + 128)]), *float_m) != column
    s_wt = float(f32(0.001))
    path = tmp_path / "double.tflite"
    tensors = [Tensor("x", (1, 1), "int8", s_in, -128),
               Tensor("wf", (1, 1), "int8", s_wf, 0, data=np.array([[127]])),
               Tensor("wt", (1, 1), "int16", s_wt, 0, data=np.array([[1]])),
               Tensor("bias", (1,), "int32", s_state * s_wt, 0, data=-column),
               Tensor("state", (1, 1), "int16", s_state, 0, is_variable=True),
               Tensor("y", (1, 1), "int8", float(f32(s_state * s_wt)), 0)]
    write_model(path, tensors, [Op("SVDF", ["x", "wf", "wt", "bias", "state"], ["y"], {"rank": 1})],
                ["x"], ["y"])
    xs = [np.arange(-128, 128, dtype=np.int8).reshape(256, 1)]
    expected = run_reference(path, xs, "tflm")[0]
    assert expected[x + 128, 0] == 0
    assert np.array_equal(load_numpy_model(path).run(*xs), expected)
    c = get_target("c").run(lower(path), identifier(path.stem), xs, TargetOptions())
    assert np.array_equal(c.outputs[0], expected)


def _stream_oracle(s: Svdf, path: Path, xs: np.ndarray) -> np.ndarray:
    """TFLM's SVDF over a stream of invokes without reset, written out with NumPy (what a future
    stream mode of the compiled code must reproduce): the state carries over, shifted left by one
    element of the flat [B·F·M] buffer per invoke."""
    from tqc.tflite_reader import read_model

    t = {info.name: info for info in read_model(path).tensors}
    wf, wt, bias = (t[n].data.astype(np.int64) for n in ("weights_feature", "weights_time", "bias"))  # type: ignore[union-attr]
    zp_in, zp_state, zp_out = s.zero_points
    s_in, s_wf, s_state, s_wt, s_out = (float(t[n].scales[0])  # type: ignore[index]
                                        for n in ("x", "weights_feature", "state", "weights_time", "y"))
    lo, hi = (-32768, 32767) if s.state_dtype == "int16" else (-128, 127)
    state = np.full(s.batch * s.units * s.rank * s.memory, zp_state if s.state_dtype == "int8" else 0,
                    np.int64)
    outs = []
    for x in xs:
        state[:-1] = state[1:].copy()
        window = state.reshape(s.batch, -1, s.memory)
        dot = (x.astype(np.int64) - zp_in) @ wf.T
        column = multiply_by_quantized_multiplier(dot, *quantize_multiplier(s_in * s_wf / s_state))
        column = np.clip(column, lo, hi) + zp_state
        window[:, :, -1] = (column - lo) % (hi - lo + 1) + lo  # the T store wraps
        scratch = ((window - zp_state) * wt).sum(axis=2)
        acc = bias + scratch.reshape(s.batch, s.units, s.rank).sum(axis=2)
        acc = (acc + 2**31) % 2**32 - 2**31
        y = multiply_by_quantized_multiplier(acc, *quantize_multiplier(s_state * s_wt / s_out))
        outs.append(np.clip(y + zp_out, -128, 127))
    return np.stack(outs).astype(np.int8)


@pytest.mark.parametrize("seed", range(3))
def test_stream_semantics(tmp_path: Path, seed: int) -> None:
    """TFLM run as one stream (no reset between invokes) against the stream oracle; its first
    output is the compiled code's (every invoke from the reset state)."""
    s = _random(seed, "int16" if seed < 2 else "int8")
    s.batch = 1 + seed % 2
    path = _write(tmp_path / "stream.tflite", s, seed)
    xs = np.random.default_rng(seed).integers(-128, 128, (12, s.batch, s.depth)).astype(np.int8)
    feed = xs if s.batch > 1 else xs[:, 0]
    streamed = run_reference(path, [feed], "tflm", stream=True)[0].reshape(12, s.batch, s.units)
    assert np.array_equal(streamed, _stream_oracle(s, path, xs))
    independent = run_reference(path, [feed], "tflm")[0].reshape(12, s.batch, s.units)
    assert not np.array_equal(streamed, independent)  # the state did carry over
    first = load_numpy_model(path).run(feed[:1])
    assert np.array_equal(np.asarray(first).reshape(s.batch, s.units), streamed[0])
