// RUN: tqc opt %s -p fuse-activation,lower-requantize | filecheck %s
// TRANSPOSE_CONV lowers to existing tqi ops: s − 1 filler rows / columns after each input row /
// column (holding the input zero point, so that x + input_offset adds 0, as the reference's
// skipped terms do), then a stride-1 conv with the spatially flipped filter, pad
// [f − 1 − pad_top, …], no filter offset; then the int8 conv requantize.

builtin.module {
  func.func @main(%x: tensor<1x2x3x1x!tq.q<i8, 0.05:-7>>) -> tensor<1x4x6x2x!tq.q<i8, 0.1:3>> {
    %w = "tq.const"() <{value = dense<[[[[1], [2], [3]], [[4], [5], [6]]], [[[-1], [-2], [-3]], [[-4], [-5], [-6]]]]> : tensor<2x2x3x1xi8>}> : () -> tensor<2x2x3x1x!tq.q<i8:0, {0.01:0, 0.02:0}>>
    %y = "tq.transpose_conv"(%x, %w) <{stride = array<i64: 2, 2>, padding = "SAME", activation = "RELU"}> : (tensor<1x2x3x1x!tq.q<i8, 0.05:-7>>, tensor<2x2x3x1x!tq.q<i8:0, {0.01:0, 0.02:0}>>) -> tensor<1x4x6x2x!tq.q<i8, 0.1:3>>
    func.return %y : tensor<1x4x6x2x!tq.q<i8, 0.1:3>>
  }
}

// rows: [1,2,3,1] → [1,2,1,3] → pad one filler row each → [1,2,2,3] → [1,4,3,1]
// CHECK:      %[[A:.*]] = "tqi.reshape"(%x) {{.*}}: (tensor<1x2x3x1xi8>) -> tensor<1x2x1x3xi8>
// CHECK-NEXT: %[[B:.*]] = "tqi.pad"(%[[A]]) <{paddings = array<i64: 0, 0, 0, 0, 0, 1, 0, 0>, pad_value = -7 : i64}> : (tensor<1x2x1x3xi8>) -> tensor<1x2x2x3xi8>
// CHECK-NEXT: %[[C:.*]] = "tqi.reshape"(%[[B]]) : (tensor<1x2x2x3xi8>) -> tensor<1x4x3x1xi8>
// columns: [4,3,1,1] → pad one filler column each → [4,3,2,1] → [1,4,6,1]
// CHECK-NEXT: %[[D:.*]] = "tqi.reshape"(%[[C]]) : (tensor<1x4x3x1xi8>) -> tensor<4x3x1x1xi8>
// CHECK-NEXT: %[[E:.*]] = "tqi.pad"(%[[D]]) <{paddings = array<i64: 0, 0, 0, 0, 0, 1, 0, 0>, pad_value = -7 : i64}> : (tensor<4x3x1x1xi8>) -> tensor<4x3x2x1xi8>
// CHECK-NEXT: %[[F:.*]] = "tqi.reshape"(%[[E]]) : (tensor<4x3x2x1xi8>) -> tensor<1x4x6x1xi8>
// the filter flipped in H and W
// CHECK-NEXT: %w_flipped = "tqi.const"() <{value = dense<{{\[\[\[\[}}6], [5], [4]], {{\[\[}}3], [2], [1]]], {{\[\[\[}}-6], [-5], [-4]], {{\[\[}}-3], [-2], [-1]]]]> : tensor<2x2x3x1xi8>}>
// SAME, out 4, f 2, s 2: total 0, pad 0 → top 1, bottom 4 + 1 − 4 − 1 = 0;
//       out 6, f 3, s 2: total 1, pad 0 → left 2, right 6 + 2 − 6 − 2 = 0
// CHECK-NEXT: %[[G:.*]] = "tqi.conv_2d"(%[[F]], %w_flipped) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 2, 0>, input_offset = 7 : i64, filter_offset = 0 : i64}> : (tensor<1x4x6x1xi8>, tensor<2x2x3x1xi8>) -> tensor<1x4x6x2xi32>
// CHECK-NEXT: "tqi.mul_high"(%[[G]])
// CHECK:      "tqi.clamp"({{.*}}) <{min = 3 : i64, max = 127 : i64}>
// CHECK-NEXT: %y = "tqi.cast"
