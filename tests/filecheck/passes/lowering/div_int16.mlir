// RUN: tqc opt %s -p lower-requantize | filecheck %s
// DIV (int16, LiteRT REF) → tqi.divide on x1 − zp1 and x2 − zp2 (the divisor checked for 0 at
// run time: LiteRT's CheckNonZero), the multiplier of the float32 quotient S1/(S2·S_out),
// then + zp_out, clamp, cast; x2 broadcasts.

builtin.module {
  func.func @main(%a: tensor<2x3x!tq.q<i16, 0.0005:-3>>, %b: tensor<3x!tq.q<i16, 0.00035:7>>) -> tensor<2x3x!tq.q<i16, 0.000625:5>> {
    %y = "tq.div"(%a, %b) <{activation = "NONE"}> : (tensor<2x3x!tq.q<i16, 0.0005:-3>>, tensor<3x!tq.q<i16, 0.00035:7>>) -> tensor<2x3x!tq.q<i16, 0.000625:5>>
    func.return %y : tensor<2x3x!tq.q<i16, 0.000625:5>>
  }
}

// CHECK:      %[[A:.*]] = "tqi.cast"(%a) {{.*}}: (tensor<2x3xi16>) -> tensor<2x3xi32>
// CHECK-NEXT: %[[V1:.*]] = "tqi.add_const"(%[[A]]) <{value = array<i64: 3>}>
// CHECK-NEXT: %[[B:.*]] = "tqi.cast"(%b) : (tensor<3xi16>) -> tensor<3xi32>
// CHECK-NEXT: %[[V2:.*]] = "tqi.add_const"(%[[B]]) <{value = array<i64: -7>}>
// CHECK-NEXT: %[[NZ:.*]] = "tqi.nonzero_check"(%[[V2]]) : (tensor<3xi32>) -> tensor<3xi32>
// CHECK-NEXT: %[[Q:.*]] = "tqi.divide"(%[[V1]], %[[NZ]]) <{output_multiplier = 1198372736 : i64, output_shift = 12 : i64}> : (tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi32>
// CHECK-NEXT: %[[O:.*]] = "tqi.add_const"(%[[Q]]) <{value = array<i64: 5>}>
// CHECK-NEXT: %[[C:.*]] = "tqi.clamp"(%[[O]]) <{min = -32768 : i64, max = 32767 : i64}>
// CHECK-NEXT: %y = "tqi.cast"(%[[C]]) : (tensor<2x3xi32>) -> tensor<2x3xi16>
