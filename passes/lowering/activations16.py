"""int16 LOGISTIC and TANH → a 65536-entry `tqi.table` (TFLM `reference_integer_ops::
{Logistic, Tanh}` int16 overloads, `micro/kernels/{logistic_common,tanh}.cc`).

Both are functions of one int16 value, so the rule runs the kernel on all 65536 inputs at compile
time. The kernels (zero points must be 0; the output is at scale 2^-15):

  Prepare, kInputIntegerBits = 3:
    pot, log2 = CheckedLog2(S_in)            float32: logf(S)·(1/logf(2)), rounded; |frac| < 1e-3
    left_shift = 12 + log2;  pot &= left_shift == 0 (LOGISTIC) or ∈ {0, 1} (TANH)
    pot:   multiplier = 3 << left_shift, left_shift = 0             (resolved in Eval)
    else:  m = double(S_in)·4096·3; left_shift = 0;
           while m <= 32767/2 and left_shift <= 30: left_shift++, m *= 2
           multiplier = int32(m)                                    (truncation)
  Eval (int32 / uint32 arithmetic, sigmoid_table_uint16 = sigmoid(i/24) in 0.16, 256 entries):
    v = (x·multiplier + (left_shift > 0 ? 2^(left_shift−1) : 0)) >> left_shift;  a = |v|
    LOGISTIC: h = a >> 9, t = a & 0x1FF
              r = h >= 255 ? 0x7FFF << 10 : (T[h] << 9) + t·(T[h+1] − T[h])
              r = v >= 0 ? r + 2^9 : 2^25 − r + 2^9 − 1;  out = int16(r >> 10)
    TANH:     h = a >> 8, t = a & 0xFF
              r = h >= 255 ? 0xFFFF << 8 : (T[h] << 8) + t·(T[h+1] − T[h])
              r = v >= 0 ? r − 2^23 + 2^7 : −r + 2^23 + 2^7 − 1;  out = int16(r >> 8)
  Both Prepares require S_out = 2^-15 (CheckedLog2, so within ~0.07% of it; the values are
  written at exactly 2^-15) and refuse other scales, as we do. The input multiplier may exceed
  32767 (a debug-only check in TFLM; the wheel computes it: reproduced) up to 65535; beyond,
  x·multiplier overflows int32 (S_in ≥ 5.33): refused.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

import numpy as np
from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import dense_attr
from tqc.dialects.element import storage_name
from tqc.errors import TqcError
from tqc.passes.lowering import Builder, plain, qtype
from tqc.semantics.quant_math import round_half_away

SIGMOID_TABLE_UINT16 = np.array([
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498,
    40149, 40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255,
    46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865,
    52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174,
    56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544, 58800, 59048, 59288,
    59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279, 61441,
    61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886,
    62990, 63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835,
    63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450,
    64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845,
    64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097,
    65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
    65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425,
    65429, 65433, 65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465,
    65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508,
    65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516, 65517, 65517, 65518,
    65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524, 65525,
    65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529,
    65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531,
    65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533,
    65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65535], dtype=np.int64)  # lite/kernels/internal/common.h


@cache
def _logf() -> ctypes._CFuncPtr:  # type: ignore[name-defined]
    name = ctypes.util.find_library("m")
    if name is None:
        raise TqcError("the C math library (libm) is needed for CheckedLog2 (logf)")
    fn = ctypes.CDLL(name).logf
    fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
    return fn


def checked_log2(x: float) -> tuple[bool, int]:
    """CheckedLog2 (quantization_util.cc), float32 throughout with the C library's logf."""
    f = np.float32
    x_log2 = f(f(_logf()(float(f(x)))) * f(f(1.0) / f(_logf()(2.0))))
    rounded = f(round_half_away(float(x_log2)))
    return bool(abs(f(x_log2 - rounded)) < f(1e-3)), int(rounded)


def input_rescale(scale: float, tanh: bool) -> tuple[int, int]:
    """(multiplier, left_shift) as Eval uses them (the power-of-two case resolved)."""
    pot, log2 = checked_log2(scale)
    left_shift = 12 + log2
    pot = pot and left_shift in ((0, 1) if tanh else (0,))
    if pot:
        return 3 << left_shift, 0
    m = float(np.float32(scale)) * 4096.0 * 3.0
    left_shift = 0
    while m <= 32767.0 / 2.0 and left_shift <= 30:
        left_shift += 1
        m *= 2.0
    return int(m), left_shift


