// RUN: tqc opt %s -p recompute-min-max 2>%t.report | filecheck %s
// RUN: filecheck --check-prefix=REPORT %s < %t.report
// RUN: tqc opt %s -p recompute-min-max,fuse-activation,lower-requantize 2>/dev/null | filecheck --check-prefix=LOWERED %s
// recompute-min-max quantizes float conv/FC weights per channel (symmetric int8) and their bias
// (int32 at S_in·S_w), in float32 as TFLite's quantizer does.

builtin.module {
  // S_w[c] = max|w_c| / 127 in float32; q = round(w · 127 / max|w_c|) half away from zero
  // (0.5 · 127 = 63.5 → 64); bias at float32(S_in · S_w[c]): 1.5 / (0.5 · 1/127) = 381.
  func.func @conv(%x: tensor<1x2x2x2x!tq.q<i8, 0.5:0>>) -> tensor<1x2x2x2x!tq.q<i8, 0.3:-128>> {
    %w = "tq.const"() <{value = dense<[[[[0.5, 1.0]]], [[[-1.5, 2.0]]]]> : tensor<2x1x1x2xf32>}> : () -> tensor<2x1x1x2xf32>
    %b = "tq.const"() <{value = dense<[1.5, 3.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
    %y = "tq.conv_2d"(%x, %w, %b) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "SAME", activation = "RELU", tfl_index = 0 : i64}> : (tensor<1x2x2x2x!tq.q<i8, 0.5:0>>, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2x!tq.q<i8, 0.3:-128>>
    func.return %y : tensor<1x2x2x2x!tq.q<i8, 0.3:-128>>
  }

  // Depthwise: channels on axis 3. Channel 1 is all zero with zero bias: S_w = 0, q = 0 (as
  // TFLite's quantizer). Channel 2's bias 1e9 would overflow int32 at S_in·S_w = 0.5·(1/127):
  // AdjustWeightsForBiasScale raises its range to 2·|b|/(2^31−1)·(127/S_in).
  func.func @depthwise(%x: tensor<1x1x1x3x!tq.q<i8, 0.5:0>>) -> tensor<1x1x1x3x!tq.q<i8, 0.1:0>> {
    %w = "tq.const"() <{value = dense<[[[[-1.0, 0.0, 1.0]]]]> : tensor<1x1x1x3xf32>}> : () -> tensor<1x1x1x3xf32>
    %b = "tq.const"() <{value = dense<[0.25, 0.0, 1.0e9]> : tensor<3xf32>}> : () -> tensor<3xf32>
    %y = "tq.depthwise_conv_2d"(%x, %w, %b) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "VALID", activation = "NONE", tfl_index = 1 : i64}> : (tensor<1x1x1x3x!tq.q<i8, 0.5:0>>, tensor<1x1x1x3xf32>, tensor<3xf32>) -> tensor<1x1x1x3x!tq.q<i8, 0.1:0>>
    func.return %y : tensor<1x1x1x3x!tq.q<i8, 0.1:0>>
  }

  // Already quantized weights are left alone; an FC without bias gets none.
  func.func @fc(%x: tensor<1x4x!tq.q<i8, 0.5:0>>) -> (tensor<1x2x!tq.q<i8, 0.1:0>>, tensor<1x1x!tq.q<i8, 0.1:0>>) {
    %w = "tq.const"() <{value = dense<[[1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi8>}> : () -> tensor<2x4x!tq.q<i8, 0.5:0>>
    %y = "tq.fully_connected"(%x, %w) <{activation = "NONE", tfl_index = 2 : i64}> : (tensor<1x4x!tq.q<i8, 0.5:0>>, tensor<2x4x!tq.q<i8, 0.5:0>>) -> tensor<1x2x!tq.q<i8, 0.1:0>>
    %v = "tq.const"() <{value = dense<[[0.1, -0.2, 0.3, -0.4]]> : tensor<1x4xf32>}> : () -> tensor<1x4xf32>
    %z = "tq.fully_connected"(%x, %v) <{activation = "NONE", tfl_index = 3 : i64}> : (tensor<1x4x!tq.q<i8, 0.5:0>>, tensor<1x4xf32>) -> tensor<1x1x!tq.q<i8, 0.1:0>>
    func.return %y, %z : tensor<1x2x!tq.q<i8, 0.1:0>>, tensor<1x1x!tq.q<i8, 0.1:0>>
  }
}

// CHECK-LABEL: func.func @conv
// CHECK-NEXT:  %w = "tq.const"() <{value = dense<{{\[\[\[\[}}64, 127]]], {{\[\[\[}}-95, 127]]]]> : tensor<2x1x1x2xi8>}> : () -> tensor<2x1x1x2x!tq.q<i8:0, {0.007874015718698502:0, 0.015748031437397003:0}>>
// CHECK-NEXT:  %b = "tq.const"() <{value = dense<381> : tensor<2xi32>}> : () -> tensor<2x!tq.q<i32:0, {0.003937007859349251:0, 0.007874015718698502:0}>>
// CHECK-NEXT:  %y = "tq.conv_2d"(%x, %w, %b)
// CHECK-LABEL: func.func @depthwise
// CHECK-NEXT:  %w = "tq.const"() <{value = dense<{{\[\[\[\[}}-127, 0, 1]]]]> : tensor<1x1x1x3xi8>}> : () -> tensor<1x1x1x3x!tq.q<i8:3, {0.007874015718698502:0, 0.0:0, 1.862645149230957:0}>>
// CHECK-NEXT:  %b = "tq.const"() <{value = dense<[64, 0, 1073741824]> : tensor<3xi32>}>
// CHECK-LABEL: func.func @fc
// CHECK-NEXT:  %w = "tq.const"() <{value = dense<{{\[\[}}1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi8>}> : () -> tensor<2x4x!tq.q<i8, 0.5:0>>
// CHECK-NEXT:  %y = "tq.fully_connected"(%x, %w)
// CHECK-NEXT:  %v = "tq.const"() <{value = dense<{{\[\[}}32, -64, 95, -127]]> : tensor<1x4xi8>}> : () -> tensor<1x4x!tq.q<i8:0, {0.0031496062874794006:0}>>
// CHECK-NEXT:  %z = "tq.fully_connected"(%x, %v) <{activation = "NONE", tfl_index = 3 : i64}> : (tensor<1x4x!tq.q<i8, 0.5:0>>, tensor<1x4x!tq.q<i8:0, {0.0031496062874794006:0}>>) -> tensor<1x1x!tq.q<i8, 0.1:0>>

// REPORT:      recompute-min-max: CONV_2D 'y' (op #0): int8 symmetric weights, 2 channel scales in [0.00787, 0.0157], int32 bias at S_in*S_w; S_in=0.5
// REPORT-NEXT: recompute-min-max: DEPTHWISE_CONV_2D 'y' (op #1): int8 symmetric weights, 3 channel scales in [0, 1.86] (1 all-zero channels), int32 bias at S_in*S_w; S_in=0.5
// REPORT-NEXT: recompute-min-max: FULLY_CONNECTED 'z' (op #3): int8 symmetric weights, 1 channel scales in [0.00315, 0.00315]; S_in=0.5
// REPORT-NOT:  recompute-min-max

// The requantized ops lower like any per-channel conv/FC (the zero channel's multiplier is 0).
// LOWERED-LABEL: func.func @conv
// LOWERED:       "tqi.conv_2d"
// LOWERED-LABEL: func.func @depthwise
// LOWERED:       "tqi.depthwise_conv_2d"
// LOWERED:       "tqi.mul_high"(%{{.*}}) <{multiplier = array<i64: 1352745600, 0, 1250000000>}>
