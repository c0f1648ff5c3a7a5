"""`--reference xnnpack`: tqc against LiteRT's default CPU path (XNNPACK), bit for bit.

Per op at extreme quantization (NumPy and C), the integer emulation of the float32 requantize
against NumPy's float32 arithmetic, the refusals, and the shared models.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from differential import random_inputs

from tqc.errors import TqcError
from tqc.pipeline import identifier, lower
from tqc.reference import run_reference_with_runtime
from tqc.semantics.quant_math import float32_parts
from tqc.semantics.round_f32 import ADDEND_BITS, mul_add_round_f32, mul_round_f32
from tqc.targets import TargetOptions, get_target
from tqc.tqm import build_file

MODELS = Path(__file__).resolve().parents[1].parent / "shared" / "models"


def _float32_reference(x: np.ndarray, scale: float) -> np.ndarray:
    """rint(float32(float32(x) * scale)) in NumPy's IEEE float32, saturated to ±2^30."""
    product = x.astype(np.float32) * np.float32(scale)
    return np.clip(np.rint(product).astype(np.float64), -(2**30), 2**30).astype(np.int64)


def test_mul_round_f32_equals_float32_arithmetic() -> None:
    rng = np.random.default_rng(7)
    edges = np.array([0, 1, -1, 2**24 - 1, 2**24 + 1, 2**25 + 3, -(2**24 + 3), 2**31 - 1,
                      -(2**31)], dtype=np.int64)
    for scale in [*(2.0 ** rng.uniform(-40, 7.99, 200)), 0.5, 0.25, 1.5, 2.0**-30, 255.0]:
        s = float(np.float32(scale))
        m, e = float32_parts(s)
        x = np.concatenate([rng.integers(-(2**31), 2**31, 4000), rng.integers(-600, 600, 1200),
                            edges]).astype(np.int32)
        np.testing.assert_array_equal(mul_round_f32(x, m, e).astype(np.int64),
                                      _float32_reference(x, s), err_msg=f"scale {s!r}")


def test_mul_round_f32_rounds_ties_to_even() -> None:
    m, e = float32_parts(0.5)
    assert list(mul_round_f32(np.array([1, 3, 5, -1, -3]), m, e)) == [0, 2, 2, 0, -2]


def test_mul_add_round_f32_equals_float32_arithmetic() -> None:
    """Against NumPy's float32 mul then add, then rint; with ties (z = k + 1/2, a product far
    below z's last bit: the sticky bit) and sums beyond 2^23 (only the side matters)."""
    rng = np.random.default_rng(11)
    f = np.float32
    for trial in range(300):
        scale = f(2.0 ** rng.uniform(-40, 3))
        z = f([rng.uniform(-300, 300), rng.integers(-300, 300) + 0.5, 0.0][trial % 3])
        m, e = float32_parts(float(scale))
        addend = int(float(z) * 2.0**ADDEND_BITS)
        x = np.concatenate([rng.integers(-(2**31), 2**31, 2000), rng.integers(-9000, 9000, 2000),
                            [0, 1, -1, 2, -2]]).astype(np.int32)
        want = np.rint(f(x.astype(f) * scale) + z).astype(np.float64)
        got = mul_add_round_f32(x, m, e, addend).astype(np.float64)
        small = np.abs(want) < 2**23
        np.testing.assert_array_equal(got[small], want[small], err_msg=f"{scale!r} {z!r}")
        np.testing.assert_array_equal(np.sign(got[~small]), np.sign(want[~small]))


