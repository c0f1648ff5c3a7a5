// RUN: tqc opt %s -p lower-requantize | filecheck %s
// FLOOR_DIV / FLOOR_MOD int16 work on the stored values (scales ignored): a run-time divisor is
// checked for 0 first (the reference's 'Division by 0'), both operands are widened to int32,
// divided exactly, and cast back with wrap-around (−32768 / −1 → −32768, as LiteRT); a constant
// divisor needs no check.

builtin.module {
  func.func @main(%a: tensor<1x4x!tq.q<i16, 0.5:0>>, %b: tensor<1x4x!tq.q<i16, 0.003:0>>) -> (tensor<1x4x!tq.q<i16, 7.0:0>>, tensor<1x4x!tq.q<i16, 7.0:0>>) {
    %d = "tq.floor_div"(%a, %b) : (tensor<1x4x!tq.q<i16, 0.5:0>>, tensor<1x4x!tq.q<i16, 0.003:0>>) -> tensor<1x4x!tq.q<i16, 7.0:0>>
    %c = "tq.const"() <{value = dense<[[3, -2, 1, -1]]> : tensor<1x4xi16>}> : () -> tensor<1x4x!tq.q<i16, 0.003:0>>
    %m = "tq.floor_mod"(%a, %c) : (tensor<1x4x!tq.q<i16, 0.5:0>>, tensor<1x4x!tq.q<i16, 0.003:0>>) -> tensor<1x4x!tq.q<i16, 7.0:0>>
    func.return %d, %m : tensor<1x4x!tq.q<i16, 7.0:0>>, tensor<1x4x!tq.q<i16, 7.0:0>>
  }
}

// CHECK:      %[[B:.*]] = "tqi.nonzero_check"(%b) {{.*}}: (tensor<1x4xi16>) -> tensor<1x4xi16>
// CHECK-NEXT: %[[A32:.*]] = "tqi.cast"(%a) : (tensor<1x4xi16>) -> tensor<1x4xi32>
// CHECK-NEXT: %[[B32:.*]] = "tqi.cast"(%[[B]]) : (tensor<1x4xi16>) -> tensor<1x4xi32>
// CHECK-NEXT: %[[Q:.*]] = "tqi.floor_div"(%[[A32]], %[[B32]]) : (tensor<1x4xi32>, tensor<1x4xi32>) -> tensor<1x4xi32>
// CHECK-NEXT: %d = "tqi.cast"(%[[Q]]) : (tensor<1x4xi32>) -> tensor<1x4xi16>
// CHECK-NOT:  tqi.nonzero_check
// CHECK:      "tqi.floor_mod"
// CHECK-NEXT: %m = "tqi.cast"({{.*}}) : (tensor<1x4xi32>) -> tensor<1x4xi16>
