// RUN: tqc opt %s -p lower-requantize | filecheck %s
// MEAN → int32 sum, minus zp_in·N, then MultiplyByQuantizedMultiplier with 1/N folded into the
// multiplier as QuantizedMeanOrSum does it: m' = (m << k) / N, s' = s − k, k = floor(log2 N).

builtin.module {
  func.func @main(%x: tensor<1x7x7x4x!tq.q<i8, 0.5:-128>>) -> tensor<1x1x1x4x!tq.q<i8, 0.25:3>> {
    %y = "tq.mean"(%x) <{axes = array<i64: 1, 2>}> : (tensor<1x7x7x4x!tq.q<i8, 0.5:-128>>) -> tensor<1x1x1x4x!tq.q<i8, 0.25:3>>
    func.return %y : tensor<1x1x1x4x!tq.q<i8, 0.25:3>>
  }
}

// S_in/S_out = 2 = 2^30·2^(2−31); N = 49, k = 5: m' = (2^30 << 5) / 49 = 701219150, s' = −3.
// CHECK:      %[[W:.*]] = "tqi.cast"(%x) {{.*}}: (tensor<1x7x7x4xi8>) -> tensor<1x7x7x4xi32>
// CHECK-NEXT: %[[S:.*]] = "tqi.sum"(%[[W]]) <{axes = array<i64: 1, 2>}> : (tensor<1x7x7x4xi32>) -> tensor<1x1x1x4xi32>
// CHECK-NEXT: %[[A:.*]] = "tqi.add_const"(%[[S]]) <{value = array<i64: 6272>}>
// CHECK-NEXT: %[[M:.*]] = "tqi.mul_high"(%[[A]]) <{multiplier = array<i64: 701219150>}>
// CHECK-NEXT: %[[R:.*]] = "tqi.shift_right_round"(%[[M]]) <{amount = array<i64: 3>}>
// CHECK-NEXT: %[[Z:.*]] = "tqi.add_const"(%[[R]]) <{value = array<i64: 3>}>
// CHECK-NEXT: %[[C:.*]] = "tqi.clamp"(%[[Z]]) <{min = -128 : i64, max = 127 : i64}>
// CHECK-NEXT: %y = "tqi.cast"(%[[C]]) : (tensor<1x1x1x4xi32>) -> tensor<1x1x1x4xi8>