CONV = """
input  x : {dt}[1,6,6,3]  scale=0.0312 zp={zx}
const  w : {wdt}[4,3,3,3]  scale={ws} zp={zw} axis=0  random(seed=3)
const  b : int32[4]  scale=auto  data=[1000, -2000, 30, 77]
tensor y : {dt}[1,3,3,4]  scale=0.0071 zp={zy}
y = CONV_2D(x, w, b) padding=SAME stride=2 activation=RELU6
output y
"""
DEPTHWISE = """
input  x : {dt}[1,5,5,4]  scale=0.05 zp={zx}
const  w : {wdt}[1,3,3,4]  scale={ws} zp={zw} axis=3  random(seed=4)
const  b : int32[4]  scale=auto  data=[10, -20, 300, -4000]
tensor y : {dt}[1,5,5,4]  scale=0.11 zp={zy}
y = DEPTHWISE_CONV_2D(x, w, b) padding=SAME depth_multiplier=1
output y
"""
FC = """
input  x : {dt}[2,24]  scale=0.02 zp={zx}
const  w : {wdt}[5,24]  scale={ws} zp={zw}  random(seed=5)
const  b : int32[5]  scale=auto  data=[100, -200, 3000, -40, 5]
tensor y : {dt}[2,5]  scale=0.043 zp={zy}
y = FULLY_CONNECTED(x, w, b)
output y
"""
ADD = """
input  a : {dt}[1,4,4,3]  scale=0.0173 zp={zx}
input  c : {dt}[1,1,4,3]  scale=0.041 zp={zw}
tensor y : {dt}[1,4,4,3]  scale=0.0523 zp={zy}
y = ADD(a, c) activation=RELU
output y
"""
MUL = """
input  a : {dt}[1,4,4,3]  scale=0.0173 zp={zx}
input  c : {dt}[1,1,4,3]  scale=0.041 zp={zw}
tensor y : {dt}[1,4,4,3]  scale=0.00623 zp={zy}
y = MUL(a, c)
output y
"""
REQUANTIZE = """
input  a : {dt}[1,4,4,3]  scale=0.0173 zp={zx}
tensor y : {dt}[1,4,4,3]  scale=0.0411 zp={zy}
y = QUANTIZE(a)
output y
"""
MEAN = """
input  a : {dt}[1,5,7,16]  scale=0.0173 zp={zx}
const  axes : int32[2]  data=[1, 2]
tensor y : {dt}[1,1,1,16]  scale=0.0111 zp={zy}
y = MEAN(a, axes) keep_dims=true
output y
"""
# Power-of-two scales: the real multiplier 1/4 (1/2 for ADD) puts many results exactly halfway,
# where XNNPACK (ties to even; ADD: half up) and the reference (half away from zero) part.
TIES_CONV = """
input  x : int8[1,6,6,3]  scale=0.5 zp=-3
const  w : int8[4,3,3,3]  scale=0.25 zp=0 axis=0  random(seed=3)
const  b : int32[4]  scale=auto  data=[0, 1, 2, 3]
tensor y : int8[1,6,6,4]  scale=32 zp=1
y = CONV_2D(x, w, b) padding=SAME stride=1
output y
"""
TIES_ADD = """
input  a : int8[1,4,4,3]  scale=0.5 zp=0
input  c : int8[1,4,4,3]  scale=0.5 zp=0
tensor y : int8[1,4,4,3]  scale=1 zp=0
y = ADD(a, c)
output y
"""
TIES_QUANTIZE = """
input  a : int8[1,4,4,3]  scale=0.25 zp=0
tensor y : int8[1,4,4,3]  scale=1 zp=0
y = QUANTIZE(a)
output y
"""
TIES_MEAN = """
input  a : int8[1,2,2,16]  scale=0.5 zp=0
const  axes : int32[2]  data=[1, 2]
tensor y : int8[1,1,1,16]  scale=0.5 zp=0
y = MEAN(a, axes) keep_dims=true
output y
"""
TIES_SUB = """
input  a : int8[1,4,4,3]  scale=0.5 zp=0
input  c : int8[1,4,4,3]  scale=0.5 zp=0
tensor y : int8[1,4,4,3]  scale=1 zp=0
y = SUB(a, c)
output y
"""
SUB = """
input  a : {dt}[1,4,4,3]  scale=0.0173 zp={zx}
input  c : {dt}[1,1,4,3]  scale=0.041 zp={zw}
tensor y : {dt}[1,4,4,3]  scale=0.0523 zp={zy}
y = SUB(a, c) activation=RELU6
output y
"""
TIES_MUL = """
input  a : uint8[1,4,4,3]  scale=0.5 zp=128
input  c : uint8[1,4,4,3]  scale=0.5 zp=128
tensor y : uint8[1,4,4,3]  scale=64 zp=128
y = MUL(a, c)
output y
"""
# (dtype, weight dtype, weight scale(s), zero points x, w, y) at the ends of the ranges
INT8 = ("int8", "int8", "[0.0021, 0.013, 0.0007, 0.04]", -128, 0, 127)
UINT8 = ("uint8", "uint8", "0.0123", 255, 3, 0)
CASES = {
    "conv_int8": (CONV, INT8), "conv_uint8": (CONV, UINT8),
    "depthwise_int8": (DEPTHWISE, INT8), "depthwise_uint8": (DEPTHWISE, UINT8),
    "fc_int8": (FC, ("int8", "int8", "0.0093", 127, 0, -128)), "fc_uint8": (FC, UINT8),
    "add_int8": (ADD, ("int8", "", "", -128, 127, 5)), "add_uint8": (ADD, ("uint8", "", "", 0, 255, 128)),
    "mul_int8": (MUL, ("int8", "", "", 127, -128, -3)), "mul_uint8": (MUL, ("uint8", "", "", 255, 0, 7)),
    "quantize_int8": (REQUANTIZE, ("int8", "", "", -128, 0, 127)),
    "quantize_uint8": (REQUANTIZE, ("uint8", "", "", 255, 0, 0)),
    "mean_int8": (MEAN, ("int8", "", "", 127, 0, -128)),
    "mean_uint8": (MEAN, ("uint8", "", "", 0, 0, 255)),
    "ties_conv": (TIES_CONV, INT8), "ties_add": (TIES_ADD, INT8), "ties_mul": (TIES_MUL, INT8),
    "ties_quantize": (TIES_QUANTIZE, INT8), "ties_mean": (TIES_MEAN, INT8),
    "ties_sub": (TIES_SUB, INT8), "sub_int8": (SUB, ("int8", "", "", 127, -128, -7)),
    "sub_uint8": (SUB, ("uint8", "", "", 255, 0, 3)),
}


