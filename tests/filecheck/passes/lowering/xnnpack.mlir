// RUN: tqc opt %s -p lower-requantize --reference xnnpack | filecheck %s
// RUN: tqc opt %s -p lower-requantize | filecheck %s --check-prefix=TFLM
// --reference xnnpack: conv requantizes with XNNPACK's float32 scale, rint ties to even
// (tqi.mul_round_f32); MUL likewise; ADD in XNNPACK's integers (21-bit multipliers, one floor
// shift written as tqi.mul_shift_round with multiplier 2^30).

builtin.module {
  func.func @main(%x: tensor<1x5x5x2x!tq.q<i8, 0.05:-7>>, %a: tensor<1x3x3x2x!tq.q<i8, 0.02:-128>>) -> (tensor<1x3x3x2x!tq.q<i8, 0.0001:3>>, tensor<1x3x3x2x!tq.q<i8, 0.03:5>>, tensor<1x3x3x2x!tq.q<i8, 0.04:-2>>) {
    %w = "tq.const"() <{value = dense<1> : tensor<2x3x3x2xi8>}> : () -> tensor<2x3x3x2x!tq.q<i8:0, {0.002:0, 0.5:0}>>
    %b = "tq.const"() <{value = dense<[10, -10]> : tensor<2xi32>}> : () -> tensor<2x!tq.q<i32:0, {0.0001:0, 0.025:0}>>
    %y = "tq.conv_2d"(%x, %w, %b) <{stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, padding = "SAME", activation = "RELU"}> : (tensor<1x5x5x2x!tq.q<i8, 0.05:-7>>, tensor<2x3x3x2x!tq.q<i8:0, {0.002:0, 0.5:0}>>, tensor<2x!tq.q<i32:0, {0.0001:0, 0.025:0}>>) -> tensor<1x3x3x2x!tq.q<i8, 0.0001:3>>
    %s = "tq.add"(%a, %a) <{activation = "NONE"}> : (tensor<1x3x3x2x!tq.q<i8, 0.02:-128>>, tensor<1x3x3x2x!tq.q<i8, 0.02:-128>>) -> tensor<1x3x3x2x!tq.q<i8, 0.03:5>>
    %m = "tq.mul"(%a, %a) <{activation = "NONE"}> : (tensor<1x3x3x2x!tq.q<i8, 0.02:-128>>, tensor<1x3x3x2x!tq.q<i8, 0.02:-128>>) -> tensor<1x3x3x2x!tq.q<i8, 0.04:-2>>
    func.return %y, %s, %m : tensor<1x3x3x2x!tq.q<i8, 0.0001:3>>, tensor<1x3x3x2x!tq.q<i8, 0.03:5>>, tensor<1x3x3x2x!tq.q<i8, 0.04:-2>>
  }
}

// Conv: float32(0.05*0.002/0.0001) = 8388609*2^-23 (1.0000001), float32(0.05*0.5/0.0001) =
// 16384001*2^-16 (250.00002), per channel; no fixed-point multiply.
// CHECK:      %[[ACC:.*]] = "tqi.conv_2d"(%x, %w, %b) {{.*}}XNNPACK fp32 requantize
// CHECK-NEXT: %[[R:.*]] = "tqi.mul_round_f32"(%[[ACC]]) <{mantissa = array<i64: 8388609, 16384001>, exponent = array<i64: -23, -16>}>
// CHECK-NEXT: %[[Z:.*]] = "tqi.add_const"(%[[R]]) <{value = array<i64: 3>}>
// CHECK-NEXT: %[[C:.*]] = "tqi.clamp"(%[[Z]]) <{min = 3 : i64, max = 127 : i64}>
// CHECK-NEXT: %y = "tqi.cast"(%[[C]])
// ADD: r = float32(0.02/0.03), shift 21, m = lrintf(r*2^21) = 1398101 for both inputs.
// CHECK:      "tqi.cast"(%a) {tqc.layer = "ADD -> s | XNNPACK add: m1=1398101 m2=1398101 shift=21
// CHECK:      %[[A1:.*]] = "tqi.add_const"(%{{.*}}) <{value = array<i64: 128>}>
// CHECK-NEXT: %[[M1:.*]] = "tqi.const"() <{value = dense<1398101> : tensor<1xi32>}>
// CHECK-NEXT: %[[P1:.*]] = "tqi.mul"(%[[A1]], %[[M1]])
// CHECK:      %[[S:.*]] = "tqi.add"(%[[P1]], %{{.*}})
// CHECK-NEXT: %[[F:.*]] = "tqi.mul_shift_round"(%[[S]]) <{multiplier = array<i64: 1073741824>, shift = array<i64: -20>}>
// CHECK-NEXT: "tqi.add_const"(%[[F]]) <{value = array<i64: 5>}>
// MUL: float32(float32(0.02*0.02)/0.04) = 5368709*2^-29.
// CHECK:      %[[PR:.*]] = "tqi.mul"(%{{.*}}, %{{.*}}) : (tensor<1x3x3x2xi32>, tensor<1x3x3x2xi32>)
// CHECK-NEXT: %[[MR:.*]] = "tqi.mul_round_f32"(%[[PR]]) <{mantissa = array<i64: 5368709>, exponent = array<i64: -29>}>
// CHECK-NEXT: "tqi.add_const"(%[[MR]]) <{value = array<i64: -2>}>

// TFLM-NOT: tqi.mul_round_f32
// TFLM:     "tqi.mul_high"
