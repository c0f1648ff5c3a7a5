// RUN: tqc opt %s | filecheck %s
// RUN: tqc opt %s | tqc opt - | filecheck %s
// The quantized type and the tq ops print and parse back unchanged.

builtin.module {
  func.func @main(%x: tensor<1x4x!tq.q<i8, 0.5:-3>>) -> tensor<1x2x!tq.q<i8, 0.25:7>> {
    %w = "tq.const"() <{value = dense<[[1, 2, 3, 4], [-5, 6, -7, 8]]> : tensor<2x4xi8>}> : () -> tensor<2x4x!tq.q<i8:0, {0.01:0, 0.02:0}>>
    %b = "tq.const"() <{value = dense<[100, -100]> : tensor<2xi32>}> : () -> tensor<2x!tq.q<i32:0, {0.005:0, 0.01:0}>>
    %y = "tq.fully_connected"(%x, %w, %b) <{activation = "RELU6", tfl_index = 0 : i64}> : (tensor<1x4x!tq.q<i8, 0.5:-3>>, tensor<2x4x!tq.q<i8:0, {0.01:0, 0.02:0}>>, tensor<2x!tq.q<i32:0, {0.005:0, 0.01:0}>>) -> tensor<1x2x!tq.q<i8, 0.25:7>>
    func.return %y : tensor<1x2x!tq.q<i8, 0.25:7>>
  }
}

// CHECK:      func.func @main(%x: tensor<1x4x!tq.q<i8, 0.5:-3>>) -> tensor<1x2x!tq.q<i8, 0.25:7>>
// CHECK-NEXT:   %w = "tq.const"() <{value = dense<{{\[\[}}1, 2, 3, 4], [-5, 6, -7, 8]]> : tensor<2x4xi8>}> : () -> tensor<2x4x!tq.q<i8:0, {0.01:0, 0.02:0}>>
// CHECK-NEXT:   %b = "tq.const"()
// CHECK-NEXT:   %y = "tq.fully_connected"(%x, %w, %b) <{activation = "RELU6", tfl_index = 0 : i64}>
// CHECK-NEXT:   func.return %y
