// RUN: tqc opt %s -p lower-requantize | filecheck %s
// RUN: tqc opt %s -p lower-requantize --rounding single | filecheck %s --check-prefix=SINGLE
// tq ops become int32 accumulation plus the fixed-point requantize sequence, with multipliers
// and shifts computed as TFLite computes them.

builtin.module {
  func.func @main(%x: tensor<1x5x5x2x!tq.q<i8, 0.05:-7>>) -> tensor<1x3x3x2x!tq.q<i8, 0.0001:3>> {
    %w = "tq.const"() <{value = dense<1> : tensor<2x3x3x2xi8>}> : () -> tensor<2x3x3x2x!tq.q<i8:0, {0.002:0, 0.5:0}>>
    %b = "tq.const"() <{value = dense<[10, -10]> : tensor<2xi32>}> : () -> tensor<2x!tq.q<i32:0, {0.0001:0, 0.025:0}>>
    %y = "tq.conv_2d"(%x, %w, %b) <{stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, padding = "SAME", activation = "RELU"}> : (tensor<1x5x5x2x!tq.q<i8, 0.05:-7>>, tensor<2x3x3x2x!tq.q<i8:0, {0.002:0, 0.5:0}>>, tensor<2x!tq.q<i32:0, {0.0001:0, 0.025:0}>>) -> tensor<1x3x3x2x!tq.q<i8, 0.0001:3>>
    func.return %y : tensor<1x3x3x2x!tq.q<i8, 0.0001:3>>
  }
}

// Multipliers 0.05*0.002/0.0001 = 1.0 and 0.05*0.5/0.0001 = 250 (> 1: a left shift).
// CHECK:      func.func @main(%x: tensor<1x5x5x2xi8>) -> tensor<1x3x3x2xi8>
// CHECK:      %[[ACC:.*]] = "tqi.conv_2d"(%x, %w, %b) <{stride = array<i64: 2, 2>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, input_offset = 7 : i64, filter_offset = 0 : i64}> {tqc.layer = "CONV_2D -> y | S_in=0.05 S_w=0.002 (channel 0 of 2) S_out=0.0001: M=S_in*S_w/S_out=1 ~ 1073741824*2^(1-31) | zero points: in -7, weights 0, out 3; clamp [3, 127]; M from double; acc = bias + sum((x + 7) * w)"} : {{.*}} -> tensor<1x3x3x2xi32>
// CHECK-NEXT: %[[L:.*]] = "tqi.shift_left"(%[[ACC]]) <{amount = array<i64: 1, 8>}>
// CHECK-NEXT: %[[M:.*]] = "tqi.mul_high"(%[[L]]) <{multiplier = array<i64: 1073741824, 2097152000>}>
// CHECK-NEXT: %[[Z:.*]] = "tqi.add_const"(%[[M]]) <{value = array<i64: 3>}>
// CHECK-NEXT: %[[C:.*]] = "tqi.clamp"(%[[Z]]) <{min = 3 : i64, max = 127 : i64}>
// CHECK-NEXT: %y = "tqi.cast"(%[[C]]) : (tensor<1x3x3x2xi32>) -> tensor<1x3x3x2xi8>

// SINGLE:      "tqi.mul_shift_round"(%{{.*}}) <{multiplier = array<i64: 1073741824, 2097152000>, shift = array<i64: 1, 8>}>
// SINGLE-NOT:  "tqi.mul_high"
