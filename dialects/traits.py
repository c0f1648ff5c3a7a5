"""Facts about an op that more than one stage needs, kept on the op as xDSL traits.

Ask with `op.has_trait(EpilogueAnchor)` / `op.get_trait(Engine)`; never keep a side table of op
classes in a pass or backend.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.traits import OpTrait


@dataclass(frozen=True)
class AcceptsInt16(OpTrait):
    """A `tq` op whose lowering reproduces the reference kernel with int16 activations bit for
    bit (each measured by a differential test: tests/test_int16.py, test_softmax_mean.py,
    test_layout_resize.py); lower-requantize refuses int16 tensors on other ops by name."""


@dataclass(frozen=True)
class EpilogueAnchor(OpTrait):
    """A `tqi` op that produces one value per output position from a loop of its own
    (accumulations, pools): backends fuse its element-wise consumers (the requantize chain) into
    that loop as an epilogue."""


@dataclass(frozen=True)
class Engine(OpTrait):
    """A `tqi` op that the Verilog backend builds as an engine (a MAC array, a pooling or a
    softmax unit) rather than as an element-wise chain (a gather: data movement by address generation);
    `prefix` names its instances."""

    prefix: str
    mac: bool = False  # a multiply-accumulate engine (conv, depthwise, fully connected)
