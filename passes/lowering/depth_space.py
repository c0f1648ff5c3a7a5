"""DEPTH_TO_SPACE and SPACE_TO_DEPTH: data movement, lowered to reshape → transpose → reshape.

Reference (`reference_ops::DepthToSpace` / `SpaceToDepth`, TFLM and LiteRT REF): the stored
integers are copied, the quantization parameters are not looked at (TFLM requires only equal
input and output types). With block size bs on NHWC tensors:

    DEPTH_TO_SPACE  out[b, h·bs + i, w·bs + j, c] = in[b, h, w, (i·bs + j)·C_out + c]
        = reshape [N, H, W, bs, bs, C_out] → transpose (0, 1, 3, 2, 4, 5) → [N, H·bs, W·bs, C_out]
    SPACE_TO_DEPTH  out[b, h, w, (i·bs + j)·C_in + c] = in[b, h·bs + i, w·bs + j, c]
        = reshape [N, H/bs, bs, W/bs, bs, C_in] → transpose (0, 1, 3, 2, 4, 5) → [N, H/bs, W/bs, bs·bs·C_in]
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from tqc.dialects import tq, tqi
from tqc.dialects.accessors import int_array, int_value, shape
from tqc.dialects.element import element
from tqc.passes.lowering import Builder, lowers

SWAP_MIDDLE = (0, 1, 3, 2, 4, 5)


def _plan(op: Operation, n: int, h: int, w: int, c: int, bs: int) -> tuple[tuple[int, ...], ...] | None:
    """(split shape, transposed shape, result shape), or None when bs does not divide."""
    if isinstance(op, tq.DepthToSpaceOp):
        if c % (bs * bs):
            return None
        d = c // (bs * bs)
        return (n, h, w, bs, bs, d), (n, h, bs, w, bs, d), (n, h * bs, w * bs, d)
    if h % bs or w % bs:
        return None
    return (n, h // bs, bs, w // bs, bs, c), (n, h // bs, w // bs, bs, bs, c), \
        (n, h // bs, w // bs, bs * bs * c)


@lowers(tq.DepthToSpaceOp, tq.SpaceToDepthOp)
def lower_depth_space(b: Builder, op: Operation) -> list[SSAValue]:
    assert isinstance(op, (tq.DepthToSpaceOp, tq.SpaceToDepthOp))
    bs = int_value(op.block_size)
    n, h, w, c = shape(op.input)
    plan = _plan(op, n, h, w, c, bs)
    if plan is None or plan[2] != shape(op.output):
        raise b.error(f"block size {bs} does not map {list(shape(op.input))} to "
                      f"{list(shape(op.output))}")
    split, moved, result = plan
    kind = element(op.input)
    x = b.value(tqi.ReshapeOp, [b.operands[0]], b.tensor(kind, split))
    x = b.value(tqi.TransposeOp, [x], b.tensor(kind, moved), perm=int_array(SWAP_MIDDLE))
    return [b.value(tqi.ReshapeOp, [x], b.tensor(kind, result))]
