// RUN: tqc opt %s -p lower-requantize | filecheck %s
// SVDF lowers to existing tqi ops: the feature matmul (fully_connected, input offset only),
// MultiplyByQuantizedMultiplier, the clamp to int16 THEN the state zero point (the int16 store
// wraps), the window (old state without its oldest column ++ the new column), the time-weight
// dot product over memory, the rank reduction, the bias and the int8 requantize.
// M1 = 0.5·0.25/0.125 = 1 = 2^30·2^(1−31); M2 = 0.125·0.0625/0.25 = 2^-5 = 2^30·2^(−4−31).

builtin.module {
  func.func @main(%x: tensor<1x3x!tq.q<i8, 0.5:-5>>) -> tensor<1x2x!tq.q<i8, 0.25:3>> {
    %state = "tq.const"() <{value = dense<0> : tensor<1x4x3xi16>}> : () -> tensor<1x4x3x!tq.q<i16, 0.125:7>>
    %wf = "tq.const"() <{value = dense<[[-76, 5, 89], [26, 81, -7], [-74, -76, 1], [7, -52, -79]]> : tensor<4x3xi8>}> : () -> tensor<4x3x!tq.q<i8, 0.25:0>>
    %wt = "tq.const"() <{value = dense<[[-33, -14316, -15636], [16625, -20527, 3386], [-32717, 23837, 26071], [20013, 12503, -16490]]> : tensor<4x3xi16>}> : () -> tensor<4x3x!tq.q<i16, 0.0625:0>>
    %bias = "tq.const"() <{value = dense<[9614, -10163]> : tensor<2xi32>}> : () -> tensor<2x!tq.q<i32, 0.0078125:0>>
    %y = "tq.svdf"(%x, %wf, %wt, %bias, %state) <{rank = 2 : i64, activation = "NONE"}> : (tensor<1x3x!tq.q<i8, 0.5:-5>>, tensor<4x3x!tq.q<i8, 0.25:0>>, tensor<4x3x!tq.q<i16, 0.0625:0>>, tensor<2x!tq.q<i32, 0.0078125:0>>, tensor<1x4x3x!tq.q<i16, 0.125:7>>) -> tensor<1x2x!tq.q<i8, 0.25:3>>
    func.return %y : tensor<1x2x!tq.q<i8, 0.25:3>>
  }
}

// CHECK:      %[[DOT:.*]] = "tqi.fully_connected"(%x, %wf) <{input_offset = 5 : i64, filter_offset = 0 : i64}> {{.*}}: (tensor<1x3xi8>, tensor<4x3xi8>) -> tensor<1x4xi32>
// CHECK-NEXT: %[[L:.*]] = "tqi.shift_left"(%[[DOT]]) <{amount = array<i64: 1>}>
// CHECK-NEXT: %[[H:.*]] = "tqi.mul_high"(%[[L]]) <{multiplier = array<i64: 1073741824>}>
// CHECK-NEXT: %[[C:.*]] = "tqi.clamp"(%[[H]]) <{min = -32768 : i64, max = 32767 : i64}>
// CHECK-NEXT: %[[Z:.*]] = "tqi.add_const"(%[[C]]) <{value = array<i64: 7>}>
// CHECK-NEXT: %[[NEW:.*]] = "tqi.cast"(%[[Z]]) : (tensor<1x4xi32>) -> tensor<1x4xi16>
// CHECK-NEXT: %[[COL:.*]] = "tqi.reshape"(%[[NEW]]) : (tensor<1x4xi16>) -> tensor<1x4x1xi16>
// CHECK-NEXT: %[[KEPT:.*]] = "tqi.slice"(%state) <{begin = array<i64: 0, 0, 1>, end = array<i64: 1, 4, 3>, strides = array<i64: 1, 1, 1>}> : (tensor<1x4x3xi16>) -> tensor<1x4x2xi16>
// CHECK-NEXT: %[[WIN:.*]] = "tqi.concat"(%[[KEPT]], %[[COL]]) <{axis = 2 : i64}> : (tensor<1x4x2xi16>, tensor<1x4x1xi16>) -> tensor<1x4x3xi16>
// CHECK-NEXT: %[[W32:.*]] = "tqi.cast"(%[[WIN]]) : (tensor<1x4x3xi16>) -> tensor<1x4x3xi32>
// CHECK-NEXT: %[[D:.*]] = "tqi.add_const"(%[[W32]]) <{value = array<i64: -7>}>
// CHECK-NEXT: %[[P:.*]] = "tqi.mul"(%[[D]], %wt) : (tensor<1x4x3xi32>, tensor<4x3xi16>) -> tensor<1x4x3xi32>
// CHECK-NEXT: %[[S:.*]] = "tqi.sum"(%[[P]]) <{axes = array<i64: 2>}> : (tensor<1x4x3xi32>) -> tensor<1x4xi32>
// CHECK-NEXT: %[[R:.*]] = "tqi.reshape"(%[[S]]) : (tensor<1x4xi32>) -> tensor<1x2x2xi32>
// CHECK-NEXT: %[[U:.*]] = "tqi.sum"(%[[R]]) <{axes = array<i64: 2>}> : (tensor<1x2x2xi32>) -> tensor<1x2xi32>
// CHECK-NEXT: %[[A:.*]] = "tqi.add"(%[[U]], %bias) : (tensor<1x2xi32>, tensor<2xi32>) -> tensor<1x2xi32>
// CHECK-NEXT: %[[H2:.*]] = "tqi.mul_high"(%[[A]]) <{multiplier = array<i64: 1073741824>}>
// CHECK-NEXT: %[[R2:.*]] = "tqi.shift_right_round"(%[[H2]]) <{amount = array<i64: 4>}>
// CHECK-NEXT: %[[O:.*]] = "tqi.add_const"(%[[R2]]) <{value = array<i64: 3>}>
// CHECK-NEXT: %[[OC:.*]] = "tqi.clamp"(%[[O]]) <{min = -128 : i64, max = 127 : i64}>
// CHECK-NEXT: %y = "tqi.cast"(%[[OC]]) : (tensor<1x2xi32>) -> tensor<1x2xi8>
