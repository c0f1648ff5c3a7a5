"""The quantized element type `!tq.q`, shared by the `tq` dialect.

A uniform affine quantized value v stands for the real number `scale * (v - zero_point)`
(TFLite's convention, `lite/schema/schema.fbs` QuantizationParameters). Syntax::

    !tq.q<i8, 0.0039215689:-128>            per-tensor
    !tq.q<i8:3, {0.01:0, 0.02:0, 0.5:0}>    per-axis (axis 3), one scale:zero_point per channel

Scales are stored as the float32 values of the flatbuffer, widened exactly to float64.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from xdsl.dialects.builtin import ArrayAttr, FloatData, IntAttr, IntegerType
from xdsl.ir import ParametrizedAttribute, TypeAttribute
from xdsl.irdl import irdl_attr_definition
from xdsl.parser import AttrParser
from xdsl.printer import Printer


def format_scale(value: float) -> str:
    """Shortest decimal that reads back to the same float64, always with a '.'."""
    return np.format_float_positional(value, unique=True, trim="0")


@irdl_attr_definition
class QuantType(ParametrizedAttribute, TypeAttribute):
    """Uniform affine quantization of an integer storage type, per tensor or per axis."""

    name = "tq.q"

    storage: IntegerType
    axis: IntAttr
    scales: ArrayAttr[FloatData]
    zero_points: ArrayAttr[IntAttr]

    def __init__(
        self,
        storage: IntegerType,
        scales: Sequence[float],
        zero_points: Sequence[int],
        axis: int = -1,
    ):
        super().__init__(
            storage,
            IntAttr(axis),
            ArrayAttr([FloatData(float(s)) for s in scales]),
            ArrayAttr([IntAttr(int(z)) for z in zero_points]),
        )

    @property
    def per_axis(self) -> bool:
        return self.axis.data >= 0

    @property
    def scale(self) -> float:
        """The per-tensor scale (first channel's scale for per-axis types)."""
        return self.scales.data[0].data

    @property
    def zero_point(self) -> int:
        return self.zero_points.data[0].data

    def scale_array(self) -> np.ndarray:
        return np.array([s.data for s in self.scales.data], dtype=np.float64)

    def zero_point_array(self) -> np.ndarray:
        return np.array([z.data for z in self.zero_points.data], dtype=np.int64)

    def verify_(self) -> None:
        if len(self.scales.data) != len(self.zero_points.data):
            raise ValueError("!tq.q needs as many zero points as scales")
        if not self.per_axis and len(self.scales.data) != 1:
            raise ValueError("a per-tensor !tq.q has exactly one scale")

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_attribute(self.storage)
            if self.per_axis:
                printer.print_string(f":{self.axis.data}")
            printer.print_string(", ")
            pairs = [
                f"{format_scale(s.data)}:{z.data}"
                for s, z in zip(self.scales.data, self.zero_points.data)
            ]
            text = "{" + ", ".join(pairs) + "}" if self.per_axis else pairs[0]
            printer.print_string(text)

    @classmethod
    def parse_parameters(
        cls, parser: AttrParser
    ) -> tuple[IntegerType, IntAttr, ArrayAttr[FloatData], ArrayAttr[IntAttr]]:
        parser.parse_punctuation("<")
        storage = parser.parse_type()
        if not isinstance(storage, IntegerType):
            parser.raise_error("!tq.q storage must be an integer type")
        axis = -1
        if parser.parse_optional_punctuation(":") is not None:
            axis = parser.parse_integer(allow_boolean=False, allow_negative=False)
        parser.parse_punctuation(",")

        def pair() -> tuple[float, int]:
            scale = parser.parse_float()
            parser.parse_punctuation(":")
            return scale, parser.parse_integer(allow_boolean=False)

        if axis >= 0:
            pairs = parser.parse_comma_separated_list(parser.Delimiter.BRACES, pair)
        else:
            pairs = [pair()]
        parser.parse_punctuation(">")
        return (
            storage,
            IntAttr(axis),
            ArrayAttr([FloatData(s) for s, _ in pairs]),
            ArrayAttr([IntAttr(z) for _, z in pairs]),
        )
