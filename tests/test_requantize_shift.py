"""A requantization whose effective scale is 2^31 or more: the reference's
MultiplyByQuantizedMultiplier shifts an int32 left by 32 bits or more, undefined in C (measured:
TFLM on x86 masks the count, 2^32 acts as 2^0, so int16 QUANTIZE 221897.52 -> 7.08e-05 gives
x·0.73 instead of saturating). tqc refuses it in one line naming the op, whatever path lowers it.
Found by tests/test_random_graphs.py (TQC_GRAPH_SEED=7, case 1279: it failed the IR verifier with
`tqi.shift_left: amount 32 outside [0, 31]`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tqc.errors import TqcError
from tqc.pipeline import load_numpy_model
from tqc.tflite_writer import Op, Tensor, write_model

CASES = {  # (kind, input scale, output scale, opcode)
    "int16_quantize_2^31.5": ("int16", 221897.52, 7.0845934e-05, "QUANTIZE"),
    "int8_quantize_2^40": ("int8", 1024.0, 2.0**-30, "QUANTIZE"),
    "int8_relu_2^33": ("int8", 8.0, 2.0**-30, "RELU"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_multiplier_of_2_31_or_more_is_refused(name: str, tmp_path: Path) -> None:
    kind, s_in, s_out, opcode = CASES[name]
    path = tmp_path / "m.tflite"
    write_model(path, [Tensor("x", (1, 8), kind, s_in, 0), Tensor("y", (1, 8), kind, s_out, 0)],
                [Op(opcode, ["x"], ["y"])], ["x"], ["y"])
    with pytest.raises(TqcError) as e:
        load_numpy_model(path)
    message = str(e.value)
    assert len(message.splitlines()) == 1
    assert f"op #0 {opcode}" in message and "not supported" in message
    assert "shift left by" in message
