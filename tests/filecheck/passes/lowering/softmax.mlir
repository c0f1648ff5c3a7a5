// RUN: tqc opt %s -p lower-requantize | filecheck %s
// SOFTMAX with 8-bit input → tqi.softmax carrying PreprocessSoftmaxScaling's multiplier and left
// shift and CalculateInputRadius's diff_min (the output encoding is implied by the result type).

builtin.module {
  func.func @main(%x: tensor<1x10x!tq.q<i8, 0.00390625:5>>, %u: tensor<1x4x!tq.q<ui8, 0.5:128>>) -> (tensor<1x10x!tq.q<i8, 0.00390625:-128>>, tensor<1x4x!tq.q<ui8, 0.00390625:0>>) {
    %y = "tq.softmax"(%x) <{beta = 1.0 : f64}> : (tensor<1x10x!tq.q<i8, 0.00390625:5>>) -> tensor<1x10x!tq.q<i8, 0.00390625:-128>>
    %v = "tq.softmax"(%u) <{beta = 2.0 : f64}> : (tensor<1x4x!tq.q<ui8, 0.5:128>>) -> tensor<1x4x!tq.q<ui8, 0.00390625:0>>
    func.return %y, %v : tensor<1x10x!tq.q<i8, 0.00390625:-128>>, tensor<1x4x!tq.q<ui8, 0.00390625:0>>
  }
}

// beta·S_in·2^26 = 2^18 = 2^30·2^(19−31); radius = floor(31·2^26 / 2^19) = 3968.
// CHECK: %y = "tqi.softmax"(%x) <{input_multiplier = 1073741824 : i64, input_left_shift = 19 : i64, diff_min = -3968 : i64}> {{.*}}: (tensor<1x10xi8>) -> tensor<1x10xi8>
// 2·0.5·2^26 = 2^26 = 2^30·2^(27−31); radius = floor(31·2^26 / 2^27) = 15.
// CHECK: %v = "tqi.softmax"(%u) <{input_multiplier = 1073741824 : i64, input_left_shift = 27 : i64, diff_min = -15 : i64}> {{.*}}: (tensor<1x4xui8>) -> tensor<1x4xui8>
