// RUN: tqc opt %s -p 'fuse-activation{requantize=true}' | filecheck %s
// RUN: tqc opt %s -p fuse-activation | filecheck --check-prefix=DEFAULT %s
// fuse-activation{requantize=true} (opt-in, not bit-exact): a standalone RELU6 whose quantization
// differs from its input's folds into a requantizing producer without an activation of its own;
// the producer then writes the RELU6's type, clamped to [-128, -128 + round(6 / 0.1)] = [-128, -68].
// Refused: a producer with a fused RELU, a producer that does not requantize (MAX_POOL_2D).

builtin.module {
  func.func @main(%x: tensor<1x4x!tq.q<i8, 0.5:-3>>, %p: tensor<1x2x2x1x!tq.q<i8, 0.05:-128>>) -> (tensor<1x2x!tq.q<i8, 0.1:-128>>, tensor<1x2x!tq.q<i8, 0.1:-128>>, tensor<1x1x1x1x!tq.q<i8, 0.1:-128>>) {
    %w = "tq.const"() <{value = dense<[[1, 2, 3, 4], [-5, 6, -7, 8]]> : tensor<2x4xi8>}> : () -> tensor<2x4x!tq.q<i8, 0.01:0>>
    %c = "tq.fully_connected"(%x, %w) <{activation = "NONE"}> : (tensor<1x4x!tq.q<i8, 0.5:-3>>, tensor<2x4x!tq.q<i8, 0.01:0>>) -> tensor<1x2x!tq.q<i8, 0.05:-128>>
    %s = "tq.relu6"(%c) : (tensor<1x2x!tq.q<i8, 0.05:-128>>) -> tensor<1x2x!tq.q<i8, 0.1:-128>>
    %d = "tq.fully_connected"(%x, %w) <{activation = "RELU"}> : (tensor<1x4x!tq.q<i8, 0.5:-3>>, tensor<2x4x!tq.q<i8, 0.01:0>>) -> tensor<1x2x!tq.q<i8, 0.05:0>>
    %t = "tq.relu6"(%d) : (tensor<1x2x!tq.q<i8, 0.05:0>>) -> tensor<1x2x!tq.q<i8, 0.1:-128>>
    %m = "tq.max_pool_2d"(%p) <{filter_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = "VALID", activation = "NONE"}> : (tensor<1x2x2x1x!tq.q<i8, 0.05:-128>>) -> tensor<1x1x1x1x!tq.q<i8, 0.05:-128>>
    %u = "tq.relu6"(%m) : (tensor<1x1x1x1x!tq.q<i8, 0.05:-128>>) -> tensor<1x1x1x1x!tq.q<i8, 0.1:-128>>
    func.return %s, %t, %u : tensor<1x2x!tq.q<i8, 0.1:-128>>, tensor<1x2x!tq.q<i8, 0.1:-128>>, tensor<1x1x1x1x!tq.q<i8, 0.1:-128>>
  }
}

// CHECK:      %s = "tq.fully_connected"(%x, %w) <{activation = "NONE", clamp = array<i64: -128, -68>}> : (tensor<1x4x!tq.q<i8, 0.5:-3>>, tensor<2x4x!tq.q<i8, 0.01:0>>) -> tensor<1x2x!tq.q<i8, 0.1:-128>>
// CHECK-NEXT: %d = "tq.fully_connected"(%x, %w) <{activation = "NONE", clamp = array<i64: 0, 127>}>
// CHECK-NEXT: %t = "tq.relu6"(%d)
// CHECK-NEXT: %m = "tq.max_pool_2d"(%p)
// CHECK-NEXT: %u = "tq.relu6"(%m)
// CHECK-NEXT: func.return %s, %t, %u

// DEFAULT:      %c = "tq.fully_connected"(%x, %w) <{activation = "NONE", clamp = array<i64: -128, 127>}>
// DEFAULT-NEXT: %s = "tq.relu6"(%c)
