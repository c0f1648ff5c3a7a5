// RUN: tqc opt %s -p lower-requantize | filecheck %s
// RUN: tqc opt %s -p lower-requantize --rounding single | filecheck %s --check-prefix=SINGLE
// int16 activations, int8 weights (16x8): an int64 bias makes TFLM accumulate in int64 and call
// MultiplyByQuantizedMultiplier(int64_t, ...), which rounds once with a 16-bit multiplier:
// m16 = (m + 2^15) >> 16, out = int32((acc·m16 + 2^(n−1)) >> n), n = 15 − shift. An int32 bias
// keeps the int32 accumulator and the double-rounding int32 overload. The int16 conv kernels read
// no zero points; FULLY_CONNECTED applies them like the 8-bit kernel.

builtin.module {
  func.func @main(%x: tensor<1x4x4x2x!tq.q<i16, 0.0075:0>>, %v: tensor<1x6x!tq.q<i16, 0.002:-5>>) -> (tensor<1x4x4x2x!tq.q<i16, 0.0009:0>>, tensor<1x4x4x2x!tq.q<i16, 0.0009:0>>, tensor<1x3x!tq.q<i16, 0.01:7>>) {
    %w = "tq.const"() <{value = dense<[[[[1, -2]]], [[[3, 127]]]]> : tensor<2x1x1x2xi8>}> : () -> tensor<2x1x1x2x!tq.q<i8:0, {0.0006:0, 0.0005:0}>>
    %b = "tq.const"() <{value = dense<[100000, -70000000000]> : tensor<2xi64>}> : () -> tensor<2x!tq.q<i64:0, {0.0000045:0, 0.00000375:0}>>
    %y = "tq.conv_2d"(%x, %w, %b) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "VALID", activation = "RELU"}> : (tensor<1x4x4x2x!tq.q<i16, 0.0075:0>>, tensor<2x1x1x2x!tq.q<i8:0, {0.0006:0, 0.0005:0}>>, tensor<2x!tq.q<i64:0, {0.0000045:0, 0.00000375:0}>>) -> tensor<1x4x4x2x!tq.q<i16, 0.0009:0>>
    %b32 = "tq.const"() <{value = dense<[100, -7]> : tensor<2xi32>}> : () -> tensor<2x!tq.q<i32:0, {0.0000045:0, 0.00000375:0}>>
    %z = "tq.conv_2d"(%x, %w, %b32) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "VALID", activation = "NONE"}> : (tensor<1x4x4x2x!tq.q<i16, 0.0075:0>>, tensor<2x1x1x2x!tq.q<i8:0, {0.0006:0, 0.0005:0}>>, tensor<2x!tq.q<i32:0, {0.0000045:0, 0.00000375:0}>>) -> tensor<1x4x4x2x!tq.q<i16, 0.0009:0>>
    %fw = "tq.const"() <{value = dense<1> : tensor<3x6xi8>}> : () -> tensor<3x6x!tq.q<i8, 0.04:0>>
    %fb = "tq.const"() <{value = dense<[1, 2, 3]> : tensor<3xi64>}> : () -> tensor<3x!tq.q<i64, 0.00008:0>>
    %f = "tq.fully_connected"(%v, %fw, %fb) <{activation = "NONE"}> : (tensor<1x6x!tq.q<i16, 0.002:-5>>, tensor<3x6x!tq.q<i8, 0.04:0>>, tensor<3x!tq.q<i64, 0.00008:0>>) -> tensor<1x3x!tq.q<i16, 0.01:7>>
    func.return %y, %z, %f : tensor<1x4x4x2x!tq.q<i16, 0.0009:0>>, tensor<1x4x4x2x!tq.q<i16, 0.0009:0>>, tensor<1x3x!tq.q<i16, 0.01:7>>
  }
}

