// RUN: tqc opt %s -p fold-batch-norm 2>%t.report | filecheck %s
// RUN: filecheck --check-prefix=REPORT %s < %t.report
// RUN: xdsl-opt %s -p 'fold-batch-norm{report=false}' | filecheck %s
// fold-batch-norm folds per-channel MUL/ADD/SUB-by-constant chains into the adjacent conv/FC on
// float weights (recompute-min-max quantizes them next) and reports every chain on stderr, folded
// or refused with the reason for each direction.

builtin.module {
  // Folds into the preceding conv: conv (no activation) → MUL → ADD(RELU).
  func.func @preceding(%x: tensor<1x2x2x2x!tq.q<i8, 0.5:0>>) -> tensor<1x2x2x2x!tq.q<i8, 0.3:-128>> {
    %w = "tq.const"() <{value = dense<[[[[1, 2]]], [[[3, -4]]]]> : tensor<2x1x1x2xi8>}> : () -> tensor<2x1x1x2x!tq.q<i8:0, {0.25:0, 0.5:0}>>
    %b = "tq.const"() <{value = dense<[4, -8]> : tensor<2xi32>}> : () -> tensor<2x!tq.q<i32:0, {0.125:0, 0.25:0}>>
    %y = "tq.conv_2d"(%x, %w, %b) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "SAME", activation = "NONE", tfl_index = 0 : i64}> : (tensor<1x2x2x2x!tq.q<i8, 0.5:0>>, tensor<2x1x1x2x!tq.q<i8:0, {0.25:0, 0.5:0}>>, tensor<2x!tq.q<i32:0, {0.125:0, 0.25:0}>>) -> tensor<1x2x2x2x!tq.q<i8, 0.1:0>>
    %s = "tq.const"() <{value = dense<[4, -2]> : tensor<2xi8>}> : () -> tensor<2x!tq.q<i8, 0.5:0>>
    %m = "tq.mul"(%y, %s) <{activation = "NONE", tfl_index = 1 : i64}> : (tensor<1x2x2x2x!tq.q<i8, 0.1:0>>, tensor<2x!tq.q<i8, 0.5:0>>) -> tensor<1x2x2x2x!tq.q<i8, 0.2:0>>
    %t = "tq.const"() <{value = dense<[1, 3]> : tensor<2xi8>}> : () -> tensor<2x!tq.q<i8, 0.25:-1>>
    %r = "tq.add"(%m, %t) <{activation = "RELU", tfl_index = 2 : i64}> : (tensor<1x2x2x2x!tq.q<i8, 0.2:0>>, tensor<2x!tq.q<i8, 0.25:-1>>) -> tensor<1x2x2x2x!tq.q<i8, 0.3:-128>>
    func.return %r : tensor<1x2x2x2x!tq.q<i8, 0.3:-128>>
  }
  // Folds into the following VALID conv: ADD (not a conv) → MUL → SUB → conv 1x1 VALID, which
  // then reads %a directly. a = [2, -1], b = [-0.5, -1] (SUB of [0.5, 1]).
  func.func @following(%p: tensor<1x2x2x2x!tq.q<i8, 0.5:0>>, %q: tensor<1x2x2x2x!tq.q<i8, 0.5:0>>) -> tensor<1x1x1x2x!tq.q<i8, 0.1:0>> {
    %a = "tq.add"(%p, %q) <{activation = "NONE", tfl_index = 0 : i64}> : (tensor<1x2x2x2x!tq.q<i8, 0.5:0>>, tensor<1x2x2x2x!tq.q<i8, 0.5:0>>) -> tensor<1x2x2x2x!tq.q<i8, 0.5:0>>
    %s = "tq.const"() <{value = dense<[4, -2]> : tensor<2xi8>}> : () -> tensor<2x!tq.q<i8, 0.5:0>>
    %m = "tq.mul"(%a, %s) <{activation = "NONE", tfl_index = 1 : i64}> : (tensor<1x2x2x2x!tq.q<i8, 0.5:0>>, tensor<2x!tq.q<i8, 0.5:0>>) -> tensor<1x2x2x2x!tq.q<i8, 0.2:0>>
    %t = "tq.const"() <{value = dense<[[[[2, 4]]]]> : tensor<1x1x1x2xi8>}> : () -> tensor<1x1x1x2x!tq.q<i8, 0.25:0>>
    %n = "tq.sub"(%m, %t) <{activation = "NONE", tfl_index = 2 : i64}> : (tensor<1x2x2x2x!tq.q<i8, 0.2:0>>, tensor<1x1x1x2x!tq.q<i8, 0.25:0>>) -> tensor<1x2x2x2x!tq.q<i8, 0.3:0>>
    %w = "tq.const"() <{value = dense<[[[[1, 2], [1, 1]], [[0, 0], [0, 4]]], [[[3, -4], [0, 0]], [[0, 0], [0, 0]]]]> : tensor<2x2x2x2xi8>}> : () -> tensor<2x2x2x2x!tq.q<i8:0, {0.25:0, 0.5:0}>>
    %y = "tq.conv_2d"(%n, %w) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "VALID", activation = "RELU6", tfl_index = 3 : i64}> : (tensor<1x2x2x2x!tq.q<i8, 0.3:0>>, tensor<2x2x2x2x!tq.q<i8:0, {0.25:0, 0.5:0}>>) -> tensor<1x1x1x2x!tq.q<i8, 0.1:0>>
    func.return %y : tensor<1x1x1x2x!tq.q<i8, 0.1:0>>
  }

  // Into a FULLY_CONNECTED through the flattening RESHAPE: channel = k mod 2.
  func.func @fc_through_reshape(%x: tensor<1x1x2x2x!tq.q<i8, 0.5:0>>) -> tensor<1x1x!tq.q<i8, 0.1:0>> {
    %s = "tq.const"() <{value = dense<[4, -2]> : tensor<2xi8>}> : () -> tensor<2x!tq.q<i8, 0.5:0>>
    %m = "tq.mul"(%x, %s) <{activation = "NONE", tfl_index = 0 : i64}> : (tensor<1x1x2x2x!tq.q<i8, 0.5:0>>, tensor<2x!tq.q<i8, 0.5:0>>) -> tensor<1x1x2x2x!tq.q<i8, 0.2:0>>
    %f = "tq.reshape"(%m) <{tfl_index = 1 : i64}> : (tensor<1x1x2x2x!tq.q<i8, 0.2:0>>) -> tensor<1x4x!tq.q<i8, 0.2:0>>
    %w = "tq.const"() <{value = dense<[[1, 2, 3, 4]]> : tensor<1x4xi8>}> : () -> tensor<1x4x!tq.q<i8, 0.5:0>>
    %b = "tq.const"() <{value = dense<[10]> : tensor<1xi32>}> : () -> tensor<1x!tq.q<i32, 0.1:0>>
    %y = "tq.fully_connected"(%f, %w, %b) <{activation = "NONE", tfl_index = 2 : i64}> : (tensor<1x4x!tq.q<i8, 0.2:0>>, tensor<1x4x!tq.q<i8, 0.5:0>>, tensor<1x!tq.q<i32, 0.1:0>>) -> tensor<1x1x!tq.q<i8, 0.1:0>>
    func.return %y : tensor<1x1x!tq.q<i8, 0.1:0>>
  }

  // Into a VALID depthwise conv with depth multiplier 2: output channel o reads channel o / 2.
  func.func @depthwise(%x: tensor<1x1x1x2x!tq.q<i8, 0.5:0>>) -> tensor<1x1x1x4x!tq.q<i8, 0.1:0>> {
    %t = "tq.const"() <{value = dense<2> : tensor<i8>}> : () -> tensor<!tq.q<i8, 0.25:0>>
    %n = "tq.sub"(%t, %x) <{activation = "NONE", tfl_index = 0 : i64}> : (tensor<!tq.q<i8, 0.25:0>>, tensor<1x1x1x2x!tq.q<i8, 0.5:0>>) -> tensor<1x1x1x2x!tq.q<i8, 0.5:0>>
    %w = "tq.const"() <{value = dense<[[[[1, 2, 3, 4]]]]> : tensor<1x1x1x4xi8>}> : () -> tensor<1x1x1x4x!tq.q<i8:3, {0.5:0, 0.5:0, 0.5:0, 0.5:0}>>
    %y = "tq.depthwise_conv_2d"(%n, %w) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "SAME", activation = "NONE", tfl_index = 1 : i64}> : (tensor<1x1x1x2x!tq.q<i8, 0.5:0>>, tensor<1x1x1x4x!tq.q<i8:3, {0.5:0, 0.5:0, 0.5:0, 0.5:0}>>) -> tensor<1x1x1x4x!tq.q<i8, 0.1:0>>
    func.return %y : tensor<1x1x1x4x!tq.q<i8, 0.1:0>>
  }

  // Refused: a fused RELU on the conv before, SAME padding (that pads) on the conv after.
  func.func @relu_between_and_same(%x: tensor<1x2x2x2x!tq.q<i8, 0.5:0>>) -> tensor<1x2x2x2x!tq.q<i8, 0.1:0>> {
    %w = "tq.const"() <{value = dense<1> : tensor<2x1x1x2xi8>}> : () -> tensor<2x1x1x2x!tq.q<i8, 0.25:0>>
    %y = "tq.conv_2d"(%x, %w) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "SAME", activation = "RELU", tfl_index = 0 : i64}> : (tensor<1x2x2x2x!tq.q<i8, 0.5:0>>, tensor<2x1x1x2x!tq.q<i8, 0.25:0>>) -> tensor<1x2x2x2x!tq.q<i8, 0.1:0>>
    %s = "tq.const"() <{value = dense<[4, -2]> : tensor<2xi8>}> : () -> tensor<2x!tq.q<i8, 0.5:0>>
    %m = "tq.mul"(%y, %s) <{activation = "NONE", tfl_index = 1 : i64}> : (tensor<1x2x2x2x!tq.q<i8, 0.1:0>>, tensor<2x!tq.q<i8, 0.5:0>>) -> tensor<1x2x2x2x!tq.q<i8, 0.2:0>>
    %w3 = "tq.const"() <{value = dense<1> : tensor<2x3x3x2xi8>}> : () -> tensor<2x3x3x2x!tq.q<i8, 0.25:0>>
    %z = "tq.conv_2d"(%m, %w3) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "SAME", activation = "NONE", tfl_index = 2 : i64}> : (tensor<1x2x2x2x!tq.q<i8, 0.2:0>>, tensor<2x3x3x2x!tq.q<i8, 0.25:0>>) -> tensor<1x2x2x2x!tq.q<i8, 0.1:0>>
    func.return %z : tensor<1x2x2x2x!tq.q<i8, 0.1:0>>
  }

  // Refused: the chain ends in a fused RELU and its output also feeds a second user.
  func.func @relu_in_chain(%x: tensor<1x4x!tq.q<i8, 0.5:0>>) -> (tensor<1x1x!tq.q<i8, 0.1:0>>) {
    %s = "tq.const"() <{value = dense<3> : tensor<4xi8>}> : () -> tensor<4x!tq.q<i8, 0.5:0>>
    %m = "tq.mul"(%x, %s) <{activation = "RELU", tfl_index = 0 : i64}> : (tensor<1x4x!tq.q<i8, 0.5:0>>, tensor<4x!tq.q<i8, 0.5:0>>) -> tensor<1x4x!tq.q<i8, 0.2:-128>>
    %w = "tq.const"() <{value = dense<1> : tensor<1x4xi8>}> : () -> tensor<1x4x!tq.q<i8, 0.5:0>>
    %y = "tq.fully_connected"(%m, %w) <{activation = "NONE", tfl_index = 1 : i64}> : (tensor<1x4x!tq.q<i8, 0.2:-128>>, tensor<1x4x!tq.q<i8, 0.5:0>>) -> tensor<1x1x!tq.q<i8, 0.1:0>>
    func.return %y : tensor<1x1x!tq.q<i8, 0.1:0>>
  }

  // Refused: the MUL has two users (an FC and the function result), the FC before has two users.
  func.func @shared(%x: tensor<1x4x!tq.q<i8, 0.5:0>>) -> (tensor<1x4x!tq.q<i8, 0.1:0>>, tensor<1x4x!tq.q<i8, 0.2:0>>, tensor<1x1x!tq.q<i8, 0.1:0>>) {
    %w = "tq.const"() <{value = dense<1> : tensor<4x4xi8>}> : () -> tensor<4x4x!tq.q<i8, 0.5:0>>
    %p = "tq.fully_connected"(%x, %w) <{activation = "NONE", tfl_index = 0 : i64}> : (tensor<1x4x!tq.q<i8, 0.5:0>>, tensor<4x4x!tq.q<i8, 0.5:0>>) -> tensor<1x4x!tq.q<i8, 0.1:0>>
    %s = "tq.const"() <{value = dense<3> : tensor<4xi8>}> : () -> tensor<4x!tq.q<i8, 0.5:0>>
    %m = "tq.mul"(%p, %s) <{activation = "NONE", tfl_index = 1 : i64}> : (tensor<1x4x!tq.q<i8, 0.1:0>>, tensor<4x!tq.q<i8, 0.5:0>>) -> tensor<1x4x!tq.q<i8, 0.2:0>>
    %w2 = "tq.const"() <{value = dense<1> : tensor<1x4xi8>}> : () -> tensor<1x4x!tq.q<i8, 0.5:0>>
    %y = "tq.fully_connected"(%m, %w2) <{activation = "NONE", tfl_index = 2 : i64}> : (tensor<1x4x!tq.q<i8, 0.2:0>>, tensor<1x4x!tq.q<i8, 0.5:0>>) -> tensor<1x1x!tq.q<i8, 0.1:0>>
    func.return %p, %m, %y : tensor<1x4x!tq.q<i8, 0.1:0>>, tensor<1x4x!tq.q<i8, 0.2:0>>, tensor<1x1x!tq.q<i8, 0.1:0>>
  }

  // Not a batch-norm: both MUL operands are non-constant (no report, unchanged). Refused: the
  // weights of the FC after the ADD are not constant; a constant that varies along H.
  func.func @non_constant(%x: tensor<1x4x!tq.q<i8, 0.5:0>>, %v: tensor<1x4x!tq.q<i8, 0.5:0>>, %wv: tensor<1x4x!tq.q<i8, 0.5:0>>, %img: tensor<1x2x1x1x!tq.q<i8, 0.5:0>>) -> (tensor<1x4x!tq.q<i8, 0.2:0>>, tensor<1x1x!tq.q<i8, 0.1:0>>, tensor<1x2x1x1x!tq.q<i8, 0.5:0>>) {
    %m = "tq.mul"(%x, %v) <{activation = "NONE", tfl_index = 0 : i64}> : (tensor<1x4x!tq.q<i8, 0.5:0>>, tensor<1x4x!tq.q<i8, 0.5:0>>) -> tensor<1x4x!tq.q<i8, 0.2:0>>
    %t = "tq.const"() <{value = dense<3> : tensor<4xi8>}> : () -> tensor<4x!tq.q<i8, 0.5:0>>
    %a = "tq.add"(%x, %t) <{activation = "NONE", tfl_index = 1 : i64}> : (tensor<1x4x!tq.q<i8, 0.5:0>>, tensor<4x!tq.q<i8, 0.5:0>>) -> tensor<1x4x!tq.q<i8, 0.2:0>>
    %y = "tq.fully_connected"(%a, %wv) <{activation = "NONE", tfl_index = 2 : i64}> : (tensor<1x4x!tq.q<i8, 0.2:0>>, tensor<1x4x!tq.q<i8, 0.5:0>>) -> tensor<1x1x!tq.q<i8, 0.1:0>>
    %h = "tq.const"() <{value = dense<[[[[1]], [[2]]]]> : tensor<1x2x1x1xi8>}> : () -> tensor<1x2x1x1x!tq.q<i8, 0.5:0>>
    %g = "tq.mul"(%img, %h) <{activation = "NONE", tfl_index = 3 : i64}> : (tensor<1x2x1x1x!tq.q<i8, 0.5:0>>, tensor<1x2x1x1x!tq.q<i8, 0.5:0>>) -> tensor<1x2x1x1x!tq.q<i8, 0.5:0>>
    func.return %m, %y, %g : tensor<1x4x!tq.q<i8, 0.2:0>>, tensor<1x1x!tq.q<i8, 0.1:0>>, tensor<1x2x1x1x!tq.q<i8, 0.5:0>>
  }

  // Refused: a legacy uint8 model (recompute-min-max writes int8 weights only).
  func.func @uint8(%x: tensor<1x4x!tq.q<ui8, 0.5:128>>) -> tensor<1x1x!tq.q<ui8, 0.1:128>> {
    %w = "tq.const"() <{value = dense<130> : tensor<4x4xui8>}> : () -> tensor<4x4x!tq.q<ui8, 0.5:128>>
    %p = "tq.fully_connected"(%x, %w) <{activation = "NONE", tfl_index = 0 : i64}> : (tensor<1x4x!tq.q<ui8, 0.5:128>>, tensor<4x4x!tq.q<ui8, 0.5:128>>) -> tensor<1x4x!tq.q<ui8, 0.1:128>>
    %s = "tq.const"() <{value = dense<3> : tensor<4xui8>}> : () -> tensor<4x!tq.q<ui8, 0.5:0>>
    %m = "tq.mul"(%p, %s) <{activation = "NONE", tfl_index = 1 : i64}> : (tensor<1x4x!tq.q<ui8, 0.1:128>>, tensor<4x!tq.q<ui8, 0.5:0>>) -> tensor<1x4x!tq.q<ui8, 0.2:128>>
    %w2 = "tq.const"() <{value = dense<130> : tensor<1x4xui8>}> : () -> tensor<1x4x!tq.q<ui8, 0.5:128>>
    %y = "tq.fully_connected"(%m, %w2) <{activation = "NONE", tfl_index = 2 : i64}> : (tensor<1x4x!tq.q<ui8, 0.2:128>>, tensor<1x4x!tq.q<ui8, 0.5:128>>) -> tensor<1x1x!tq.q<ui8, 0.1:128>>
    func.return %y : tensor<1x1x!tq.q<ui8, 0.1:128>>
  }
}

