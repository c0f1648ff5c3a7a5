"""tqc.tqm: the .tqm text format — parsing, round trip through .tflite, reference runs, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tflite

from differential import compare
from tqc import tqm
from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model
from tqc.reference import choose_reference
from tqc.tflite_reader import read_model

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

ROUNDTRIP = """
model roundtrip   # a comment
input  x  : int8[1,4,4,2]   scale=0.5 zp=-128
const  w  : int8[1,3,3,4]   scale=[0.1, 0.2, 0.3, 1/1024] zp=[0, 0, 0, 0] axis=3  random(seed=7)
const  b  : int32[4]        scale=auto data=[1, -2, 3, -4]
tensor y  : int8[1,2,2,4]   scale=2e-3 zp=127
const  s  : int32[2]        data=[1, 16]
tensor z  : int8[1,16]      scale=2e-3 zp=127
const  u  : uint8[2,3]      scale=0.25 zp=255 data=[[0, 1, 2],
                                                    # rows may span lines, comments too
                                                    [253, 254, 255]]
const  h  : int16[3]        scale=1e-4 range(-32768, 32767)
const  f  : float32[2,2]    fill(-0.5)
const  q  : int32[]         data=7
const  r  : int8[256]       scale=1 range(-128)
tensor y2 : int8[1,2,2,4]   scale=2e-3 zp=127

y = DEPTHWISE_CONV_2D(x, w, b) padding=VALID stride=[1, 1] activation=RELU
z = RESHAPE(y, s) new_shape=[1, 16]
y2 = MAX_POOL_2D(y) filter=[1, 1] padding=SAME version=2
output z, y2
"""


def _opts(op: object, cls: type) -> object:
    o = cls()
    table = op.options  # type: ignore[attr-defined]
    o.Init(table._tab.Bytes, table._tab.Pos)
    return o


def test_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "rt.tflite"
    path.write_bytes(tqm.build(ROUNDTRIP, "rt.tqm"))
    m = read_model(path)
    t = {ti.name: ti for ti in m.tensors}
    assert [m.tensors[i].name for i in m.inputs] == ["x"]
    assert [m.tensors[i].name for i in m.outputs] == ["z", "y2"]
    assert t["x"].shape == (1, 4, 4, 2) and t["x"].dtype == "int8" and not t["x"].is_const
    assert list(t["x"].scales) == [0.5] and list(t["x"].zero_points) == [-128]
    w = t["w"]
    assert w.quantized_dimension == 3 and list(w.zero_points) == [0] * 4
    np.testing.assert_array_equal(w.scales, np.float32([0.1, 0.2, 0.3, 1 / 1024]))
    expect = np.random.default_rng(7).integers(-127, 127, (1, 3, 3, 4), dtype=np.int64, endpoint=True)
    np.testing.assert_array_equal(w.data, expect.astype(np.int8))
    b = t["b"]  # scale=auto: float32(S_x) * float32(S_w[c]) in double, stored as float32
    sw = np.float32([0.1, 0.2, 0.3, 1 / 1024]).astype(np.float64)
    np.testing.assert_array_equal(b.scales, np.float32(0.5 * sw))
    assert b.quantized_dimension == 0 and list(b.data) == [1, -2, 3, -4] and b.data.dtype == np.int32
    assert t["y"].scales[0] == np.float32(2e-3) and list(t["y"].zero_points) == [127]
    assert t["s"].scales is None and list(t["s"].data) == [1, 16]
    np.testing.assert_array_equal(t["u"].data, np.uint8([[0, 1, 2], [253, 254, 255]]))
    assert list(t["u"].zero_points) == [255]
    np.testing.assert_array_equal(t["h"].data, np.int16([-32768, -1, 32766]))  # START + STEP*i
    np.testing.assert_array_equal(t["f"].data, np.full((2, 2), -0.5, np.float32))
    assert t["q"].shape == () and t["q"].data.item() == 7
    np.testing.assert_array_equal(t["r"].data, np.arange(-128, 128).astype(np.int8))

    dw, reshape, pool = m.ops
    assert (dw.opcode, reshape.opcode, pool.opcode) == ("DEPTHWISE_CONV_2D", "RESHAPE", "MAX_POOL_2D")
    assert [m.tensors[i].name for i in dw.inputs] == ["x", "w", "b"]
    o = dw.options
    assert (o.Padding(), o.StrideW(), o.StrideH(), o.DepthMultiplier(), o.FusedActivationFunction()) == (
        tflite.Padding.VALID, 1, 1, 2, tflite.ActivationFunctionType.RELU)
    assert list(reshape.options.NewShapeAsNumpy()) == [1, 16]
    p = pool.options
    assert (p.FilterWidth(), p.FilterHeight(), p.Padding(), pool.version) == (1, 1, tflite.Padding.SAME, 2)


def test_absent_operand_and_float_io(tmp_path: Path) -> None:
    text = """
    input  xf : float32[1,6]
    tensor xq : int8[1,6]   scale=0.02 zp=-1
    const  w  : int8[3,6]   scale=0.01 random(seed=3, low=-5, high=5)
    tensor yq : int8[1,3]   scale=0.04 zp=5
    tensor yf : float32[1,3]
    xq = QUANTIZE(xf)
    yq = FULLY_CONNECTED(xq, w, _) keep_num_dims=false
    yf = DEQUANTIZE(yq)
    output yf
    """
    path = tmp_path / "fio.tflite"
    path.write_bytes(tqm.build(text))
    m = read_model(path)
    fc = m.ops[1]
    assert fc.inputs[2] == -1 and fc.options.KeepNumDims() is False
    w = m.tensors[fc.inputs[1]].data
    assert w.min() >= -5 and w.max() <= 5
    assert compare(path, n=16) == "tflm"


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.tqm")))
@pytest.mark.parametrize("runtime", ["tflm", "litert-ref"])
def test_examples_match_reference(example: str, runtime: str) -> None:
    """Every example loads in TFLM and LiteRT REF and tqc's NumPy backend matches bit for bit."""
    path = tqm.model_path(EXAMPLES / example)
    assert path.suffix == ".tflite" and path.exists()
    assert compare(path, n=32, runtime=runtime) == runtime


