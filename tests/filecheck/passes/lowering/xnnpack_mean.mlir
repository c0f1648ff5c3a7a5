// RUN: tqc opt %s -p lower-requantize --reference xnnpack | filecheck %s
// --reference xnnpack: MEAN sums the stored values and converts in float32 as XNNPACK does:
// rint(float32(sum)·inv + z), inv = float32(S_in/S_out)·float32(1/N), z = Z_out − N·Z_in·inv.

builtin.module {
  func.func @main(%x: tensor<1x7x7x4x!tq.q<i8, 0.5:-128>>) -> tensor<1x1x1x4x!tq.q<i8, 0.25:3>> {
    %y = "tq.mean"(%x) <{axes = array<i64: 1, 2>}> : (tensor<1x7x7x4x!tq.q<i8, 0.5:-128>>) -> tensor<1x1x1x4x!tq.q<i8, 0.25:3>>
    func.return %y : tensor<1x1x1x4x!tq.q<i8, 0.25:3>>
  }
}

// inv = 2·float32(1/49) = 10956549·2^-28; z = 3 − float32(−6272·inv) = 259.0 (the float32 sum),
// 259·2^36 = 17798344474624 on the 2^-36 grid.
// CHECK:      %[[S:.*]] = "tqi.sum"(%{{.*}}) <{axes = array<i64: 1, 2>}>
// CHECK-NEXT: %[[R:.*]] = "tqi.mul_add_round_f32"(%[[S]]) <{mantissa = array<i64: 10956549>, exponent = array<i64: -28>, addend = array<i64: 17798344474624>}>
// CHECK-NEXT: %[[C:.*]] = "tqi.clamp"(%[[R]]) <{min = -128 : i64, max = 127 : i64}>
// CHECK-NEXT: %y = "tqi.cast"(%[[C]])