def _model(tmp_path: Path, case: str) -> Path:
    text, (dt, wdt, ws, zx, zw, zy) = CASES[case]
    source = tmp_path / f"{case}.tqm"
    source.write_text(f"model {case}\n" + text.format(dt=dt, wdt=wdt, ws=ws, zx=zx, zw=zw, zy=zy))
    target = tmp_path / f"{case}.tflite"
    build_file(source, target)
    return target


def _ours(path: Path, xs: list[np.ndarray], target: str, reference: str) -> list[np.ndarray]:
    result = get_target(target).run(lower(path, reference=reference), identifier(path.stem), xs,
                                    TargetOptions())
    return [np.asarray(o) for o in result.outputs]


@pytest.mark.parametrize("case", sorted(CASES))
def test_op_equals_litert_default(tmp_path: Path, case: str) -> None:
    path = _model(tmp_path, case)
    module = lower(path, reference="xnnpack")
    from tqc.pipeline import io_specs

    xs = random_inputs(io_specs(module)[0], 24, seed=1)
    ref, used = run_reference_with_runtime(path, xs, "litert-xnnpack")
    assert used == "litert-xnnpack"
    for target in ("numpy", "c"):
        ours = _ours(path, xs, target, "xnnpack")
        for a, b in zip(ours, ref, strict=True):
            np.testing.assert_array_equal(a, b, err_msg=f"{case} {target}")


def test_the_op_tests_can_fail(tmp_path: Path) -> None:
    """The reference (tflm) arithmetic differs from LiteRT's default on these models, so the
    tests above tell the two apart."""
    differing = []
    for case in ("ties_conv", "ties_add", "ties_mul", "ties_quantize",
                 "ties_mean", "ties_sub"):
        path = _model(tmp_path, case)
        from tqc.pipeline import io_specs

        xs = random_inputs(io_specs(lower(path))[0], 24, seed=1)
        ref, _ = run_reference_with_runtime(path, xs, "litert-xnnpack")
        ours = _ours(path, xs, "numpy", "tflm")
        differing.append(any(not np.array_equal(a, b) for a, b in zip(ours, ref)))
    assert all(differing), differing


def test_scale_outside_xnnpack_range_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "big.tqm"
    source.write_text("""
input  x : int8[1,4]  scale=1.0 zp=0
const  w : int8[2,4]  scale=1.0 zp=0  random(seed=1)
tensor y : int8[1,2]  scale=0.001 zp=0
y = FULLY_CONNECTED(x, w, _)
output y
""")
    with pytest.raises(TqcError, match=r"op #0 FULLY_CONNECTED: requantization scale .* outside XNNPACK's range .*'y'"):
        lower(source, reference="xnnpack")


def test_unknown_reference_is_refused(tmp_path: Path) -> None:
    import tqc

    with pytest.raises(TqcError, match="reference must be one of tflm, litert-ref, xnnpack"):
        tqc.load(Path(__file__).parent / "fixtures" / "mlp_digits_int8.tflite", reference="x")


# Shared models that LiteRT's default runs bit-exactly under --reference xnnpack (docs/cli.md).
EXACT = ["coral_mobilenet_v1_025_128_uint8", "mlperftiny_ic_resnet8_cifar10_int8",
         "mlperftiny_kws_dscnn_int8", "mcunet_person_detection_int8_floatio"]