def test_examples_present() -> None:
    assert len(list(EXAMPLES.glob("*.tqm"))) >= 3


def test_uint8_legacy_model_uses_litert_ref(tmp_path: Path) -> None:
    text = """
    input  x : uint8[1,5,5,4]  scale=1/128 zp=128
    const  w : uint8[2,3,3,4]  scale=0.02 zp=119 random(seed=2)
    const  b : int32[2]        scale=auto data=[-300, 250]
    tensor y : uint8[1,3,3,2]  scale=0.05 zp=100
    y = CONV_2D(x, w, b) padding=VALID
    output y
    """
    path = tmp_path / "u8.tflite"
    path.write_bytes(tqm.build(text))
    assert choose_reference(path) == "litert-ref"
    assert compare(path, n=16) == "litert-ref"


def test_model_path_and_pipeline_accept_tqm(tmp_path: Path) -> None:
    src = tmp_path / "tiny.tqm"
    src.write_text("input x : int8[1,4] scale=0.5 zp=-3\ntensor y : int8[1,4] scale=0.25 zp=7\n"
                   "y = RELU(x)\noutput y")  # no final newline
    assert tqm.model_path(tmp_path / "a.tflite") == tmp_path / "a.tflite"
    built = tqm.model_path(src)
    assert built.name == "tiny.tflite" and built.read_bytes()[4:8] == b"TFL3"
    module = load_numpy_model(src)  # pipeline.lower builds the .tqm itself
    x = np.arange(-128, 128, dtype=np.int8).reshape(64, 4)
    y = module.run(x)
    real = np.maximum(0.5 * (x.astype(np.int64) + 3), 0)
    assert np.abs(y.astype(np.int64) - np.clip(np.round(real / 0.25) + 7, -128, 127)).max() <= 1


def test_random_is_reproducible_and_seeded() -> None:
    def data(seed: int) -> np.ndarray:
        m = tqm.parse(f"const w : int8[64] scale=1 random(seed={seed})\noutput w")
        assert m.tensors[0].data is not None
        return m.tensors[0].data

    assert np.array_equal(data(1), data(1)) and not np.array_equal(data(1), data(2))
    assert data(1).min() >= -127
    np.testing.assert_array_equal(
        tqm.parse("const w : int8[64] scale=1 random()\noutput w").tensors[0].data, data(0))


def _err(text: str) -> str:
    with pytest.raises(TqcError) as e:
        tqm.parse(text, "m.tqm")
    msg = str(e.value)
    assert "\n" not in msg
    return msg


BASE = """input x : int8[1,4] scale=0.5 zp=0
tensor y : int8[1,4] scale=0.5 zp=0
y = RELU(x)
output y
"""

SYNTAX = [  # (text, "line:col", message fragment)
    (BASE.replace("int8[1,4] scale=0.5 zp=0\ntensor", "int8[1,4 scale=0.5 zp=0\ntensor"), "1:20",
     "unexpected 'scale', expected ',' or ']'"),
    (BASE.replace("RELU(x)", "RELU(x) $"), "3:13", "unexpected character '$'"),
    (BASE.replace("input x :", "input x"), "1:9", "unexpected 'int8', expected ':'"),
    (BASE + "const c : int8[2] data=[1,\n", "5:27", "unexpected end of file"),
    (BASE.replace("y = RELU(x)", "y = RELU(x) = 2"), "3:13", "unexpected '=', expected a name or end of line"),
    ("model\n" + BASE, "1:6", "unexpected end of line, expected a name"),
    ("\n\n  # comment\n\n" + BASE.replace("scale=0.5 zp=0\ntensor", "scale==0.5\ntensor"), "5:27",
     "unexpected '='"),
]


