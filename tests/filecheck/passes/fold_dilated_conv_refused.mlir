// RUN: not tqc opt %s -p fold-dilated-conv 2>&1 | filecheck %s
// fold-dilated-conv refuses a SAME pattern whose padding holds a non-zero zero point: TFLM's
// SPACE_TO_BATCH_ND pads with a value it never sets, LiteRT with the zero point.

builtin.module {
  func.func @main(%x: tensor<1x6x6x2x!tq.q<i8, 0.05:-128>>) -> tensor<1x6x6x3x!tq.q<i8, 0.1:-128>> {
    %w = "tq.const"() <{value = dense<1> : tensor<3x3x3x2xi8>}> : () -> tensor<3x3x3x2x!tq.q<i8, 0.01:0>>
    %sb = "tq.space_to_batch_nd"(%x) <{block_shape = array<i64: 2, 2>, paddings = array<i64: 2, 2, 2, 2>, tfl_index = 0 : i64}> : (tensor<1x6x6x2x!tq.q<i8, 0.05:-128>>) -> tensor<4x5x5x2x!tq.q<i8, 0.05:-128>>
    %cv = "tq.conv_2d"(%sb, %w) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "VALID", activation = "NONE", tfl_index = 1 : i64}> : (tensor<4x5x5x2x!tq.q<i8, 0.05:-128>>, tensor<3x3x3x2x!tq.q<i8, 0.01:0>>) -> tensor<4x3x3x3x!tq.q<i8, 0.1:-128>>
    %y = "tq.batch_to_space_nd"(%cv) <{block_shape = array<i64: 2, 2>, crops = array<i64: 0, 0, 0, 0>, tfl_index = 2 : i64}> : (tensor<4x3x3x3x!tq.q<i8, 0.1:-128>>) -> tensor<1x6x6x3x!tq.q<i8, 0.1:-128>>
    func.return %y : tensor<1x6x6x3x!tq.q<i8, 0.1:-128>>
  }
}

// CHECK: tqc: error: {{.*}}SPACE_TO_BATCH_ND: dilated convolution (SPACE_TO_BATCH_ND -> CONV_2D -> BATCH_TO_SPACE_ND) is not supported: input zero point -128 with SAME padding