// Channel 0: M = 0.0075·0.0006/0.0009 = 0.005 = 1374389535·2^(−7−31): m16 = 20972, n = 22.
// Channel 1: M = 0.0075·0.0005/0.0009 = 1145324612·2^(−7−31): m16 = 17476, n = 22.
// CHECK:      func.func @main(%x: tensor<1x4x4x2xi16>, %v: tensor<1x6xi16>)
// CHECK:      %[[ACC:.*]] = "tqi.conv_2d"(%x, %w, %b) <{{{.*}}input_offset = 0 : i64, filter_offset = 0 : i64}> {{.*}}int64 accumulator{{.*}} : (tensor<1x4x4x2xi16>, tensor<2x1x1x2xi8>, tensor<2xi64>) -> tensor<1x4x4x2xi64>
// CHECK-NEXT: %[[R:.*]] = "tqi.mul_shift_round64"(%[[ACC]]) <{multiplier = array<i64: 20972, 17476>, amount = array<i64: 22, 22>}> : (tensor<1x4x4x2xi64>) -> tensor<1x4x4x2xi32>
// CHECK-NEXT: %[[C:.*]] = "tqi.clamp"(%[[R]]) <{min = 0 : i64, max = 32767 : i64}>
// CHECK-NEXT: %y = "tqi.cast"(%[[C]]) : (tensor<1x4x4x2xi32>) -> tensor<1x4x4x2xi16>

// int32 bias: int32 accumulator, then SRDHM and RoundingDivideByPOT; no output offset.
// CHECK:      %[[ACC32:.*]] = "tqi.conv_2d"(%x, %w, %b32) {{.*}} -> tensor<1x4x4x2xi32>
// CHECK-NEXT: %[[H:.*]] = "tqi.mul_high"(%[[ACC32]]) <{multiplier = array<i64: 1374389535, 1145324612>}>
// CHECK-NEXT: %[[S:.*]] = "tqi.shift_right_round"(%[[H]]) <{amount = array<i64: 7, 7>}>
// CHECK-NEXT: %[[C32:.*]] = "tqi.clamp"(%[[S]]) <{min = -32768 : i64, max = 32767 : i64}>
// CHECK-NEXT: %z = "tqi.cast"(%[[C32]])

// FULLY_CONNECTED, per-tensor: M from the float32 product S_in·S_w = 8e-5, / 0.01 → m16 = 16777,
// n = 21; the input zero point −5 becomes input_offset 5, the output zero point 7 an add_const.
// CHECK:      %[[FACC:.*]] = "tqi.fully_connected"(%v, %fw, %fb) <{input_offset = 5 : i64, filter_offset = 0 : i64}> {{.*}} -> tensor<1x3xi64>
// CHECK-NEXT: %[[FR:.*]] = "tqi.mul_shift_round64"(%[[FACC]]) <{multiplier = array<i64: 16777>, amount = array<i64: 21>}> : (tensor<1x3xi64>) -> tensor<1x3xi32>
// CHECK-NEXT: %[[FZ:.*]] = "tqi.add_const"(%[[FR]]) <{value = array<i64: 7>}>
// CHECK-NEXT: %[[FC:.*]] = "tqi.clamp"(%[[FZ]]) <{min = -32768 : i64, max = 32767 : i64}>
// CHECK-NEXT: %f = "tqi.cast"(%[[FC]]) : (tensor<1x3xi32>) -> tensor<1x3xi16>

// The int64 overload is the same in single-rounding builds; only the int32-bias conv changes.
// SINGLE:     "tqi.mul_shift_round64"({{.*}}) <{multiplier = array<i64: 20972, 17476>, amount = array<i64: 22, 22>}>
// SINGLE:     "tqi.mul_shift_round"({{.*}}) <{multiplier = array<i64: 1374389535, 1145324612>, shift = array<i64: -7, -7>}>
// SINGLE:     "tqi.mul_shift_round64"({{.*}}) <{multiplier = array<i64: 16777>, amount = array<i64: 21>}>