def _rescaled_inputs(scale: float, tanh: bool) -> np.ndarray:
    multiplier, left_shift = input_rescale(scale, tanh)
    if multiplier > 65535:  # x·multiplier could reach −2^31, whose abs() is undefined in C
        raise ValueError(f"input scale {scale!r} is too large (input multiplier {multiplier} "
                         "overflows the kernel's int32 arithmetic)")
    return rescaled_domain(multiplier, left_shift)


def rescaled_domain(multiplier: int, left_shift: int) -> np.ndarray:
    """Eval's v = (x·multiplier + rounding) >> left_shift for x = −32768 … 32767 (the caller
    keeps x·multiplier inside int32)."""
    x = np.arange(-32768, 32768, dtype=np.int64)
    rounding = (1 << (left_shift - 1)) if left_shift > 0 else 0
    return (x * multiplier + rounding) >> left_shift


def logistic_int16_table(scale_in: float) -> np.ndarray:
    """Outputs of the int16 LOGISTIC kernel for x = −32768 … 32767 (int64 array)."""
    v = _rescaled_inputs(scale_in, tanh=False)
    a = np.abs(v)
    h, t = a >> 9, a & 0x1FF
    lo = SIGMOID_TABLE_UINT16[np.minimum(h, 254)]
    hi = SIGMOID_TABLE_UINT16[np.minimum(h, 254) + 1]
    r = np.where(h >= 255, 0x7FFF << 10, (lo << 9) + t * (hi - lo))
    r = np.where(v >= 0, r + (1 << 9), (1 << 25) - r + (1 << 9) - 1)
    return ((r >> 10).astype(np.uint16).view(np.int16)).astype(np.int64)


def tanh_int16_table(scale_in: float) -> np.ndarray:
    """Outputs of the int16 TANH kernel for x = −32768 … 32767 (int64 array)."""
    return tanh_int16_of(_rescaled_inputs(scale_in, tanh=True))


def tanh_int16_of(v: np.ndarray) -> np.ndarray:
    """The int16 TANH kernel's interpolation on rescaled inputs v (int64 array)."""
    a = np.abs(v)
    h, t = a >> 8, a & 0xFF
    lo = SIGMOID_TABLE_UINT16[np.minimum(h, 254)]
    hi = SIGMOID_TABLE_UINT16[np.minimum(h, 254) + 1]
    r = np.where(h >= 255, 0xFFFF << 8, (lo << 8) + t * (hi - lo))
    r = np.where(v >= 0, r - (1 << 23) + (1 << 7), -r + (1 << 23) + (1 << 7) - 1)
    return ((r >> 8).astype(np.uint16).view(np.int16)).astype(np.int64)


def lower_int16_activation(b: Builder, op: Operation) -> SSAValue:
    """LOGISTIC / TANH with int16 input and output → `tqi.table` of 65536 int16 entries."""
    assert isinstance(op, (tq.LogisticOp, tq.TanhOp))
    qi, qo = qtype(op.operands[0]), qtype(op.results[0])
    name = "LOGISTIC" if isinstance(op, tq.LogisticOp) else "TANH"
    if storage_name(qo) != "i16":
        raise b.error(f"int16 {name} needs an int16 output, not {storage_name(qo)}")
    if (qi.zero_point, qo.zero_point) != (0, 0):
        raise b.error(f"int16 {name} needs zero points 0 (the reference refuses others) "
                      f"(tensor '{op.results[0].name_hint}')")
    if checked_log2(qo.scale) != (True, -15):
        raise b.error(f"int16 {name} needs output scale 2^-15, not {qo.scale!r} (the reference "
                      f"refuses others) (tensor '{op.results[0].name_hint}')")
    try:
        values = (logistic_int16_table if name == "LOGISTIC" else tanh_int16_table)(qi.scale)
    except ValueError as e:
        raise b.error(f"int16 {name}: {e}") from None
    return b.value(tqi.TableOp, [b.operands[0]], plain(op.results[0].type),
                   table=dense_attr(values, "i16"))
