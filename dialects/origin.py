"""Where a lowered (`tqi`) op comes from: the TFLite operator it was lowered from.

lower-requantize marks every `tqi` op it creates with the discardable attribute
`tqc.tfl_index` (the .tflite operator index the `tq` op kept as its `tfl_index` property) and
the first op of each operator with `tqc.layer` ('CONV_2D #3 -> name | notes'). Printers ignore
both marks except for `tqc.layer`'s comment; diagnostics read them here to name the place the
way every other error of the CLI does: `op #12 TRANSPOSE 'model/transpose' (tqi.transpose)`.
"""

from __future__ import annotations

from xdsl.dialects.builtin import IntegerAttr, StringAttr
from xdsl.ir import Operation

from tqc.errors import TqcError

TFL_INDEX = "tqc.tfl_index"  # discardable attribute: the .tflite operator index
LAYER = "tqc.layer"  # discardable attribute on a lowered operator's first op: its title


def tfl_index(op: Operation) -> int | None:
    """The .tflite operator index a `tqi` op was lowered from (None when unknown)."""
    attr = op.attributes.get(TFL_INDEX)
    return attr.value.data if isinstance(attr, IntegerAttr) else None


def where(op: Operation) -> str:
    """'op #12 TRANSPOSE 'tensor' (tqi.transpose)': the operator (its opcode from the layer
    title, its tensor: the last named result of the ops lowered from it), then the `tqi` op;
    just the `tqi` op's name when the IR carries no index."""
    index = tfl_index(op)
    block = op.parent_block()
    if index is None or block is None:
        return op.name
    group = [o for o in block.ops if tfl_index(o) == index]
    opcode = ""
    for o in group:
        title = o.attributes.get(LAYER)
        if isinstance(title, StringAttr):
            opcode = " " + title.data.split(" ", 1)[0]
            break
    names = [r.name_hint for o in group for r in o.results if r.name_hint]
    tensor = f" '{names[-1]}'" if names else ""
    return f"op #{index}{opcode}{tensor} ({op.name})"


def refusal(op: Operation, message: str) -> TqcError:
    """A one-line error located at the TFLite operator behind `op`."""
    return TqcError(f"{where(op)}: {message}")