@pytest.mark.parametrize("text,where,message", SYNTAX)
def test_syntax_errors_carry_line_and_column(text: str, where: str, message: str) -> None:
    msg = _err(text)
    assert msg.startswith(f"m.tqm:{where}: syntax error: "), msg
    assert message in msg, msg


SEMANTIC = [  # (text, "line:col", message fragment)
    (BASE.replace("RELU(", "RELUU("), "3:5", "unknown operator 'RELUU' (did you mean 'RELU'?)"),
    (BASE.replace("RELU(x)", "RELU(xx)"), "3:10", "unknown tensor 'xx'"),
    (BASE.replace("RELU(x)", "ADD(x, x) activaton=RELU"), "3:15", "ADD has no option 'activaton'"),
    (BASE.replace("RELU(x)", "ADD(x, x) activation=RELU7"), "3:26", "'RELU7' is not one of"),
    (BASE.replace("RELU(x)", "RELU(x) stride=2"), "3:13", "RELU takes no options"),
    (BASE.replace("RELU(x)", "AVERAGE_POOL_2D(x) stride=2.5"), "3:31", "is an integer"),
    (BASE.replace("int8[1,4] scale=0.5 zp=0\ntensor", "int9[1,4] scale=0.5\ntensor"), "1:11",
     "unknown dtype 'int9'"),
    (BASE.replace("scale=0.5 zp=0\ntensor", "scale=0.5 zp=0 scal=2\ntensor"), "1:36", "unknown attribute 'scal'"),
    (BASE + "const c : int8[2] data=[1,2,3]\n", "5:24", "data has 3 values, shape [2] needs 2"),
    (BASE + "const c : int8[2] data=[1,200]\n", "5:27", "200 is out of range for int8"),
    (BASE + "const c : int8[2,2] data=[[1,2,3],[1,2,3]]\n", "5:26", "data has shape [2, 3], the tensor [2, 2]"),
    (BASE + "const c : int8[2] data=[1,2.5]\n", "5:27", "int8 data needs integers"),
    (BASE + "const c : int8[2,3] scale=[1,2] axis=1 fill(1)\n", "5:27", "2 per-channel values but 'c' has 3"),
    (BASE + "const c : int32[2] scale=auto fill(1)\n", "5:26", "scale=auto: 'c' is not the bias operand"),
    (BASE + "const c : int32[2] random(seed=1)\n", "5:20", "needs low= and high="),
    (BASE + "const c : int8[2] random(sed=1)\n", "5:26", "has no argument 'sed'"),
    (BASE + "const c : int8[300] scale=1 range(0)\n", "5:29", "range(...) reaches 299"),
    (BASE + "const c : int32[2]\n", "5:7", "const 'c' needs data="),
    (BASE + "tensor x : int8[1]\n", "5:8", "tensor 'x' is already declared on line 1"),
    (BASE + "const c : int8[1,4] fill(1)\nc = RELU(x)\n", "6:1", "an op's result must be a 'tensor'"),
    (BASE + "y = RELU(x)\n", "5:1", "tensor 'y' is already produced"),
    ("input x : int8[1] scale=1\ntensor y : int8[1] scale=1\ntensor z : int8[1] scale=1\n"
     "z = RELU(y)\ny = RELU(x)\noutput z\n", "4:10", "tensor 'y' is used before an op produces it"),
    ("input x : int8[1] scale=1\ntensor y : int8[1] scale=1\noutput y\n", "3:8", "output 'y' is not produced"),
    ("input x : int8[1,-2] scale=1\noutput x\n", "1:18", "shape dimension -2"),
    ("input x : float32[1] scale=1\noutput x\n", "1:22", "a float32 tensor is not quantized"),
    ("input x : int8[1] zp=3\noutput x\n", "1:19", "'zp' without scale"),
    ("input x : int8[1] scale=1/0\noutput x\n", "1:27", "division by zero"),
    ("input x : int8[1] scale=1 data=[1]\noutput x\n", "1:27", "only a const has data"),
]


@pytest.mark.parametrize("text,where,message", SEMANTIC)
def test_semantic_errors_name_the_line(text: str, where: str, message: str) -> None:
    msg = _err(text)
    assert msg.startswith(f"m.tqm:{where}: "), msg
    assert message in msg, msg


def test_missing_output_is_an_error() -> None:
    assert _err("input x : int8[1] scale=1\n") == "m.tqm: no 'output' statement"
