"""gemmlowp `fixedpoint/fixedpoint.h` logistic and tanh on int32 raw values, vectorised with
NumPy: compile-time only (the int8 LOGISTIC / TANH lookup tables of `tables.py`).

They rest on the fixed-point functions of `gemmlowp.py` (also used by SOFTMAX at run time), so
there is one implementation of each; its docstring gives the conventions (a FixedPoint<int32, I>
is its raw int32 with 31 - I fractional bits, kept in int64 arrays).
"""

from __future__ import annotations

import numpy as np

from tqc.semantics.fixedpoint import INT32_MAX
from tqc.semantics.gemmlowp import (
    exp_on_negative_values,
    one_minus_x_over_one_plus_x_for_x_in_0_1,
    one_over_one_plus_x_for_x_in_0_1,
    wrap_i64,
)


def logistic(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """gemmlowp::logistic: 1 / (1 + exp(-a)) for FixedPoint<int32, integer_bits>, Q0 result."""
    a = np.asarray(a, dtype=np.int64)
    positive = a > 0
    abs_input = np.where(positive, a, wrap_i64(-a))
    if_positive = one_over_one_plus_x_for_x_in_0_1(
        exp_on_negative_values(wrap_i64(-abs_input), integer_bits))
    if_negative = wrap_i64(INT32_MAX - if_positive)
    return np.where(a == 0, 1 << 30, np.where(positive, if_positive, if_negative))


def tanh(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """gemmlowp::tanh for FixedPoint<int32, integer_bits>, Q0 result."""
    a = np.asarray(a, dtype=np.int64)
    negative = a < 0
    n = np.where(negative, a, wrap_i64(-a))
    # neg_tanh_on_negative_values: ExactMulByPot<1> adds one integer bit to the same raw
    t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1))
    return np.where(a == 0, 0, np.where(negative, wrap_i64(-t), t))
