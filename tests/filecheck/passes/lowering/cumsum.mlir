// RUN: tqc opt %s -p lower-requantize | filecheck %s
// CUMSUM int8 (exclusive, forward) along axis 1 of [1, 3, 2]: the axis moved last, the exact
// sums as a fully connected layer with the strictly lower-triangular 0/1 filter, input offset
// and bias −zp_in = 128 (TFLM's accumulator starts at the input offset), · 2^19 with int32
// wrap-around, then the requantize by 2·S_in / (2^20·S_out) = 0.8 · 2^−20 and the axis back.

builtin.module {
  func.func @main(%x: tensor<1x3x2x!tq.q<i8, 0.02:-128>>) -> tensor<1x3x2x!tq.q<i8, 0.05:3>> {
    %y = "tq.cumsum"(%x) <{axis = 1 : i64, exclusive = 1 : i64, reverse = 0 : i64}> : (tensor<1x3x2x!tq.q<i8, 0.02:-128>>) -> tensor<1x3x2x!tq.q<i8, 0.05:3>>
    func.return %y : tensor<1x3x2x!tq.q<i8, 0.05:3>>
  }
}

// CHECK:      %[[T:.*]] = "tqi.transpose"(%x) <{perm = array<i64: 0, 2, 1>}> {{.*}}-> tensor<1x2x3xi8>
// CHECK-NEXT: %[[R:.*]] = "tqi.reshape"(%[[T]]) : (tensor<1x2x3xi8>) -> tensor<2x3xi8>
// CHECK-NEXT: %[[W:.*]] = "tqi.const"() <{value = dense<{{\[\[}}0, 0, 0], [1, 0, 0], [1, 1, 0]]> : tensor<3x3xi8>}>
// CHECK-NEXT: %[[B:.*]] = "tqi.const"() <{value = dense<128> : tensor<3xi32>}>
// CHECK-NEXT: %[[A:.*]] = "tqi.fully_connected"(%[[R]], %[[W]], %[[B]]) <{input_offset = 128 : i64, filter_offset = 0 : i64}>
// CHECK-NEXT: "tqi.shift_left"(%[[A]]) <{amount = array<i64: 19>}>
// CHECK-NEXT: "tqi.mul_high"({{.*}}) <{multiplier = array<i64: 1717986918>}>
// CHECK-NEXT: "tqi.shift_right_round"({{.*}}) <{amount = array<i64: 20>}>
// CHECK-NEXT: "tqi.add_const"({{.*}}) <{value = array<i64: 3>}>
// CHECK-NEXT: "tqi.clamp"({{.*}}) <{min = -128 : i64, max = 127 : i64}>
// CHECK-NEXT: "tqi.cast"
// CHECK-NEXT: "tqi.reshape"({{.*}}) : (tensor<2x3xi8>) -> tensor<1x2x3xi8>
// CHECK-NEXT: %y = "tqi.transpose"({{.*}}) <{perm = array<i64: 0, 2, 1>}> {{.*}}-> tensor<1x3x2xi8>