// Preceding: W' = a[o]·W[o] with a = [2, -1]; bias' = a·(q_b·S_in·S_w) + b = [2·0.5 + 0.5, -1·-2 + 1];
// the conv takes the ADD's output type and its RELU.
// CHECK-LABEL: func.func @preceding
// CHECK-NEXT:  %w_folded = "tq.const"() <{value = dense<{{\[\[\[\[}}5.000000e-01, 1.000000e+00]]], {{\[\[\[}}-1.500000e+00, 2.000000e+00]]]]> : tensor<2x1x1x2xf32>}>
// CHECK-NEXT:  %b_folded = "tq.const"() <{value = dense<[1.500000e+00, 3.000000e+00]> : tensor<2xf32>}>
// CHECK-NEXT:  %r = "tq.conv_2d"(%x, %w_folded, %b_folded) <{stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>, padding = "SAME", tfl_index = 0 : i64, activation = "RELU"}> : ({{.*}}, tensor<2x1x1x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2x!tq.q<i8, 0.3:-128>>
// CHECK-NEXT:  func.return %r

// Following: W'[o,h,w,c] = W·a[c]; bias'[o] = Σ W[o,h,w,c]·b[c] = [-2, 1.25]; the conv reads %a.
// CHECK-LABEL: func.func @following
// CHECK-NEXT:  %a = "tq.add"(%p, %q)
// CHECK-NEXT:  %w_folded = "tq.const"() <{value = dense<{{\[\[\[\[}}5.000000e-01, -5.000000e-01], [5.000000e-01, -2.500000e-01]], {{\[\[}}0.000000e+00, 0.000000e+00], [0.000000e+00, -1.000000e+00]]], {{\[\[\[}}3.000000e+00, 2.000000e+00], [0.000000e+00, 0.000000e+00]], {{\[\[}}0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00]]]]> : tensor<2x2x2x2xf32>}>
// CHECK-NEXT:  %bias_folded = "tq.const"() <{value = dense<[-2.000000e+00, 1.250000e+00]> : tensor<2xf32>}>
// CHECK-NEXT:  %y = "tq.conv_2d"(%a, %w_folded, %bias_folded) <{{{.*}}padding = "VALID", activation = "RELU6"{{.*}}}> : (tensor<1x2x2x2x!tq.q<i8, 0.5:0>>, tensor<2x2x2x2xf32>, tensor<2xf32>) -> tensor<1x1x1x2x!tq.q<i8, 0.1:0>>
// CHECK-NOT:   tq.mul
// CHECK-NOT:   tq.sub
// CHECK:       func.return %y

