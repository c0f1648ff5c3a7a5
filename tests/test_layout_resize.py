"""RESIZE_*, ARG_MAX, CONCATENATION with rescaling and the data-movement ops (PAD/PADV2,
TRANSPOSE, STRIDED_SLICE, PACK, SPLIT, RESHAPE/SQUEEZE/EXPAND_DIMS, MAXIMUM/MINIMUM): single-op
models through the whole pipeline, bit-exact against the reference (TFLM for int8/int16, LiteRT
REF for uint8), plus the shared models that use them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from differential import compare, random_inputs, shared_model
from tqc.errors import TqcError
from tqc.passes.lowering.layout import concat_rescale_table
from tqc.pipeline import load_numpy_model
from tqc.reference import ReferenceError, run_reference
from tqc.tflite_writer import Op, Tensor, write_model

REF = {"int8": "tflm", "int16": "tflm", "uint8": "litert-ref"}
ZP = {"int8": -5, "int16": 0, "uint8": 131}


def _write(tmp_path: Path, tensors: list[Tensor], ops: list[Op], inputs: list[str],
           outputs: list[str], name: str = "m") -> Path:
    path = tmp_path / f"{name}.tflite"
    write_model(path, tensors, ops, inputs, outputs)
    return path


def _compare(p: Path, dtype: str, runtime: str, **kw: object) -> str:
    """`compare`, skipping int16 models while the pipeline refuses int16 activations as a
    whole (passes/lower_requantize.py); these kernels themselves only move int16 values."""
    try:
        return compare(p, runtime=runtime, **kw)  # type: ignore[arg-type]
    except TqcError as e:
        if dtype == "int16" and "int16 activations are not supported" in str(e):
            pytest.skip(f"the pipeline refuses int16 activations: {e}")
        raise


def _i32(name: str, values: list[int] | np.ndarray) -> Tensor:
    data = np.asarray(values, np.int32)
    return Tensor(name, data.shape, "int32", data=data)


# -- RESIZE ----------------------------------------------------------------------------------

FLAGS = [(False, False), (True, False), (False, True), (True, True)]


def _resize_model(tmp_path: Path, opcode: str, dtype: str, in_hw: tuple[int, int],
                  out_hws: list[tuple[int, int]], flags: list[tuple[bool, bool]],
                  out_zp_shift: int = 0) -> Path:
    """One input, one resize per (out_hw, flags), each its own graph output; the outputs may be
    quantized differently from the input (the kernels ignore it)."""
    c = 3
    tensors = [Tensor("x", (1, *in_hw, c), dtype, 0.05, ZP[dtype])]
    ops = []
    for i, ((oh, ow), (align, half)) in enumerate(zip(out_hws, flags)):
        zp = ZP[dtype] + (out_zp_shift if dtype != "int16" else 0)
        tensors += [_i32(f"size{i}", [oh, ow]), Tensor(f"y{i}", (1, oh, ow, c), dtype, 0.07, zp)]
        ops.append(Op(opcode, ["x", f"size{i}"], [f"y{i}"],
                      {"align_corners": align, "half_pixel_centers": half}))
    return _write(tmp_path, tensors, ops, ["x"], [f"y{i}" for i in range(len(ops))])


def _random_sizes(rng: np.random.Generator, k: int) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    in_hw = tuple(int(v) for v in rng.integers(1, 14, 2))
    outs = [tuple(int(v) for v in rng.integers(1, 40, 2)) for _ in range(k)]
    return in_hw, outs  # type: ignore[return-value]


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16"])
@pytest.mark.parametrize("seed", range(3))
def test_resize_nearest(tmp_path: Path, dtype: str, seed: int) -> None:
    rng = np.random.default_rng(10 + seed)
    in_hw, outs = _random_sizes(rng, len(FLAGS))
    outs[0] = (in_hw[0] * 2, in_hw[1] * 2)
    p = _resize_model(tmp_path, "RESIZE_NEAREST_NEIGHBOR", dtype, in_hw, outs, FLAGS, seed)
    assert _compare(p, dtype, REF[dtype], n=4, seed=seed) == REF[dtype]


BILINEAR_FLAGS = FLAGS[:3]  # half_pixel_centers needs align_corners false


@pytest.mark.parametrize("dtype,runtime", [("int8", "tflm"), ("int8", "litert-ref"),
                                           ("uint8", "litert-ref"), ("int16", "litert-ref")])
@pytest.mark.parametrize("seed", range(3))
def test_resize_bilinear(tmp_path: Path, dtype: str, runtime: str, seed: int) -> None:
    """int8/int16: ResizeBilinearInteger; uint8: LiteRT's float kernel."""
    rng = np.random.default_rng(20 + seed)
    in_hw, outs = _random_sizes(rng, 6)
    outs[0] = (1, 1)
    outs[1] = (max(1, in_hw[0] // 2), max(1, in_hw[1] // 3))  # downsampling
    p = _resize_model(tmp_path, "RESIZE_BILINEAR", dtype, in_hw, outs, BILINEAR_FLAGS * 2, seed)
    assert _compare(p, dtype, runtime, n=4, seed=seed) == runtime


# Shapes where evaluating the uint8 float kernel with fused multiply-adds changes some outputs
# (found by search): they pin the float32 evaluation order.
FMA_SENSITIVE = [((8, 9), (30, 35), (False, True)), ((22, 21), (49, 47), (True, False)),
                 ((29, 10), (31, 49), (True, False)), ((3, 21), (22, 40), (False, True)),
                 ((5, 10), (37, 52), (False, False))]


@pytest.mark.parametrize("in_hw,out_hw,flags", FMA_SENSITIVE)
def test_resize_bilinear_uint8_float_order(tmp_path: Path, in_hw: tuple[int, int],
                                           out_hw: tuple[int, int], flags: tuple[bool, bool]) -> None:
    p = _resize_model(tmp_path, "RESIZE_BILINEAR", "uint8", in_hw, [out_hw], [flags])
    compare(p, n=6, seed=1, runtime="litert-ref")


def test_resize_bilinear_refuses_align_and_half_pixel(tmp_path: Path) -> None:
    p = _resize_model(tmp_path, "RESIZE_BILINEAR", "int8", (4, 4), [(8, 8)], [(True, True)])
    with pytest.raises(TqcError, match="half_pixel_centers"):
        load_numpy_model(p)


# -- ARG_MAX / ARG_MIN -----------------------------------------------------------------------

@pytest.mark.parametrize("dtype,out_type,runtime", [
    ("int8", "int32", "tflm"), ("int8", "int64", "litert-ref"),
    ("uint8", "int64", "litert-ref"), ("uint8", "int32", "litert-ref")])
@pytest.mark.parametrize("axis", [3, 1, -2])
@pytest.mark.parametrize("opcode", ["ARG_MAX", "ARG_MIN"])
def test_arg_max(tmp_path: Path, dtype: str, out_type: str, runtime: str, axis: int, opcode: str) -> None:
    shape = (1, 5, 4, 7)
    out_shape = tuple(d for i, d in enumerate(shape) if i != axis % 4)
    tensors = [Tensor("x", shape, dtype, 0.1, ZP[dtype]), _i32("axis", [axis]),
               Tensor("y", out_shape, out_type)]
    p = _write(tmp_path, tensors, [Op(opcode, ["x", "axis"], ["y"], {"output_type": out_type})],
               ["x"], ["y"])
    info = np.iinfo(dtype)
    rng = np.random.default_rng(axis + 7)
    end = info.max - 2 if opcode == "ARG_MAX" else info.min
    ties = rng.integers(end, end + 2, (4, *shape[1:]), endpoint=True)  # many ties at the extreme
    x = np.concatenate([random_inputs([(shape, dtype)], 4, seed=3)[0], ties.astype(dtype)])
    assert compare(p, inputs=[x], runtime=runtime) == runtime


# -- CONCATENATION ---------------------------------------------------------------------------

def _concat_model(tmp_path: Path, dtype: str, quants: list[tuple[float, int]],
                  out_q: tuple[float, int], axis: int, sizes: list[int]) -> Path:
    base = [1, 3, 4, 2]
    tensors, names = [], []
    for i, ((s, z), k) in enumerate(zip(quants, sizes)):
        shape = list(base)
        shape[axis] = k
        tensors.append(Tensor(f"x{i}", tuple(shape), dtype, s, z))
        names.append(f"x{i}")
    shape = list(base)
    shape[axis] = sum(sizes)
    tensors.append(Tensor("y", tuple(shape), dtype, *out_q))
    ops = [Op("CONCATENATION", names, ["y"], {"axis": axis})]
    return _write(tmp_path, tensors, ops, names, ["y"])


@pytest.mark.parametrize("seed", range(6))
def test_concat_uint8_rescales(tmp_path: Path, seed: int) -> None:
    """ConcatenationWithScaling: random, extreme and equal-to-output input quantizations."""
    rng = np.random.default_rng(30 + seed)
    out_q = (float(rng.uniform(0.01, 0.2)), int(rng.integers(0, 256)))
    quants = [out_q,  # copied
              (out_q[0] * float(rng.uniform(0.2, 5)), int(rng.integers(0, 256))),
              (out_q[0] * 1e-4, int(rng.integers(0, 256))),  # everything maps near zp_out
              (out_q[0] * 300, int(rng.integers(0, 256))),  # saturates
              (out_q[0], (out_q[1] + 1) % 256)]  # same scale, other zero point
    axis = [1, 2, 3][seed % 3]
    sizes = [int(v) for v in rng.integers(1, 4, len(quants))]
    p = _concat_model(tmp_path, "uint8", quants, out_q, axis, sizes)
    compare(p, n=4, seed=seed, runtime="litert-ref")


def test_concat_uint8_table_pins_float32_rounding() -> None:
    """The table follows float32 arithmetic: with a double-precision formula some entries
    would differ for these parameters (so the differential test above can tell)."""
    s_in, zp_in, s_out, zp_out = 0.0123, 17, 0.0377, 3
    diffs = 0
    for k in range(2000):
        s = s_in * (1 + k * 1e-4)
        t = concat_rescale_table(s, zp_in, s_out, zp_out).astype(np.int64)
        exact = np.arange(256) * np.float64(np.float32(s)) / np.float64(np.float32(s_out))
        exact = exact - zp_in * np.float64(np.float32(s)) / np.float64(np.float32(s_out))
        d = np.clip(np.sign(exact) * np.floor(np.abs(exact) + 0.5) + zp_out, 0, 255)
        diffs += int(np.count_nonzero(t != d))
    assert diffs > 0


def test_concat_int16_copies_whatever_the_scales(tmp_path: Path) -> None:
    p = _concat_model(tmp_path, "int16", [(0.01, 0), (0.5, 0)], (0.02, 0), 3, [2, 1])
    assert _compare(p, "int16", "tflm", n=4) == "tflm"


def test_concat_int8_needs_equal_quantization(tmp_path: Path) -> None:
    p = _concat_model(tmp_path, "int8", [(0.01, 0), (0.02, 0)], (0.02, 0), 3, [2, 1])
    with pytest.raises(TqcError, match="quantized as the output"):
        load_numpy_model(p)
    with pytest.raises(ReferenceError):  # the reference refuses it as well
        run_reference(p, random_inputs([((1, 3, 4, 2), "int8"), ((1, 3, 4, 1), "int8")], 1),
                      "tflm")


def test_split_concat_shared_model() -> None:
    assert compare(shared_model("coral_split_concat_uint8.tflite"), n=6) == "litert-ref"


# -- PAD / PADV2 -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["int8", "uint8"])
@pytest.mark.parametrize("rank", [2, 3, 4])
def test_pad(tmp_path: Path, dtype: str, rank: int) -> None:
    """PAD fills with the OUTPUT zero point (here different from the input's); PADV2 with its
    constant."""
    rng = np.random.default_rng(rank)
    shape = (1, *(int(v) for v in rng.integers(1, 5, rank - 1)))
    pads = rng.integers(0, 3, (rank, 2))
    pads[0] = 0
    out_shape = tuple(int(d + a + b) for d, (a, b) in zip(shape, pads))
    out_zp = ZP[dtype] + 7
    const = np.array([ZP[dtype] - 9])
    tensors = [Tensor("x", shape, dtype, 0.1, ZP[dtype]), _i32("pads", pads),
               Tensor("y", out_shape, dtype, 0.1, out_zp),
               Tensor("c", (), dtype, 0.1, out_zp, data=const.reshape(())),
               Tensor("z", out_shape, dtype, 0.1, out_zp)]
    ops = [Op("PAD", ["x", "pads"], ["y"]), Op("PADV2", ["x", "pads", "c"], ["z"])]
    p = _write(tmp_path, tensors, ops, ["x"], ["y", "z"])
    assert compare(p, n=4, runtime=REF[dtype]) == REF[dtype]


# -- TRANSPOSE, PACK, SPLIT, RESHAPE / SQUEEZE / EXPAND_DIMS ---------------------------------

@pytest.mark.parametrize("perm", [(0, 2, 1), (0, 3, 1, 2), (0, 2, 3, 1), (3, 1, 0, 2)])
def test_transpose(tmp_path: Path, perm: tuple[int, ...]) -> None:
    shape = (1, 3, 4, 5)[:len(perm)]
    out_shape = tuple(shape[i] for i in perm)
    tensors = [Tensor("x", shape, "int8", 0.1, -3), _i32("perm", list(perm)),
               Tensor("y", out_shape, "int8", 0.1, -3)]
    p = _write(tmp_path, tensors, [Op("TRANSPOSE", ["x", "perm"], ["y"])], ["x"], ["y"])
    if out_shape[0] != 1:  # the sample axis moves: run one sample (the oracles' batching rule)
        x = random_inputs([(shape, "int8")], 1)[0]
        ours = load_numpy_model(p).run(x)
        np.testing.assert_array_equal(ours.reshape(out_shape), run_reference(p, [x], "tflm")[0].reshape(out_shape))
        return
    compare(p, n=4, runtime="tflm")


@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_pack_split_reshape_squeeze_expand(tmp_path: Path, dtype: str) -> None:
    s, z = 0.1, ZP[dtype]
    t = lambda name, shape: Tensor(name, shape, dtype, s, z)  # noqa: E731
    tensors = [t("a", (1, 4, 6)), t("b", (1, 4, 6)),
               t("packed", (1, 4, 2, 6)), _i32("split_axis", [3]),
               t("s0", (1, 4, 2, 3)), t("s1", (1, 4, 2, 3)),
               _i32("shape", [1, 24]), t("flat", (1, 24)),
               t("squeezed", (1, 4, 6)), t("one", (1, 4, 1, 6)),
               _i32("expand_axis", [-1]), t("expanded", (1, 4, 6, 1))]
    ops = [Op("PACK", ["a", "b"], ["packed"], {"values_count": 2, "axis": 2}),
           Op("SPLIT", ["split_axis", "packed"], ["s0", "s1"], {"num_splits": 2}),
           Op("RESHAPE", ["s1", "shape"], ["flat"], {"new_shape": [1, 24]}),
           Op("PACK", ["a"], ["one"], {"values_count": 1, "axis": 2}),
           Op("SQUEEZE", ["one"], ["squeezed"], {"squeeze_dims": [2]}),
           Op("EXPAND_DIMS", ["squeezed", "expand_axis"], ["expanded"])]
    p = _write(tmp_path, tensors, ops, ["a", "b"], ["s0", "flat", "expanded"])
    assert compare(p, n=4, runtime=REF[dtype]) == REF[dtype]


@pytest.mark.parametrize("opcode", ["MAXIMUM", "MINIMUM"])
def test_maximum_minimum_broadcast(tmp_path: Path, opcode: str) -> None:
    c = np.arange(-3, 3, dtype=np.int8).reshape(1, 1, 6) * 20
    tensors = [Tensor("x", (1, 4, 6), "int8", 0.1, -3), Tensor("y", (1, 4, 6), "int8", 0.1, -3),
               Tensor("c", (1, 1, 6), "int8", 0.1, -3, data=c),
               Tensor("u", (1, 4, 6), "int8", 0.1, -3), Tensor("v", (1, 4, 6), "int8", 0.1, -3)]
    ops = [Op(opcode, ["x", "y"], ["u"]), Op(opcode, ["x", "c"], ["v"])]
    p = _write(tmp_path, tensors, ops, ["x", "y"], ["u", "v"])
    assert compare(p, n=6, runtime="tflm") == "tflm"


# -- STRIDED_SLICE ---------------------------------------------------------------------------

def _python_index(shape: tuple[int, ...], begin: list[int], end: list[int], strides: list[int],
                  bm: int, em: int, sm: int) -> tuple[object, ...]:
    """The TensorFlow meaning of the slice in Python indexing (for the expected output shape)."""
    index: list[object] = []
    for a in range(len(shape)):
        if (sm >> a) & 1:
            index.append(begin[a])
            continue
        start = None if (bm >> a) & 1 else begin[a]
        stop = None if (em >> a) & 1 else end[a]
        index.append(slice(start, stop, strides[a]))
    return tuple(index)


def _slice_case(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[list[int], ...]:
    begin, end, strides = [0], [1], [1]
    for d in shape[1:]:
        s = int(rng.choice([1, 1, 2, 3, -1, -2]))
        begin.append(int(rng.integers(-d - 2, d + 2)))
        end.append(int(rng.integers(-d - 2, d + 2)))
        strides.append(s)
    return begin, end, strides


@pytest.mark.parametrize("seed", range(12))
def test_strided_slice(tmp_path: Path, seed: int) -> None:
    """Random begin/end (out of range and negative too), strides (negative too) and
    begin/end/shrink masks; axis 0 is the batch axis and kept whole."""
    rng = np.random.default_rng(50 + seed)
    dtype = ["int8", "uint8"][seed % 2]
    shape = (1, *(int(v) for v in rng.integers(1, 7, 3)))
    for _ in range(100):
        begin, end, strides = _slice_case(rng, shape)
        bm, em = (int(v) << 1 for v in rng.integers(0, 8, 2))
        sm = (int(rng.integers(0, 8)) << 1) if seed % 3 == 0 else 0
        for a in range(1, 4):  # a shrunk axis needs an in-range begin and a positive stride
            if (sm >> a) & 1 and not -shape[a] <= begin[a] < shape[a]:
                sm &= ~(1 << a)
            strides[a] = abs(strides[a]) if (sm >> a) & 1 else strides[a]
        index = _python_index(shape, begin, end, strides, bm, em, sm)
        out_shape = np.empty(shape)[index].shape
        if all(out_shape):  # skip empty results: the oracles cannot hold them
            break
    tensors = [Tensor("x", shape, dtype, 0.1, ZP[dtype]), _i32("begin", begin), _i32("end", end),
               _i32("strides", strides), Tensor("y", out_shape, dtype, 0.1, ZP[dtype])]
    opts = {"begin_mask": bm, "end_mask": em, "shrink_axis_mask": sm}
    p = _write(tmp_path, tensors, [Op("STRIDED_SLICE", ["x", "begin", "end", "strides"], ["y"], opts)],
               ["x"], ["y"])
    x = random_inputs([(shape, dtype)], 4, seed=seed)[0]
    assert compare(p, inputs=[x], runtime=REF[dtype]) == REF[dtype]
    expected = np.concatenate([x[i:i + 1][index] for i in range(len(x))])  # Python's meaning
    np.testing.assert_array_equal(load_numpy_model(p).run(x), expected)


def test_strided_slice_negative_stride_edges(tmp_path: Path) -> None:
    """With a negative stride, begin clamps to −1 when it is before the axis: the reference
    loop yields nothing (Python's x[-1::-1] would not), and end −1 means "through index 0".
    Slices of a graph input run in the generated code; those of a constant fold at import
    (the empty one is left out for the constant: the printer cannot inline an empty array)."""
    shape = (1, 4, 3)
    empty = ([0, -9, 0], [1, -12, 3], [1, -1, 1])
    reverse = ([0, 3, 0], [1, -12, 3], [1, -1, 1])
    k = (np.arange(12, dtype=np.int8).reshape(shape) * 7)
    tensors = [Tensor("x", shape, "int8", 0.1, 0), Tensor("k", shape, "int8", 0.1, 0, data=k),
               Tensor("z", (1, 12, 3), "int8", 0.1, 0)]
    ops, parts = [], ["x"]
    for src in ("x", "k"):
        for j, (b, e, st) in enumerate((empty, reverse)):
            if src == "k" and j == 0:
                continue
            name = f"{src}{j}"
            tensors += [_i32(f"b{name}", b), _i32(f"e{name}", e), _i32(f"s{name}", st),
                        Tensor(name, (1, 4 * j, 3), "int8", 0.1, 0)]
            ops.append(Op("STRIDED_SLICE", [src, f"b{name}", f"e{name}", f"s{name}"], [name]))
            parts.append(name)
    ops.append(Op("CONCATENATION", parts, ["z"], {"axis": 1}))
    p = _write(tmp_path, tensors, ops, ["x"], ["z"])
    x = random_inputs([(shape, "int8")], 3)[0]
    compare(p, inputs=[x], runtime="litert-ref")  # TFLM cannot allocate the empty tensor
    z = load_numpy_model(p).run(x)
    np.testing.assert_array_equal(z[:, 4:8], x[:, ::-1])
    np.testing.assert_array_equal(z[:, 8:], np.broadcast_to(k[:, ::-1], (3, 4, 3)))


# -- shared models ---------------------------------------------------------------------------

def test_mcunet_person_detection() -> None:
    """RESIZE_NEAREST_NEIGHBOR, PAD, MAX_POOL_2D, float I/O."""
    assert compare(shared_model("mcunet_person_detection_int8_floatio.tflite"), n=4) == "tflm"


@pytest.mark.slow
def test_deeplab_v3_uint8() -> None:
    """RESIZE_BILINEAR (align_corners, 1→33, 33→33, 33→513), ARG_MAX → int64, CONCATENATION,
    AVERAGE_POOL_2D, QUANTIZE; LiteRT REF."""
    model = shared_model("coral_deeplabv3_mnv2_dm05_pascal_uint8.tflite")
    assert compare(model, n=2, seed=5) == "litert-ref"
