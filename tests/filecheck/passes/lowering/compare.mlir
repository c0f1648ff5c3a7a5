// RUN: tqc opt %s -p lower-requantize | filecheck %s
// A comparison's bool result: each input rescaled as TFLM's ComparisonWithScaling does
// ((x − zp) · 2^8, then MultiplyByQuantizedMultiplierSmallerThanOneExp), the int32 condition k
// (GREATER: c1 − c2 − 1), and the bool k >= 0 (tqi.nonneg) that CAST widens to 0/1.

builtin.module {
  func.func @main(%a: tensor<1x3x!tq.q<i8, 0.02:-128>>, %b: tensor<1x3x!tq.q<i8, 0.03:127>>) -> tensor<1x3xi32> {
    %k = "tq.greater"(%a, %b) : (tensor<1x3x!tq.q<i8, 0.02:-128>>, tensor<1x3x!tq.q<i8, 0.03:127>>) -> tensor<1x3xi1>
    %y = "tq.cast"(%k) : (tensor<1x3xi1>) -> tensor<1x3xi32>
    func.return %y : tensor<1x3xi32>
  }
}

// CHECK:      "tqi.cast"(%a) {{.*}}-> tensor<1x3xi32>
// CHECK-NEXT: "tqi.add_const"({{.*}}) <{value = array<i64: 128>}>
// CHECK-NEXT: "tqi.shift_left"({{.*}}) <{amount = array<i64: 8>}>
// CHECK-NEXT: "tqi.mul_high"({{.*}}) <{multiplier = array<i64: 1374389535>}>
// CHECK-NEXT: %[[C1:.*]] = "tqi.shift_right_round"({{.*}}) <{amount = array<i64: 5>}>
// CHECK:      "tqi.cast"(%b) {{.*}}-> tensor<1x3xi32>
// CHECK-NEXT: "tqi.add_const"({{.*}}) <{value = array<i64: -127>}>
// CHECK-NEXT: "tqi.shift_left"({{.*}}) <{amount = array<i64: 8>}>
// CHECK-NEXT: "tqi.mul_high"({{.*}}) <{multiplier = array<i64: 2061584302>}>
// CHECK-NEXT: %[[C2:.*]] = "tqi.shift_right_round"({{.*}}) <{amount = array<i64: 5>}>
// CHECK-NEXT: %[[D:.*]] = "tqi.sub"(%[[C1]], %[[C2]])
// CHECK-NEXT: %[[K:.*]] = "tqi.add_const"(%[[D]]) <{value = array<i64: -1>}>
// CHECK-NEXT: %k = "tqi.nonneg"(%[[K]]) {{.*}}: (tensor<1x3xi32>) -> tensor<1x3xi1>
// CHECK-NEXT: %y = "tqi.cast"(%k) {{.*}}: (tensor<1x3xi1>) -> tensor<1x3xi32>
