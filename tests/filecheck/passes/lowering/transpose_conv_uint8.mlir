// RUN: tqc opt %s -p fuse-activation,lower-requantize | filecheck %s
// uint8 TRANSPOSE_CONV (LiteRT BUILTIN_REF, reference_ops::TransposeConv): the int8 lowering's
// fillers (input zero point 128) and flipped filter, plus the weight offset −151 that the int8
// kernel does not have; one multiplier from the float32 product S_in·S_w (M = 1374389600, not
// the 1374389535 of the double product 0.005), double rounding, uint8 clamp and cast.

builtin.module {
  func.func @main(%x: tensor<1x2x3x1x!tq.q<ui8, 0.05:128>>) -> tensor<1x4x6x2x!tq.q<ui8, 0.1:3>> {
    %w = "tq.const"() <{value = dense<[[[[1], [2], [3]], [[4], [5], [6]]], [[[200], [201], [202]], [[203], [204], [255]]]]> : tensor<2x2x3x1xui8>}> : () -> tensor<2x2x3x1x!tq.q<ui8, 0.01:151>>
    %y = "tq.transpose_conv"(%x, %w) <{stride = array<i64: 2, 2>, padding = "SAME", activation = "RELU"}> : (tensor<1x2x3x1x!tq.q<ui8, 0.05:128>>, tensor<2x2x3x1x!tq.q<ui8, 0.01:151>>) -> tensor<1x4x6x2x!tq.q<ui8, 0.1:3>>
    func.return %y : tensor<1x4x6x2x!tq.q<ui8, 0.1:3>>
  }
}

// CHECK:      %[[B:.*]] = "tqi.pad"(%{{.*}}) <{paddings = array<i64: 0, 0, 0, 0, 0, 1, 0, 0>, pad_value = 128 : i64}> : (tensor<1x2x1x3xui8>) -> tensor<1x2x2x3xui8>
// CHECK:      "tqi.pad"(%{{.*}}) <{paddings = array<i64: 0, 0, 0, 0, 0, 1, 0, 0>, pad_value = 128 : i64}> : (tensor<4x3x1x1xui8>) -> tensor<4x3x2x1xui8>
// CHECK:      %[[F:.*]] = "tqi.reshape"(%{{.*}}) : (tensor<4x3x2x1xui8>) -> tensor<1x4x6x1xui8>
// CHECK-NEXT: %w_flipped = "tqi.const"() <{value = dense<{{\[\[\[\[}}6], [5], [4]], {{\[\[}}3], [2], [1]]], {{\[\[\[}}255], [204], [203]], {{\[\[}}202], [201], [200]]]]> : tensor<2x2x3x1xui8>}>
// CHECK-NEXT: %[[G:.*]] = "tqi.conv_2d"(%[[F]], %w_flipped) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 2, 0>, input_offset = -128 : i64, filter_offset = -151 : i64}> : (tensor<1x4x6x1xui8>, tensor<2x2x3x1xui8>) -> tensor<1x4x6x2xi32>
// CHECK-NEXT: %[[H:.*]] = "tqi.mul_high"(%[[G]]) <{multiplier = array<i64: 1374389600>}>
// CHECK-NEXT: %[[I:.*]] = "tqi.shift_right_round"(%[[H]]) <{amount = array<i64: 7>}>
// CHECK-NEXT: %[[J:.*]] = "tqi.add_const"(%[[I]]) <{value = array<i64: 3>}>
// CHECK-NEXT: %[[K:.*]] = "tqi.clamp"(%[[J]]) <{min = 3 : i64, max = 255 : i64}>
// CHECK-NEXT: %y = "tqi.cast"(%[[K]]) : (tensor<1x4x6x2xi32>) -> tensor<1x4x6x2xui8>
