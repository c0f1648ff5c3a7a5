// RUN: tqc opt %s -p lower-requantize | filecheck %s
// LOG_SOFTMAX → tqi.log_softmax carrying PreprocessLogSoftmaxScalingExp's input multiplier and
// left shift, its reverse scaling divisor and right shift, and CalculateInputRadius's diff_min
// (the output encoding, scale 16/256 and zero point max(T), is implied by the result type).

builtin.module {
  func.func @main(%x: tensor<2x10x!tq.q<i8, 0.00390625:5>>, %u: tensor<1x4x!tq.q<ui8, 0.5:128>>) -> (tensor<2x10x!tq.q<i8, 0.0625:127>>, tensor<1x4x!tq.q<ui8, 0.0625:255>>) {
    %y = "tq.log_softmax"(%x) : (tensor<2x10x!tq.q<i8, 0.00390625:5>>) -> tensor<2x10x!tq.q<i8, 0.0625:127>>
    %v = "tq.log_softmax"(%u) : (tensor<1x4x!tq.q<ui8, 0.5:128>>) -> tensor<1x4x!tq.q<ui8, 0.0625:255>>
    func.return %y, %v : tensor<2x10x!tq.q<i8, 0.0625:127>>, tensor<1x4x!tq.q<ui8, 0.0625:255>>
  }
}

// S_in·2^26 = 2^18 = 2^30·2^(19−31); reverse 2^(31−19)/2^30 = 2^−18 = 2^30·2^(−17−31);
// radius = floor(31·2^26 / 2^19) = 3968.
// CHECK: %y = "tqi.log_softmax"(%x) <{input_multiplier = 1073741824 : i64, input_left_shift = 19 : i64, reverse_scaling_divisor = 1073741824 : i64, reverse_scaling_right_shift = 17 : i64, diff_min = -3968 : i64}> {{.*}}: (tensor<2x10xi8>) -> tensor<2x10xi8>
// S_in·2^26 = 2^25: left shift 26, reverse 2^5/2^30 = 2^−25 (right shift 24), radius 31.
// CHECK: %v = "tqi.log_softmax"(%u) <{input_multiplier = 1073741824 : i64, input_left_shift = 26 : i64, reverse_scaling_divisor = 1073741824 : i64, reverse_scaling_right_shift = 24 : i64, diff_min = -31 : i64}> {{.*}}: (tensor<1x4xui8>) -> tensor<1x4xui8>