// Through the flatten: a[k mod 2] = [2, -1, 2, -1]; the RESHAPE now reads %x (its quantization).
// CHECK-LABEL: func.func @fc_through_reshape
// CHECK-NEXT:  %f = "tq.reshape"(%x) <{tfl_index = 1 : i64}> : (tensor<1x1x2x2x!tq.q<i8, 0.5:0>>) -> tensor<1x4x!tq.q<i8, 0.5:0>>
// CHECK-NEXT:  %w_folded = "tq.const"() <{value = dense<{{\[\[}}1.000000e+00, -1.000000e+00, 3.000000e+00, -2.000000e+00]]> : tensor<1x4xf32>}>
// CHECK-NEXT:  %b_folded = "tq.const"() <{value = dense<1.000000e+00> : tensor<1xf32>}>
// CHECK-NEXT:  %y = "tq.fully_connected"(%f, %w_folded, %b_folded)

// c − x: a = −1, b = 0.5; SAME padding with a 1x1 kernel pads nothing, so it folds.
// CHECK-LABEL: func.func @depthwise
// CHECK-NEXT:  %w_folded = "tq.const"() <{value = dense<{{\[\[\[\[}}-5.000000e-01, -1.000000e+00, -1.500000e+00, -2.000000e+00]]]]> : tensor<1x1x1x4xf32>}>
// CHECK-NEXT:  %bias_folded = "tq.const"() <{value = dense<[2.500000e-01, 5.000000e-01, 7.500000e-01, 1.000000e+00]> : tensor<4xf32>}>
// CHECK-NEXT:  %y = "tq.depthwise_conv_2d"(%x, %w_folded, %bias_folded)

