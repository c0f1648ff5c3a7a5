"""A synthetic model shaped like a PyTorch-exported int8 detector (the graph on which the C
backend once went wrong at gcc -O2): a float NCHW image, QUANTIZE, then blocks of PAD (NCHW) ->
TRANSPOSE to NHWC -> CONV_2D / DEPTHWISE_CONV_2D -> TRANSPOSE back to NCHW -> LEAKY_RELU, an
upsampling neck (RESIZE_NEAREST_NEIGHBOR between transposes, CONCATENATION on the channels) and
three 1x1 heads, each DEQUANTIZEd to a float output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tqc.tflite_writer import Op, Tensor, write_model

NCHW_TO_NHWC = (0, 2, 3, 1)
NHWC_TO_NCHW = (0, 3, 1, 2)
ACT = (0.05, -12)  # every LEAKY_RELU output (so that CONCATENATION needs no rescaling)


class _Graph:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.tensors: list[Tensor] = []
        self.ops: list[Op] = []
        self.count = 0
        self.quant: dict[str, tuple[float, int]] = {}

    def tensor(self, stem: str, shape: tuple[int, ...], dtype: str = "int8",
               q: tuple[float, int] | None = None, **kw: object) -> str:
        self.count += 1
        name = f"model/{stem}_{self.count}"
        scale, zp = q if q is not None else (None, None)
        self.tensors.append(Tensor(name, shape, dtype, scale, zp, **kw))  # type: ignore[arg-type]
        if q is not None:
            self.quant[name] = q
        return name

    def const_i32(self, stem: str, data: list[int] | np.ndarray) -> str:
        arr = np.asarray(data, np.int32)
        return self.tensor(stem, arr.shape, "int32", data=arr)

    def shape(self, name: str) -> tuple[int, ...]:
        return next(tuple(t.shape) for t in self.tensors if t.name == name)

    def op(self, opcode: str, inputs: list[str], out_shape: tuple[int, ...],
           q: tuple[float, int] | None = None, dtype: str = "int8", **options: object) -> str:
        q = q if q is not None or dtype != "int8" else self.quant[inputs[0]]
        out = self.tensor(opcode.lower(), out_shape, dtype, q)
        self.ops.append(Op(opcode, inputs, [out], options))
        return out

    def transpose(self, x: str, perm: tuple[int, ...]) -> str:
        shape = self.shape(x)
        return self.op("TRANSPOSE", [x, self.const_i32("perm", list(perm))],
                       tuple(shape[p] for p in perm))

    def pad_nchw(self, x: str, p: int) -> str:
        n, c, h, w = self.shape(x)
        pads = self.const_i32("pads", [[0, 0], [0, 0], [p, p], [p, p]])
        return self.op("PAD", [x, pads], (n, c, h + 2 * p, w + 2 * p))

    def conv(self, x: str, cout: int, k: int, stride: int, depthwise: bool) -> str:
        """NHWC in, NHWC out, VALID (the padding is an explicit PAD before)."""
        n, h, w, cin = self.shape(x)
        in_scale, _ = self.quant[x]
        oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
        cout = cin if depthwise else cout
        wshape = (1, k, k, cout) if depthwise else (cout, k, k, cin)
        wq = self.rng.integers(-127, 128, wshape).astype(np.int8)
        wscale = list(self.rng.uniform(0.002, 0.01, cout))
        taps = k * k * (1 if depthwise else cin)
        wt = self.tensor("w", wshape, "int8", (wscale, [0] * cout),  # type: ignore[arg-type]
                         quantized_dimension=3 if depthwise else 0, data=wq)
        bias = self.tensor("b", (cout,), "int32", ([in_scale * s for s in wscale], [0] * cout),  # type: ignore[arg-type]
                           data=self.rng.integers(-3000, 3000, cout).astype(np.int32))
        out_scale = float(np.sqrt(taps) * 50 * 73 * in_scale * np.mean(wscale) / 40)
        opcode = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
        return self.op(opcode, [x, wt, bias], (n, oh, ow, cout),
                       (out_scale, int(self.rng.integers(-20, 20))), padding="VALID",
                       stride_h=stride, stride_w=stride)

    def block(self, x: str, cout: int, k: int = 3, stride: int = 1,
              depthwise: bool = False) -> str:
        """NCHW in and out: [PAD] -> TRANSPOSE -> conv -> TRANSPOSE -> LEAKY_RELU."""
        if k > 1:
            x = self.pad_nchw(x, k // 2)
        y = self.conv(self.transpose(x, NCHW_TO_NHWC), cout, k, stride, depthwise)
        y = self.transpose(y, NHWC_TO_NCHW)
        return self.op("LEAKY_RELU", [y], self.shape(y), ACT, alpha=0.1)

    def upsample(self, x: str) -> str:
        t = self.transpose(x, NCHW_TO_NHWC)
        n, h, w, c = self.shape(t)
        size = self.const_i32("size", [2 * h, 2 * w])
        r = self.op("RESIZE_NEAREST_NEIGHBOR", [t, size], (n, 2 * h, 2 * w, c))
        return self.transpose(r, NHWC_TO_NCHW)

    def concat(self, parts: list[str]) -> str:
        shapes = [self.shape(p) for p in parts]
        n, _, h, w = shapes[0]
        return self.op("CONCATENATION", parts, (n, sum(s[1] for s in shapes), h, w), axis=1)

    def head(self, x: str, cout: int) -> str:
        y = self.transpose(x, NCHW_TO_NHWC)
        y = self.conv(y, cout, 1, 1, False)
        y = self.transpose(y, NHWC_TO_NCHW)
        return self.op("DEQUANTIZE", [y], self.shape(y), dtype="float32")


def write_detector_like(path: Path, height: int = 32, width: int = 48, seed: int = 0) -> Path:
    """Write the model to `path` (about 110 ops; height and width divisible by 16)."""
    g = _Graph(seed)
    image = g.tensor("image", (1, 3, height, width), "float32")
    x = g.op("QUANTIZE", [image], (1, 3, height, width), (0.025, 3))
    x = g.block(x, 8, stride=2)  # the stem: PAD, TRANSPOSE, CONV 3x3/2, TRANSPOSE, LEAKY_RELU
    x = g.block(x, 8, depthwise=True)
    x = g.block(x, 16, k=1)
    x = g.block(x, 16, stride=2, depthwise=True)
    x = g.block(x, 16, k=1)
    p3 = g.block(x, 16)
    x = g.block(p3, 16, stride=2, depthwise=True)
    x = g.block(x, 24, k=1)
    p4 = g.block(x, 24)
    x = g.block(p4, 24, stride=2, depthwise=True)
    x = g.block(x, 32, k=1)
    p5 = g.block(x, 32)
    up4 = g.concat([g.upsample(g.block(p5, 16, k=1)), p4])
    n4 = g.block(g.block(up4, 24, k=1), 24)
    up3 = g.concat([g.upsample(g.block(n4, 16, k=1)), p3])
    n3 = g.block(g.block(up3, 16, k=1), 16, depthwise=True)
    outputs = [g.head(n3, 7), g.head(n4, 7), g.head(p5, 7)]
    g.tensors[0].name = image
    write_model(path, g.tensors, g.ops, [image], outputs)
    return path


if __name__ == "__main__":
    import sys

    out = write_detector_like(Path(sys.argv[1] if len(sys.argv) > 1 else "detector_like.tflite"))
    print(out)
