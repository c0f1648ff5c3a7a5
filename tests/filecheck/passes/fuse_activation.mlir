// RUN: tqc opt %s -p fuse-activation | filecheck %s
// Fused activations become integer clamp bounds (CalculateActivationRangeQuantized); a standalone
// RELU6 with equal in/out quantization folds into its producer's clamp; one whose quantization
// differs stays.

builtin.module {
  func.func @main(%x: tensor<1x4x!tq.q<i8, 0.5:-3>>) -> (tensor<1x2x!tq.q<i8, 0.05:-128>>, tensor<1x2x!tq.q<i8, 0.1:0>>) {
    %w = "tq.const"() <{value = dense<[[1, 2, 3, 4], [-5, 6, -7, 8]]> : tensor<2x4xi8>}> : () -> tensor<2x4x!tq.q<i8, 0.01:0>>
    %a = "tq.fully_connected"(%x, %w) <{activation = "RELU"}> : (tensor<1x4x!tq.q<i8, 0.5:-3>>, tensor<2x4x!tq.q<i8, 0.01:0>>) -> tensor<1x2x!tq.q<i8, 0.05:-128>>
    %r = "tq.relu6"(%a) : (tensor<1x2x!tq.q<i8, 0.05:-128>>) -> tensor<1x2x!tq.q<i8, 0.05:-128>>
    %c = "tq.fully_connected"(%x, %w) <{activation = "NONE"}> : (tensor<1x4x!tq.q<i8, 0.5:-3>>, tensor<2x4x!tq.q<i8, 0.01:0>>) -> tensor<1x2x!tq.q<i8, 0.05:-128>>
    %s = "tq.relu6"(%c) : (tensor<1x2x!tq.q<i8, 0.05:-128>>) -> tensor<1x2x!tq.q<i8, 0.1:0>>
    func.return %r, %s : tensor<1x2x!tq.q<i8, 0.05:-128>>, tensor<1x2x!tq.q<i8, 0.1:0>>
  }
}

// RELU: [max(-128, -128 + round(0/0.05)), 127]; then RELU6 folds: max = -128 + round(6/0.05) = -8.
// CHECK:      %r = "tq.fully_connected"(%x, %w) <{activation = "NONE", clamp = array<i64: -128, -8>}>
// CHECK-NOT:  "tq.relu6"(%r)
// CHECK:      %c = "tq.fully_connected"(%x, %w) <{activation = "NONE", clamp = array<i64: -128, 127>}>
// CHECK-NEXT: %s = "tq.relu6"(%c)
// CHECK-NEXT: func.return %r, %s
