"""Property-based differential tests: random single-op models, bit-exact against the reference.

For each supported op, hypothesis draws shapes, strides, dilations, paddings, fused activations,
zero points (often at the ends of the type's range) and scales whose requantization multipliers
span the whole range: above 1 (left shift), tiny (QuantizeMultiplier flushes them to zero), and
products of scales that round up to 2^31 (the frexp carry). The model is written with
`tqc.tflite_writer`, compiled to NumPy (and, for small cases, C) and compared with the reference
(TFLM for int8, LiteRT BUILTIN_REF for uint8) on inputs that include all-min and all-max samples.

A failing case is shrunk by hypothesis; its minimal form is written as `.tqm` text to
`tests/regressions/new/found_<op>_<dtype>.tqm` (TQC_REGRESSIONS_DIR to change; git ignores new/),
with the input seed and backends in a `# check:` line. After triage (a real mismatch, not a broken
checkout), move it up into tests/regressions/, where tests/test_regressions.py replays it.

Examples per test: TQC_PROPERTY_EXAMPLES (default 4; the core ops get up to 2x). Backends:
TQC_PROPERTY_BACKENDS (default "numpy,c"; add "verilog" to also simulate small cases). E.g.
    TQC_PROPERTY_EXAMPLES=50 pytest tests/test_properties.py -n 2
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, note, reject, settings
from hypothesis import strategies as st

from backends_check import check_model
from differential import conv_geometry
from tqc.errors import TqcError
from tqc.reference import ReferenceError, model_info, run_reference
from tqc.tflite_writer import Op, Tensor, write_model
from tqc.tqm_writer import to_tqm

EXAMPLES = int(os.environ.get("TQC_PROPERTY_EXAMPLES", "4"))
BACKENDS = [b for b in os.environ.get("TQC_PROPERTY_BACKENDS", "numpy,c").split(",") if b]
if "c" in BACKENDS and not (os.environ.get("CC") or shutil.which("cc")):
    BACKENDS.remove("c")
# Failing cases land here for triage; move a real finding up into tests/regressions/ to keep it.
REGRESSIONS = Path(os.environ.get("TQC_REGRESSIONS_DIR", Path(__file__).parent / "regressions" / "new"))
# Cases that may hit a reported, not yet fixed mismatch (each has an xfail regression file) are
# skipped unless TQC_PROPERTY_KNOWN=1.
RUN_KNOWN = os.environ.get("TQC_PROPERTY_KNOWN", "") == "1"
SMALL = 512  # elements of input + output: small enough to also run C / Verilog

DTYPES = ["int8", "uint8"]
RANGE = {"int8": (-128, 127), "uint8": (0, 255)}
ACTIVATIONS = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1"]
CARRY_HI, CARRY_LO = 1 + 2.0**-17, 1 - 2.0**-17  # float32 values; product 1 − 2^-34 rounds to 2^31


def prop(weight: float = 1.0) -> Callable:
    return settings(max_examples=max(1, round(EXAMPLES * weight)), deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


# --- the case and its check ----------------------------------------------------------------------

@dataclass
class Case:
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[str]
    outputs: list[str]
    seed: int = 0
    n: int = 6
    notes: list[str] = field(default_factory=list)
    known: str = ""  # a reported mismatch this case may hit (tests/regressions/<known>.tqm)
    known_backend: dict[str, str] = field(default_factory=dict)  # the same, for one backend only

    def size(self) -> int:
        by = {t.name: t for t in self.tensors}
        return sum(math.prod(by[n].shape) for n in [*self.inputs, *self.outputs])


def check(case: Case, test: str) -> None:
    """Compare the case's backends with the reference; on failure save it as .tqm and re-raise.
    Cases the reference refuses (or tqc and the reference both refuse) are rejected: nothing to
    compare with."""
    if case.known and not RUN_KNOWN:
        event(f"skipped: known issue {case.known}")
        reject()
    backends = BACKENDS if case.size() <= SMALL else ["numpy"]
    for b, issue in case.known_backend.items():
        if b in backends and not RUN_KNOWN:
            event(f"skipped {b}: known issue {issue}")
            backends = [x for x in backends if x != b]
    event(f"backends: {','.join(backends)}")
    for text in case.notes:
        event(text)
    with tempfile.TemporaryDirectory(prefix="tqc_prop_") as d:
        path = Path(d) / "prop_case.tflite"  # (the file stem names the generated module)
        write_model(path, case.tensors, case.ops, case.inputs, case.outputs)
        try:
            for skip in check_model(path, case.n, case.seed, backends):
                event(f"skipped {skip[:90]}")
            return
        except ReferenceError as e:
            event(f"reference refused the model: {(str(e).splitlines() + [''])[1][:80]}")
            reject()
        except TqcError as e:
            if reference_refuses(path):
                event(f"both refused: {str(e)[:80]}")
                reject()
            failure: Exception = e
        except Exception as e:
            failure = e
        note(f"saved as {save_regression(case, test, backends, failure)}")
        raise failure


def reference_refuses(path: Path) -> bool:
    """Whether the reference runtime refuses the model (on all-zero inputs)."""
    info = model_info(path)
    xs = [np.zeros((1, *(s.shape[1:] if s.shape[:1] == (1,) else s.shape)), s.dtype) for s in info.inputs]
    try:
        run_reference(path, xs)
    except ReferenceError:
        return True
    return False


def save_regression(case: Case, test: str, backends: list[str], error: Exception) -> Path:
    """Write the case as .tqm (overwritten while hypothesis shrinks: the last one is minimal)."""
    REGRESSIONS.mkdir(parents=True, exist_ok=True)
    path = REGRESSIONS / f"found_{test}.tqm"
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    comments = [f"Found by tests/test_properties.py ({test}), shrunk by hypothesis.",
                f"failure: {type(error).__name__}: {first}"[:300], *case.notes,
                f"check: n={case.n} seed={case.seed} backends={','.join(backends)}"]
    path.write_text(to_tqm(case.tensors, case.ops, case.inputs, case.outputs, name=test,
                           comments=comments))
    return path


# --- building blocks -----------------------------------------------------------------------------

def f32(x: float) -> float:
    return float(np.float32(x))


def zero_point(dtype: str) -> st.SearchStrategy[int]:
    lo, hi = RANGE[dtype]
    return st.one_of(st.sampled_from([lo, hi, 0 if dtype == "int8" else 128]), st.integers(lo, hi))


def scale(lo: float = -12, hi: float = 4) -> st.SearchStrategy[float]:
    """A float32 scale 2^u, u uniform in [lo, hi]."""
    return st.floats(lo, hi).map(lambda u: f32(2.0**u))


def shape(draw: st.DrawFn, rank_min: int = 2, rank_max: int = 4, dim_max: int = 5) -> tuple[int, ...]:
    """A model shape (1, d1, ...): batch 1 first, which the runtime replaces by the sample axis.
    (Rank-1 shapes have no batch dim and are outside that convention.)"""
    rank = draw(st.integers(max(rank_min, 2), rank_max))
    return (1, *(draw(st.integers(1, dim_max)) for _ in range(rank - 1)))


def rng(draw: st.DrawFn) -> np.random.Generator:
    return np.random.default_rng(draw(st.integers(0, 2**16)))


def multiplier_scale(draw: st.DrawFn, product: float, acc: float) -> tuple[float, str]:
    """An output scale S_y for an accumulator in units of `product` (= S_in·S_w) of typical size
    `acc`, so that M = product / S_y is typical, above 1 (a left shift), or tiny (below 2^-31:
    QuantizeMultiplier flushes it to zero)."""
    kind = draw(st.sampled_from(["typical", "typical", "above_one", "tiny"]))
    if kind == "typical":  # acc·M ≈ 2^7 (±3 octaves)
        log_m = 7 - math.log2(max(acc, 1.0)) + draw(st.floats(-3.0, 3.0))
    else:
        log_m = draw(st.floats(0.0, 12.0) if kind == "above_one" else st.floats(-40.0, -32.0))
    return f32(product / 2.0**log_m), kind


def weights(draw: st.DrawFn, r: np.random.Generator, shape_: tuple[int, ...], lo: int, hi: int) -> np.ndarray:
    mode = draw(st.sampled_from(["random", "random", "extremes", "max"]))
    if mode == "random":
        return r.integers(lo, hi + 1, shape_)
    if mode == "extremes":
        return r.choice([lo, hi], shape_)
    return np.full(shape_, hi)


def t_in(name: str, shape_: tuple[int, ...], dtype: str, s: float, z: int) -> Tensor:
    return Tensor(name, shape_, dtype, s, z)


# --- op strategies -------------------------------------------------------------------------------

@st.composite
def conv_case(draw: st.DrawFn, dtype: str, depthwise: bool) -> Case:
    r = rng(draw)
    h, w, c = draw(st.integers(1, 7)), draw(st.integers(1, 7)), draw(st.integers(1, 4))
    mult = draw(st.integers(1, 2)) if depthwise else 1
    o = c * mult if depthwise else draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    dil = [draw(st.integers(1, 2)), draw(st.integers(1, 2))]
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    h, w, oh, ow = conv_geometry(h, w, (kh, kw), stride, dil, padding)
    s_x, z_x, z_y = draw(scale(-10, 0)), draw(zero_point(dtype)), draw(zero_point(dtype))
    w_shape = (1, kh, kw, o) if depthwise else (o, kh, kw, c)
    carry = dtype == "int8" and draw(st.integers(0, 4)) == 0
    if dtype == "int8":
        s_w = [f32(2.0 ** r.uniform(-10, -4)) for _ in range(o)]
        z_w: list[int] | int = 0
        wq = weights(draw, r, w_shape, -127, 127)
    else:
        s_w = [draw(scale(-10, -4))]
        z_w = draw(zero_point("uint8"))
        wq = weights(draw, r, w_shape, 0, 255)
    terms = kh * kw * (1 if depthwise else c)
    acc = terms * 128.0 * 128.0
    if carry:  # S_in·S_w[0] = (1 − 2^-34)·2^k exactly: QuantizeMultiplier's q_fixed hits 2^31
        s_x, s_w[0] = f32(CARRY_HI * 2.0 ** -6), f32(CARRY_LO * 2.0 ** -8)
        s_y, kind = 2.0 ** (-14 - 7 + round(math.log2(acc))), "carry"  # acc·M ≈ 2^7
    else:
        product = s_x * s_w[0] if dtype == "int8" else f32(s_x * s_w[0])
        s_y, kind = multiplier_scale(draw, product, acc)
    bias_max = draw(st.sampled_from([0, 1 << 10, 1 << 20]))
    bias = r.integers(-bias_max, bias_max + 1, o)
    act = draw(st.sampled_from(ACTIVATIONS))
    opts = {"padding": padding, "stride_h": stride[0], "stride_w": stride[1],
            "dilation_h_factor": dil[0], "dilation_w_factor": dil[1], "fused_activation_function": act}
    if depthwise:
        opts["depth_multiplier"] = mult
    opcode = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
    axis = 3 if depthwise else 0
    tensors = [
        t_in("x", (1, h, w, c), dtype, s_x, z_x),
        Tensor("w", w_shape, dtype, s_w, z_w, axis, wq),
        Tensor("b", (o,), "int32", [f32(s_x * s) for s in s_w], 0, 0, bias),
        Tensor("y", (1, oh, ow, o), dtype, s_y, z_y),
    ]
    return Case(tensors, [Op(opcode, ["x", "w", "b"], ["y"], opts)], ["x"], ["y"],
                seed=draw(st.integers(0, 999)), notes=[f"multiplier: {kind}"])


@st.composite
def fc_case(draw: st.DrawFn, dtype: str) -> Case:
    r = rng(draw)
    in_shape = draw(st.sampled_from(["2d", "2d", "4d"]))
    if in_shape == "2d":
        k = draw(st.integers(1, 24))
        x_shape: tuple[int, ...] = (1, k)
    else:
        x_shape = (1, draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4)))
        k = math.prod(x_shape)
    units = draw(st.integers(1, 8))
    s_x, z_x, z_y = draw(scale(-10, 0)), draw(zero_point(dtype)), draw(zero_point(dtype))
    per_channel = dtype == "int8" and draw(st.booleans())
    carry = per_channel and draw(st.integers(0, 3)) == 0
    if dtype == "int8":
        s_w = [f32(2.0 ** r.uniform(-10, -4)) for _ in range(units if per_channel else 1)]
        z_w: int = 0
        wq = weights(draw, r, (units, k), -127, 127)
    else:
        s_w, z_w = [draw(scale(-10, -4))], draw(zero_point("uint8"))
        wq = weights(draw, r, (units, k), 0, 255)
    acc = k * 128.0 * 128.0
    if carry:
        s_x, s_w[0] = f32(CARRY_HI * 2.0 ** -6), f32(CARRY_LO * 2.0 ** -8)
        s_y, kind = 2.0 ** (-14 - 7 + round(math.log2(acc))), "carry"  # acc·M ≈ 2^7
    else:
        product = s_x * s_w[0] if per_channel else f32(s_x * s_w[0])
        s_y, kind = multiplier_scale(draw, product, acc)
    has_bias = draw(st.booleans())
    bias_scale = [f32(s_x * s) for s in s_w]
    tensors = [t_in("x", x_shape, dtype, s_x, z_x),
               Tensor("w", (units, k), dtype, s_w if per_channel else s_w[0], z_w, 0, wq),
               Tensor("y", (1, units), dtype, s_y, z_y)]
    if has_bias:
        bias_max = draw(st.sampled_from([0, 1 << 10, 1 << 20]))
        tensors.append(Tensor("b", (units,), "int32", bias_scale if per_channel else bias_scale[0], 0, 0,
                              r.integers(-bias_max, bias_max + 1, units)))
    act = draw(st.sampled_from(ACTIVATIONS))
    op = Op("FULLY_CONNECTED", ["x", "w", "b" if has_bias else ""], ["y"], {"fused_activation_function": act})
    return Case(tensors, [op], ["x"], ["y"], seed=draw(st.integers(0, 999)),
                notes=[f"multiplier: {kind}"])


def broadcast_shape(draw: st.DrawFn, out: tuple[int, ...], constant: bool = False) -> tuple[int, ...]:
    """`out`, or a shape that broadcasts to it: some dims 1, or (constants only, as batch-norm
    vectors are) fewer leading dims."""
    mode = draw(st.sampled_from(["same", "same", "ones", "trailing"] if constant else ["same", "ones"]))
    if mode == "same":
        return out
    if mode == "ones":
        return tuple(d if i and draw(st.booleans()) else 1 for i, d in enumerate(out))
    return out[draw(st.integers(1, len(out) - 1)):]


@st.composite
def binary_case(draw: st.DrawFn, dtype: str, opcode: str) -> Case:
    out = shape(draw)
    const_b = draw(st.integers(0, 3)) == 0
    a_shape, b_shape = broadcast_shape(draw, out), broadcast_shape(draw, out, const_b)
    carry = opcode == "MUL" and draw(st.integers(0, 4)) == 0
    if carry:  # S_a·S_b/S_y = (1 − 2^-34)·2^k in double: the multiplier rounds up to 2^31
        s_a, s_b, s_y = f32(CARRY_HI * 2.0 ** -3), f32(CARRY_LO * 2.0 ** -4), 2.0 ** -1
    else:
        s_a, s_b, s_y = draw(scale(-10, 2)), draw(scale(-10, 2)), draw(scale(-10, 2))
    r = rng(draw)
    lo, hi = RANGE[dtype]
    tensors = [t_in("a", a_shape, dtype, s_a, draw(zero_point(dtype))),
               Tensor("b", b_shape, dtype, s_b, draw(zero_point(dtype)),
                      data=r.integers(lo, hi + 1, b_shape) if const_b else None),
               Tensor("y", np.broadcast_shapes(a_shape, b_shape), dtype, s_y, draw(zero_point(dtype)))]
    act = draw(st.sampled_from(ACTIVATIONS))
    op = Op(opcode, ["a", "b"], ["y"], {"fused_activation_function": act})
    inputs = ["a"] if const_b else ["a", "b"]
    return Case(tensors, [op], inputs, ["y"], seed=draw(st.integers(0, 999)),
                notes=["multiplier: carry"] if carry else [])


@st.composite
def pool_case(draw: st.DrawFn, dtype: str, opcode: str) -> Case:
    h, w, c = draw(st.integers(1, 8)), draw(st.integers(1, 8)), draw(st.integers(1, 4))
    fh, fw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    if padding == "VALID":
        h, w = max(h, fh), max(w, fw)
        oh, ow = (h - fh) // sh + 1, (w - fw) // sw + 1
    else:
        oh, ow = -(-h // sh), -(-w // sw)
    s, z = draw(scale()), draw(zero_point(dtype))
    act = draw(st.sampled_from(ACTIVATIONS))
    opts = {"padding": padding, "stride_h": sh, "stride_w": sw, "filter_height": fh,
            "filter_width": fw, "fused_activation_function": act}
    tensors = [t_in("x", (1, h, w, c), dtype, s, z), Tensor("y", (1, oh, ow, c), dtype, s, z)]
    return Case(tensors, [Op(opcode, ["x"], ["y"], opts)], ["x"], ["y"], seed=draw(st.integers(0, 999)))


FIXED_OUT = {  # (opcode, dtype) -> output (scale, zero point) the kernels require
    ("SOFTMAX", "int8"): (1 / 256, -128), ("SOFTMAX", "uint8"): (1 / 256, 0),
    ("LOGISTIC", "int8"): (1 / 256, -128), ("LOGISTIC", "uint8"): (1 / 256, 0),
    ("TANH", "int8"): (1 / 128, 0), ("TANH", "uint8"): (1 / 128, 128),
}


@st.composite
def unary_case(draw: st.DrawFn, dtype: str, opcode: str) -> Case:
    x_shape = shape(draw)
    s_x, z_x = draw(scale(-10, 2)), draw(zero_point(dtype))
    opts: dict[str, object] = {}
    if (opcode, dtype) in FIXED_OUT:
        s_y, z_y = FIXED_OUT[(opcode, dtype)]
    elif opcode in ("RELU", "RELU6", "RELU_N1_TO_1", "LEAKY_RELU", "HARD_SWISH") and draw(st.booleans()):
        s_y, z_y = s_x, z_x
    else:
        s_y, z_y = draw(scale(-10, 2)), draw(zero_point(dtype))
    if opcode == "SOFTMAX":
        opts["beta"] = draw(st.sampled_from([1.0, 0.5, 2.0])) if draw(st.booleans()) else \
            f32(draw(st.floats(0.05, 4.0)))
    if opcode == "LEAKY_RELU":
        opts["alpha"] = f32(draw(st.floats(-2.0, 2.0)))
    tensors = [t_in("x", x_shape, dtype, s_x, z_x), Tensor("y", x_shape, dtype, s_y, z_y)]
    return Case(tensors, [Op(opcode, ["x"], ["y"], opts)], ["x"], ["y"], seed=draw(st.integers(0, 999)))


@st.composite
def quantize_case(draw: st.DrawFn, dtype: str) -> Case:
    x_shape = shape(draw)
    src = draw(st.sampled_from(["float32", dtype, dtype]))
    dst = draw(st.sampled_from(["int8", "uint8"])) if src != "float32" else dtype
    s_y, z_y = draw(scale(-10, 2)), draw(zero_point(dst))
    if src == "float32":
        x = Tensor("x", x_shape, "float32")
    else:
        x = t_in("x", x_shape, src, draw(scale(-10, 2)), draw(zero_point(src)))
    tensors = [x, Tensor("y", x_shape, dst, s_y, z_y)]
    return Case(tensors, [Op("QUANTIZE", ["x"], ["y"])], ["x"], ["y"], seed=draw(st.integers(0, 999)))


@st.composite
def dequantize_case(draw: st.DrawFn, dtype: str) -> Case:
    x_shape = shape(draw)
    tensors = [t_in("x", x_shape, dtype, draw(scale(-10, 2)), draw(zero_point(dtype))),
               Tensor("y", x_shape, "float32")]
    return Case(tensors, [Op("DEQUANTIZE", ["x"], ["y"])], ["x"], ["y"], seed=draw(st.integers(0, 999)))


@st.composite
def concat_case(draw: st.DrawFn, dtype: str) -> Case:
    base = shape(draw)
    axis = draw(st.integers(1, len(base) - 1))
    k = draw(st.integers(1, 3))
    s, z = draw(scale()), draw(zero_point(dtype))
    tensors, names = [], []
    for i in range(k):
        sh = list(base)
        sh[axis] = draw(st.integers(1, 4))
        same = dtype == "int8" or draw(st.booleans())  # int8 kernels need equal quantization
        q = (s, z) if same else (draw(scale()), draw(zero_point(dtype)))
        tensors.append(t_in(f"x{i}", tuple(sh), dtype, *q))
        names.append(f"x{i}")
    out = list(base)
    out[axis] = sum(t.shape[axis] for t in tensors)
    tensors.append(Tensor("y", tuple(out), dtype, s, z))
    written_axis = axis - len(base) if draw(st.booleans()) else axis
    op = Op("CONCATENATION", names, ["y"], {"axis": written_axis})
    return Case(tensors, [op], names, ["y"], seed=draw(st.integers(0, 999)))


@st.composite
def pad_case(draw: st.DrawFn, dtype: str) -> Case:
    x_shape = shape(draw)
    pads = [[draw(st.integers(0, 2)), draw(st.integers(0, 2))] for _ in x_shape]
    pads[0] = [0, 0]  # keep the batch dim 1
    out = tuple(d + a + b for d, (a, b) in zip(x_shape, pads))
    s, z = draw(scale()), draw(zero_point(dtype))
    v2 = draw(st.booleans())
    tensors = [t_in("x", x_shape, dtype, s, z),
               Tensor("p", (len(x_shape), 2), "int32", data=np.array(pads)),
               Tensor("y", out, dtype, s, z)]
    ins = ["x", "p"]
    if v2:
        lo, hi = RANGE[dtype]
        tensors.append(Tensor("v", (), dtype, s, z, data=np.array(draw(st.integers(lo, hi)))))
        ins.append("v")
    return Case(tensors, [Op("PADV2" if v2 else "PAD", ins, ["y"])], ["x"], ["y"],
                seed=draw(st.integers(0, 999)))


@st.composite
def reshape_case(draw: st.DrawFn, dtype: str) -> Case:
    x_shape = shape(draw, 2, 4)
    total = math.prod(x_shape)
    factors = [p for p in range(2, total + 1) if total % p == 0]
    first = draw(st.sampled_from(factors)) if factors else 1
    out = (1, first, total // first) if draw(st.booleans()) else (1, total)
    s, z = draw(scale()), draw(zero_point(dtype))
    tensors = [t_in("x", x_shape, dtype, s, z),
               Tensor("s", (len(out),), "int32", data=np.array(out)),
               Tensor("y", out, dtype, s, z)]
    op = Op("RESHAPE", ["x", "s"], ["y"], {"new_shape": list(out)})
    return Case(tensors, [op], ["x"], ["y"], seed=draw(st.integers(0, 999)))


@st.composite
def mean_case(draw: st.DrawFn, dtype: str) -> Case:
    x_shape = (1, draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(1, 4)))
    axes = draw(st.sampled_from([[1, 2], [1], [2], [3], [1, 2, 3]]))
    keep = draw(st.booleans())
    out = tuple((1 if i in axes else d) for i, d in enumerate(x_shape) if keep or i not in axes)
    same = draw(st.booleans())
    s_x, z_x = draw(scale()), draw(zero_point(dtype))
    s_y, z_y = (s_x, z_x) if same else (draw(scale()), draw(zero_point(dtype)))
    tensors = [t_in("x", x_shape, dtype, s_x, z_x),
               Tensor("a", (len(axes),), "int32", data=np.array(axes)),
               Tensor("y", out, dtype, s_y, z_y)]
    return Case(tensors, [Op("MEAN", ["x", "a"], ["y"], {"keep_dims": keep})], ["x"], ["y"],
                seed=draw(st.integers(0, 999)))


@st.composite
def minmax_case(draw: st.DrawFn, dtype: str, opcode: str) -> Case:
    out = shape(draw)
    s, z = draw(scale()), draw(zero_point(dtype))
    b_shape = broadcast_shape(draw, out)
    tensors = [t_in("a", out, dtype, s, z), t_in("b", b_shape, dtype, s, z),
               Tensor("y", np.broadcast_shapes(out, b_shape), dtype, s, z)]
    return Case(tensors, [Op(opcode, ["a", "b"], ["y"])], ["a", "b"], ["y"],
                seed=draw(st.integers(0, 999)))


@st.composite
def transpose_case(draw: st.DrawFn, dtype: str) -> Case:
    x_shape = shape(draw, 2, 4)
    perm = [0] + list(draw(st.permutations(list(range(1, len(x_shape))))))
    s, z = draw(scale()), draw(zero_point(dtype))
    tensors = [t_in("x", x_shape, dtype, s, z),
               Tensor("p", (len(perm),), "int32", data=np.array(perm)),
               Tensor("y", tuple(x_shape[p] for p in perm), dtype, s, z)]
    return Case(tensors, [Op("TRANSPOSE", ["x", "p"], ["y"])], ["x"], ["y"],
                seed=draw(st.integers(0, 999)))


@st.composite
def slice_case(draw: st.DrawFn, dtype: str) -> Case:
    x_shape = shape(draw, 2, 4, dim_max=6)
    begin, end, strides, out = [0], [1], [1], [1]
    for d in x_shape[1:]:
        b = draw(st.integers(0, d - 1))
        e = draw(st.integers(b + 1, d))
        s = draw(st.integers(1, 3))
        begin, end, strides = begin + [b], end + [e], strides + [s]
        out.append(len(range(b, e, s)))
    s_, z = draw(scale()), draw(zero_point(dtype))
    r = len(x_shape)
    tensors = [t_in("x", x_shape, dtype, s_, z),
               Tensor("b", (r,), "int32", data=np.array(begin)),
               Tensor("e", (r,), "int32", data=np.array(end)),
               Tensor("s", (r,), "int32", data=np.array(strides)),
               Tensor("y", tuple(out), dtype, s_, z)]
    return Case(tensors, [Op("STRIDED_SLICE", ["x", "b", "e", "s"], ["y"])], ["x"], ["y"],
                seed=draw(st.integers(0, 999)))


@st.composite
def resize_case(draw: st.DrawFn, dtype: str, opcode: str) -> Case:
    h, w, c = draw(st.integers(1, 5)), draw(st.integers(1, 5)), draw(st.integers(1, 3))
    oh, ow = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    align = draw(st.booleans())
    half = (not align) and draw(st.booleans())
    s, z = draw(scale()), draw(zero_point(dtype))
    tensors = [t_in("x", (1, h, w, c), dtype, s, z),
               Tensor("size", (2,), "int32", data=np.array([oh, ow])),
               Tensor("y", (1, oh, ow, c), dtype, s, z)]
    op = Op(opcode, ["x", "size"], ["y"], {"align_corners": align, "half_pixel_centers": half})
    return Case(tensors, [op], ["x"], ["y"], seed=draw(st.integers(0, 999)))


# --- the tests -----------------------------------------------------------------------------------
# Each test draws one case per example; `name` names the regression file of a failure.

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opcode", ["CONV_2D", "DEPTHWISE_CONV_2D"])
@prop(2)
@given(data=st.data())
def test_conv(dtype: str, opcode: str, data: st.DataObject) -> None:
    check(data.draw(conv_case(dtype, opcode == "DEPTHWISE_CONV_2D")), f"{opcode.lower()}_{dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@prop(2)
@given(data=st.data())
def test_fully_connected(dtype: str, data: st.DataObject) -> None:
    check(data.draw(fc_case(dtype)), f"fully_connected_{dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opcode", ["ADD", "SUB", "MUL"])
@prop(1.5)
@given(data=st.data())
def test_binary(dtype: str, opcode: str, data: st.DataObject) -> None:
    check(data.draw(binary_case(dtype, opcode)), f"{opcode.lower()}_{dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opcode", ["AVERAGE_POOL_2D", "MAX_POOL_2D"])
@prop()
@given(data=st.data())
def test_pool(dtype: str, opcode: str, data: st.DataObject) -> None:
    check(data.draw(pool_case(dtype, opcode)), f"{opcode.lower()}_{dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opcode", ["SOFTMAX", "LOGISTIC", "TANH", "RELU", "RELU6", "RELU_N1_TO_1",
                                    "LEAKY_RELU", "HARD_SWISH"])
@prop()
@given(data=st.data())
def test_unary(dtype: str, opcode: str, data: st.DataObject) -> None:
    check(data.draw(unary_case(dtype, opcode)), f"{opcode.lower()}_{dtype}")


LAYOUT = {"quantize": quantize_case, "dequantize": dequantize_case, "concatenation": concat_case,
          "pad": pad_case, "reshape": reshape_case, "mean": mean_case,
          "transpose": transpose_case, "strided_slice": slice_case}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", list(LAYOUT))
@prop()
@given(data=st.data())
def test_layout_and_conversion(dtype: str, op: str, data: st.DataObject) -> None:
    check(data.draw(LAYOUT[op](dtype)), f"{op}_{dtype}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("opcode", ["MAXIMUM", "MINIMUM", "RESIZE_BILINEAR",
                                    "RESIZE_NEAREST_NEIGHBOR"])
@prop(0.5)
@given(data=st.data())
def test_misc(dtype: str, opcode: str, data: st.DataObject) -> None:
    strategy = minmax_case(dtype, opcode) if opcode.startswith("M") else resize_case(dtype, opcode)
    check(data.draw(strategy), f"{opcode.lower()}_{dtype}")


@prop(3)
@given(st.sampled_from([conv_case("int8", False), fc_case("uint8"), binary_case("int8", "MUL"),
                        concat_case("uint8"), pad_case("int8")]).flatmap(lambda s: s))
def test_tqm_writer_round_trip(case: Case) -> None:
    """A case written as .tqm and parsed back builds the same .tflite bytes."""
    from tqc import tqm
    from tqc.tflite_writer import build_model

    text = to_tqm(case.tensors, case.ops, case.inputs, case.outputs, name="m")
    assert tqm.parse(text).to_bytes() == build_model(case.tensors, case.ops, case.inputs,
                                                     case.outputs, "m")