// Refused cases stay as they are.
// CHECK-LABEL: func.func @relu_between_and_same
// CHECK:       %m = "tq.mul"(%y, %s)
// CHECK-NEXT:  %w3 = "tq.const"
// CHECK-NEXT:  %z = "tq.conv_2d"(%m, %w3)
// CHECK-LABEL: func.func @relu_in_chain
// CHECK:       %m = "tq.mul"(%x, %s) <{activation = "RELU"
// CHECK:       %y = "tq.fully_connected"(%m, %w)
// CHECK-LABEL: func.func @shared
// CHECK:       %p = "tq.fully_connected"(%x, %w)
// CHECK:       %m = "tq.mul"(%p, %s)
// CHECK:       %y = "tq.fully_connected"(%m, %w2)
// CHECK-LABEL: func.func @non_constant
// CHECK-NEXT:  %m = "tq.mul"(%x, %v)
// CHECK-NEXT:  %t = "tq.const"
// CHECK-NEXT:  %a = "tq.add"(%x, %t)
// CHECK-NEXT:  %y = "tq.fully_connected"(%a, %wv)
// CHECK-NEXT:  %h = "tq.const"
// CHECK-NEXT:  %g = "tq.mul"(%img, %h)
// CHECK-LABEL: func.func @uint8
// CHECK:       %m = "tq.mul"(%p, %s)
// CHECK:       %y = "tq.fully_connected"(%m, %w2)