@pytest.mark.parametrize("name", EXACT)
def test_shared_model_equals_litert_default(name: str) -> None:
    path = MODELS / f"{name}.tflite"
    if not path.is_file():
        pytest.skip(f"{path} is absent (the shared third-party models are not in the repo)")
    import tqc

    report = tqc.load(path, reference="xnnpack").verify(samples=3, layers=False)
    assert report.oracle == "litert-xnnpack"
    assert report.identical, "\n".join(report.lines())


ALL_OPS = """
model xnnpack_ops
input  x : int8[1,6,6,3]  scale=0.0312 zp=-128
const  w : int8[4,3,3,3]  scale=[0.0021, 0.013, 0.0007, 0.04] zp=0 axis=0  random(seed=3)
const  b : int32[4]  scale=auto  data=[1000, -2000, 30, 77]
tensor y : int8[1,6,6,4]  scale=0.0071 zp=127
const  axes : int32[2]  data=[1, 2]
tensor a : int8[1,6,6,4]  scale=0.011 zp=-3
tensor m : int8[1,6,6,4]  scale=0.0023 zp=9
tensor q : int8[1,6,6,4]  scale=0.0311 zp=100
tensor r : int8[1,1,1,4]  scale=0.0111 zp=-128
y = CONV_2D(x, w, b) padding=SAME stride=1
a = ADD(y, y)
m = MUL(a, y)
q = QUANTIZE(m)
r = MEAN(q, axes) keep_dims=true
output r, m
"""


@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_c_is_well_defined_at_every_level(tmp_path: Path, cc: str) -> None:
    """Every XNNPACK step in one model, built at -O0/-O2/-O3 (and with UBSan at -O2), gives the
    NumPy backend's bits."""
    import shutil

    from tqc.backends.c.target import build, generate, run_program
    from tqc.backends.numpy.printer import print_numpy
    from tqc.backends.numpy.target import import_source
    from tqc.pipeline import io_specs

    if shutil.which(cc) is None:
        pytest.skip(f"{cc} is not installed")
    source = tmp_path / "ops.tqm"
    source.write_text(ALL_OPS)
    module = lower(source, reference="xnnpack")
    files, _, program = generate(module, "model")
    assert "tqc_round_f32.h" in files
    xs = random_inputs(io_specs(module)[0], 6, seed=2)
    expected = import_source(print_numpy(module, "model"), "model").run(*xs)
    for k, flags in enumerate([["-O0"], ["-O2"], ["-O3"],
                               ["-O2", "-fsanitize=undefined", "-fno-sanitize-recover"]]):
        exe = build(files, "model", tmp_path / f"b{k}", flags, cc)
        for a, e in zip(run_program(exe, program, xs), expected, strict=True):
            np.testing.assert_array_equal(a, e, err_msg=f"{cc} {' '.join(flags)}")


def test_cli_compile_and_api_write_the_same_files(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`tqc compile --reference xnnpack` goes through `tqc.load(..., reference="xnnpack")`; its C
    carries the float32 helper header, the default's does not."""
    import tqc
    from tqc.cli import main

    path = _model(tmp_path, "conv_int8")
    assert main(["compile", str(path), "--target", "c", "-o", str(tmp_path / "cli"),
                 "--reference", "xnnpack"]) == 0
    capsys.readouterr()
    api = tqc.load(path, reference="xnnpack").emit("c").files
    for name, text in api.items():
        assert (tmp_path / "cli" / name).read_text() == text, name
    assert "tqc_round_f32.h" in api
    assert "tqc_round_f32.h" not in tqc.load(path).emit("c").files


def test_float_quantize_rounds_ties_to_even(tmp_path: Path) -> None:
    """float32 → int8 QUANTIZE: XNNPACK rounds x·(1/S) to even, the reference x/S half away; on
    inputs exactly halfway (and beyond the int8 range) tqc follows LiteRT's default."""
    source = tmp_path / "qf.tqm"
    source.write_text("input x : float32[1,64]\ntensor y : int8[1,64]  scale=0.25 zp=3\n"
                      "y = QUANTIZE(x)\noutput y\n")
    path = tmp_path / "qf.tflite"
    build_file(source, path)
    rng = np.random.default_rng(0)
    x = np.concatenate([(rng.integers(-200, 200, (12, 64)) + 0.5) * 0.25,
                        rng.uniform(-60, 60, (12, 64))]).astype(np.float32)
    (ref,), _ = run_reference_with_runtime(path, [x], "litert-xnnpack")
    for target in ("numpy", "c"):
        np.testing.assert_array_equal(_ours(path, [x], target, "xnnpack")[0], ref, err_msg=target)
    assert not np.array_equal(_ours(path, [x], "numpy", "tflm")[0], ref)
