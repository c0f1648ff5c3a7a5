"""`tqc quant-params`: scale and zero point of a range as the TFLite converter (double,
error-minimising end) and TF's fake-quant (float32 Nudge) compute them, tfmot's symmetric
widening, per axis. Known values are worked by hand in the comments."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tqc.cli import main
from tqc.errors import TqcError
from tqc.quant_params import quant_params


def test_relu6_uint8() -> None:
    # [0, 6] on [0, 255]: scale 6/255, zero point 0 (both ends agree)
    for method in ("converter", "fake-quant"):
        p = quant_params(0.0, 6.0, signed=False, method=method)
        assert p.zero_point.tolist() == [0]
        assert np.float32(p.scale[0]) == np.float32(6 / 255)


def test_asymmetric_int8() -> None:
    # [-1, 2] on [-128, 127]: scale 3/255; -128 + 1/(3/255) = -43 exactly
    p = quant_params(-1.0, 2.0)
    assert p.zero_point.tolist() == [-43] and p.scale[0] == pytest.approx(3 / 255, rel=1e-15)
    assert quant_params(-1.0, 2.0, signed=False).zero_point.tolist() == [85]


def test_converter_picks_the_end_with_the_smaller_error() -> None:
    # [-1, 1]: scale 2/255; from min -128 + 127.5 = -0.5 (error 255.5), from max 127 - 127.5 =
    # -0.5 (error 254.5): the max end wins, -0.5 rounds half away from zero to -1
    p = quant_params(-1.0, 1.0)
    assert p.zero_point.tolist() == [-1]
    assert p.nudged_min[0] == pytest.approx(-127 * 2 / 255)
    assert p.nudged_max[0] == pytest.approx(128 * 2 / 255)


def test_symmetric_narrow_is_zero_centred() -> None:
    # tfmot symmetric + narrow range: [-6, 6] on [-127, 127]: scale 12/254, zero point 0
    p = quant_params(-2.0, 6.0, symmetric=True, narrow_range=True)
    assert (p.range_min[0], p.range_max[0]) == (-6.0, 6.0)
    assert p.zero_point.tolist() == [0] and p.scale[0] == pytest.approx(12 / 254, rel=1e-7)


def test_symmetric_wide_has_zero_point_zero() -> None:
    # ratio -254/256: max' = 1, min' = 1 / (-254/256) -> scale = (1 + 256/254)/255 and
    # -128 - min'/scale = 0
    for hi in (1.0, 0.37, 5.5):
        p = quant_params(-0.1, hi, symmetric=True)
        assert p.zero_point.tolist() == [0], hi


def test_range_is_widened_to_contain_zero() -> None:
    p = quant_params(0.5, 4.0, signed=False)
    assert p.range_min[0] == 0.0 and p.zero_point.tolist() == [0]


def test_per_axis() -> None:
    p = quant_params([-1.0, 0.0, -3.0], [1.0, 2.0, 3.0], symmetric=True, narrow_range=True)
    assert p.zero_point.tolist() == [0, 0, 0]
    np.testing.assert_allclose(p.scale, [2 / 254, 4 / 254, 6 / 254], rtol=1e-7)


def test_converter_and_fake_quant_differ_only_in_the_scale_last_bit() -> None:
    """On random ranges the two zero points agree; the float32 scales differ by at most one ulp
    (the converter divides in double and rounds once, fake-quant divides in float32)."""
    rng = np.random.default_rng(0)
    lo, hi = -rng.uniform(0, 10, 2000), rng.uniform(0, 10, 2000)
    a, b = quant_params(lo, hi), quant_params(lo, hi, method="fake-quant")
    np.testing.assert_array_equal(a.zero_point, b.zero_point)
    sa, sb = a.scale_f32.astype(np.float32), b.scale_f32.astype(np.float32)
    ulps = np.abs(sa.view(np.int32).astype(np.int64) - sb.view(np.int32).astype(np.int64))
    assert ulps.max() == 1 and 0 < np.count_nonzero(ulps) < len(ulps)


def test_errors() -> None:
    with pytest.raises(TqcError, match="min 2.0 is greater than max 1.0"):
        quant_params(2.0, 1.0)
    with pytest.raises(TqcError, match="--bits must be between 2 and 16"):
        quant_params(-1.0, 1.0, bits=1)
    with pytest.raises(TqcError, match="same number of values"):
        quant_params([-1.0, -2.0], [1.0])


def test_point_range_gives_scale_zero() -> None:
    p = quant_params(0.0, 0.0)
    assert p.scale.tolist() == [0.0] and p.zero_point.tolist() == [0]


def test_cli(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert main(["quant-params", "--min", "-1", "--max", "2"]) == 0
    out = capsys.readouterr().out
    assert "zero point -43" in out and "[-128, 127]" in out
    np.save(tmp_path / "lo.npy", np.array([-1.0, -2.0]))
    assert main(["quant-params", "--min", str(tmp_path / "lo.npy"), "--max", "1,2",
                 "--symmetric", "--narrow-range", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["zero_point"] == [0, 0] and len(data["scale"]) == 2
    assert main(["quant-params", "--min", "x", "--max", "1"]) == 1
    assert "tqc: error: --min 'x': expected numbers" in capsys.readouterr().err


def test_matches_tensorflow_when_installed() -> None:
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(1)
    for lo, hi in zip(-rng.uniform(0, 4, 50), rng.uniform(0, 4, 50)):
        p = quant_params(lo, hi, signed=False, method="fake-quant")
        grid = np.arange(256, dtype=np.float32)
        x = (grid - p.zero_point[0]) * np.float32(p.scale[0])
        y = tf.quantization.fake_quant_with_min_max_vars(x, np.float32(lo), np.float32(hi)).numpy()
        np.testing.assert_allclose(y, x, rtol=0, atol=1e-5)