// REPORT:      fold-batch-norm: folded MUL 'm' (op #1) + ADD 'r' (op #2) into the preceding CONV_2D 'y' (op #0)
// REPORT-NEXT: fold-batch-norm: folded MUL 'm' (op #1) + SUB 'n' (op #2) into the following CONV_2D 'y' (op #3)
// REPORT-NEXT: fold-batch-norm: folded MUL 'm' (op #0) into the following FULLY_CONNECTED 'y' (op #2)
// REPORT-NEXT: fold-batch-norm: folded SUB 'n' (op #0) into the following DEPTHWISE_CONV_2D 'y' (op #1)
// REPORT-NEXT: fold-batch-norm: refused MUL 'm' (op #1): preceding: RELU on CONV_2D 'y' (op #0) is a non-linearity between; following: CONV_2D 'z' (op #2) has SAME padding (pads [1, 1, 1, 1]): the border would be the folded input's zero, not the batch-norm's
// REPORT-NEXT: fold-batch-norm: refused MUL 'm' (op #0): preceding: a graph input is not CONV_2D/DEPTHWISE_CONV_2D/FULLY_CONNECTED; following: RELU on MUL 'm' (op #0) is a non-linearity between
// REPORT-NEXT: fold-batch-norm: refused MUL 'm' (op #1): preceding: FULLY_CONNECTED 'p' (op #0) has 2 users; following: MUL 'm' (op #1) has 2 users
// REPORT-NEXT: fold-batch-norm: refused ADD 'a' (op #1): preceding: a graph input is not CONV_2D/DEPTHWISE_CONV_2D/FULLY_CONNECTED; following: the weights of FULLY_CONNECTED 'y' (op #2) are not constant
// REPORT-NEXT: fold-batch-norm: refused MUL 'g' (op #3): the constant [1, 2, 1, 1] of MUL 'g' (op #3) is not one value per channel
// REPORT-NEXT: fold-batch-norm: refused MUL 'm' (op #1): preceding: FULLY_CONNECTED 'p' (op #0) has ui8 activations (only int8 models are refolded); following: FULLY_CONNECTED 'y' (op #2) has ui8 activations (only int8 models are refolded)
// REPORT-NEXT: fold-batch-norm: 4 folded, 6 refused; the folded ops are not bit-exact with the model file
// REPORT-NOT:  fold-batch-norm
