// RUN: tqc opt %s -p fold-dilated-conv | filecheck %s
// fold-dilated-conv: Keras' dilated conv (SPACE_TO_BATCH_ND -> CONV_2D -> BATCH_TO_SPACE_ND)
// becomes one conv dilated by the block shape. Here a 3x3 conv, block 2x2, paddings 2 on every
// side, no crops: top = 2 - 0 = ((3 - 1)·2) // 2 and 6x6 in, 6x6 out, i.e. SAME.

builtin.module {
  func.func @main(%x: tensor<1x6x6x2x!tq.q<i8, 0.05:0>>) -> tensor<1x6x6x3x!tq.q<i8, 0.1:-128>> {
    %w = "tq.const"() <{value = dense<1> : tensor<3x3x3x2xi8>}> : () -> tensor<3x3x3x2x!tq.q<i8, 0.01:0>>
    %sb = "tq.space_to_batch_nd"(%x) <{block_shape = array<i64: 2, 2>, paddings = array<i64: 2, 2, 2, 2>, tfl_index = 0 : i64}> : (tensor<1x6x6x2x!tq.q<i8, 0.05:0>>) -> tensor<4x5x5x2x!tq.q<i8, 0.05:0>>
    %cv = "tq.conv_2d"(%sb, %w) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "VALID", activation = "RELU", tfl_index = 1 : i64}> : (tensor<4x5x5x2x!tq.q<i8, 0.05:0>>, tensor<3x3x3x2x!tq.q<i8, 0.01:0>>) -> tensor<4x3x3x3x!tq.q<i8, 0.1:-128>>
    %y = "tq.batch_to_space_nd"(%cv) <{block_shape = array<i64: 2, 2>, crops = array<i64: 0, 0, 0, 0>, tfl_index = 2 : i64}> : (tensor<4x3x3x3x!tq.q<i8, 0.1:-128>>) -> tensor<1x6x6x3x!tq.q<i8, 0.1:-128>>
    func.return %y : tensor<1x6x6x3x!tq.q<i8, 0.1:-128>>
  }
}

// CHECK:      %w = "tq.const"()
// CHECK-NEXT: %y = "tq.conv_2d"(%x, %w) <{stride = array<i64: 1, 1>, dilation = array<i64: 2, 2>, padding = "SAME", activation = "RELU", tfl_index = 1 : i64}> : (tensor<1x6x6x2x!tq.q<i8, 0.05:0>>, tensor<3x3x3x2x!tq.q<i8, 0.01:0>>) -> tensor<1x6x6x3x!tq.q<i8, 0.1:-128>>
// CHECK-NEXT: func.return %y
