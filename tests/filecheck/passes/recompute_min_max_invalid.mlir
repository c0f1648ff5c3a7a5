// RUN: not tqc opt %s -p recompute-min-max 2>&1 | filecheck %s
// recompute-min-max refuses float weights on a non-int8 (here legacy uint8) input.

builtin.module {
  func.func @uint8(%x: tensor<1x4x!tq.q<ui8, 0.5:128>>) -> tensor<1x1x!tq.q<ui8, 0.1:128>> {
    %v = "tq.const"() <{value = dense<[[0.1, -0.2, 0.3, -0.4]]> : tensor<1x4xf32>}> : () -> tensor<1x4xf32>
    %z = "tq.fully_connected"(%x, %v) <{activation = "NONE", tfl_index = 3 : i64}> : (tensor<1x4x!tq.q<ui8, 0.5:128>>, tensor<1x4xf32>) -> tensor<1x1x!tq.q<ui8, 0.1:128>>
    func.return %z : tensor<1x1x!tq.q<ui8, 0.1:128>>
  }
}

// CHECK: tqc: error: recompute-min-max: FULLY_CONNECTED 'z' (op #3) has ui8 input; only int8 is supported
