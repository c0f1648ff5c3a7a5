// RUN: tqc opt %s -p lower-requantize | filecheck %s
// BATCH_MATMUL [1,2,3,4] x [1,2,3,4]^T (adj_y: rhs is already [..., N, K], the FC weight layout):
// one tqi.fully_connected per batch element on the [M, K] and [N, K] slices (offsets: the negated
// zero points), stacked (reshapes and a concat), then the int8 requantize of M = float32(S_a·S_b)/S_out.

builtin.module {
  func.func @main(%a: tensor<1x2x3x4x!tq.q<i8, 0.05:-7>>, %b: tensor<1x2x3x4x!tq.q<i8, 0.04:3>>) -> tensor<1x2x3x3x!tq.q<i8, 0.2:5>> {
    %y = "tq.batch_matmul"(%a, %b) <{adj_x = 0 : i64, adj_y = 1 : i64}> : (tensor<1x2x3x4x!tq.q<i8, 0.05:-7>>, tensor<1x2x3x4x!tq.q<i8, 0.04:3>>) -> tensor<1x2x3x3x!tq.q<i8, 0.2:5>>
    func.return %y : tensor<1x2x3x3x!tq.q<i8, 0.2:5>>
  }
}

// CHECK:      %[[A0:.*]] = "tqi.slice"(%a) <{begin = array<i64: 0, 0, 0, 0>, end = array<i64: 1, 1, 3, 4>, {{.*}} -> tensor<1x1x3x4xi8>
// CHECK-NEXT: %[[A0M:.*]] = "tqi.reshape"(%[[A0]]) : (tensor<1x1x3x4xi8>) -> tensor<3x4xi8>
// CHECK-NEXT: %[[B0:.*]] = "tqi.slice"(%b) <{begin = array<i64: 0, 0, 0, 0>, end = array<i64: 1, 1, 3, 4>, {{.*}} -> tensor<1x1x3x4xi8>
// CHECK-NEXT: %[[B0M:.*]] = "tqi.reshape"(%[[B0]]) : (tensor<1x1x3x4xi8>) -> tensor<3x4xi8>
// CHECK-NEXT: %[[F0:.*]] = "tqi.fully_connected"(%[[A0M]], %[[B0M]]) <{input_offset = 7 : i64, filter_offset = -3 : i64}> : (tensor<3x4xi8>, tensor<3x4xi8>) -> tensor<3x3xi32>
// CHECK:      "tqi.slice"(%a) <{begin = array<i64: 0, 1, 0, 0>, end = array<i64: 1, 2, 3, 4>
// CHECK:      "tqi.slice"(%b) <{begin = array<i64: 0, 1, 0, 0>, end = array<i64: 1, 2, 3, 4>
// CHECK:      %[[F1:.*]] = "tqi.fully_connected"
// CHECK-NEXT: %[[S0:.*]] = "tqi.reshape"(%[[F0]]) : (tensor<3x3xi32>) -> tensor<1x3x3xi32>
// CHECK-NEXT: %[[S1:.*]] = "tqi.reshape"(%[[F1]]) : (tensor<3x3xi32>) -> tensor<1x3x3xi32>
// CHECK-NEXT: %[[P:.*]] = "tqi.concat"(%[[S0]], %[[S1]]) <{axis = 0 : i64}> : (tensor<1x3x3xi32>, tensor<1x3x3xi32>) -> tensor<2x3x3xi32>
// CHECK-NEXT: %[[R:.*]] = "tqi.reshape"(%[[P]]) : (tensor<2x3x3xi32>) -> tensor<1x2x3x3xi32>
// CHECK-NEXT: "tqi.mul_high"(%[[R]]) <{multiplier = array<i64: 1374389600>}>
// CHECK-NEXT: "tqi.shift_right_round"({{.*}}) <{amount = array<i64: 6>}>
// CHECK-NEXT: "tqi.add_const"({{.*}}) <{value = array<i64: 5>}>
// CHECK-NEXT: "tqi.clamp"({{.*}}) <{min = -128 : i64, max = 127 : i64}>
// CHECK-NEXT: %y = "tqi.cast"
