// RUN: tqc opt %s -p lower-requantize | filecheck %s
// UNIDIRECTIONAL_SEQUENCE_LSTM unrolls over time into existing tqi ops: per step one input FC
// and one recurrent FC over the four gates' concatenated weights (order input, forget, output,
// cell; per-unit multipliers), int16-saturating adds, 65536-entry sigmoid / tanh tables, the
// cell and hidden updates as int32 muls with requantize steps; the steps are packed along time.
// Step 0 starts from TFLM's reset state (h = Z_h, c = 0): no recurrent FC, no forget product.

builtin.module {
  func.func @main(%x: tensor<1x2x2x!tq.q<i8, 0.05:-7>>) -> tensor<1x2x1x!tq.q<i8, 0.0078125:3>> {
    %wi = "tq.const"() <{value = dense<[[10, -20]]> : tensor<1x2xi8>}> : () -> tensor<1x2x!tq.q<i8, 0.01:0>>
    %wf = "tq.const"() <{value = dense<[[11, -21]]> : tensor<1x2xi8>}> : () -> tensor<1x2x!tq.q<i8, 0.01:0>>
    %wc = "tq.const"() <{value = dense<[[12, -22]]> : tensor<1x2xi8>}> : () -> tensor<1x2x!tq.q<i8, 0.02:0>>
    %wo = "tq.const"() <{value = dense<[[13, -23]]> : tensor<1x2xi8>}> : () -> tensor<1x2x!tq.q<i8, 0.01:0>>
    %ri = "tq.const"() <{value = dense<[[30]]> : tensor<1x1xi8>}> : () -> tensor<1x1x!tq.q<i8, 0.04:0>>
    %rf = "tq.const"() <{value = dense<[[31]]> : tensor<1x1xi8>}> : () -> tensor<1x1x!tq.q<i8, 0.04:0>>
    %rc = "tq.const"() <{value = dense<[[32]]> : tensor<1x1xi8>}> : () -> tensor<1x1x!tq.q<i8, 0.04:0>>
    %ro = "tq.const"() <{value = dense<[[33]]> : tensor<1x1xi8>}> : () -> tensor<1x1x!tq.q<i8, 0.04:0>>
    %bi = "tq.const"() <{value = dense<[100]> : tensor<1xi32>}> : () -> tensor<1x!tq.q<i32, 0.0005:0>>
    %bf = "tq.const"() <{value = dense<[200]> : tensor<1xi32>}> : () -> tensor<1x!tq.q<i32, 0.0005:0>>
    %bc = "tq.const"() <{value = dense<[300]> : tensor<1xi32>}> : () -> tensor<1x!tq.q<i32, 0.001:0>>
    %bo = "tq.const"() <{value = dense<[400]> : tensor<1xi32>}> : () -> tensor<1x!tq.q<i32, 0.0005:0>>
    %h = "tq.const"() <{value = dense<[[3]]> : tensor<1x1xi8>}> : () -> tensor<1x1x!tq.q<i8, 0.0078125:3>>
    %c = "tq.const"() <{value = dense<[[0]]> : tensor<1x1xi16>}> : () -> tensor<1x1x!tq.q<i16, 0.000244140625:0>>
    %y = "tq.unidirectional_sequence_lstm"(%x, %wi, %wf, %wc, %wo, %ri, %rf, %rc, %ro, %bi, %bf, %bc, %bo, %h, %c) <{time_major = 0 : i64, cell_clip = 1.0 : f64}> : (tensor<1x2x2x!tq.q<i8, 0.05:-7>>, tensor<1x2x!tq.q<i8, 0.01:0>>, tensor<1x2x!tq.q<i8, 0.01:0>>, tensor<1x2x!tq.q<i8, 0.02:0>>, tensor<1x2x!tq.q<i8, 0.01:0>>, tensor<1x1x!tq.q<i8, 0.04:0>>, tensor<1x1x!tq.q<i8, 0.04:0>>, tensor<1x1x!tq.q<i8, 0.04:0>>, tensor<1x1x!tq.q<i8, 0.04:0>>, tensor<1x!tq.q<i32, 0.0005:0>>, tensor<1x!tq.q<i32, 0.0005:0>>, tensor<1x!tq.q<i32, 0.001:0>>, tensor<1x!tq.q<i32, 0.0005:0>>, tensor<1x1x!tq.q<i8, 0.0078125:3>>, tensor<1x1x!tq.q<i16, 0.000244140625:0>>) -> tensor<1x2x1x!tq.q<i8, 0.0078125:3>>
    func.return %y : tensor<1x2x1x!tq.q<i8, 0.0078125:3>>
  }
}

// The merged gate weights and biases (input, forget, output, cell):
// CHECK:      %[[B:.*]] = "tqi.const"() <{value = dense<[100, 200, 400, 300]> : tensor<4xi32>}> {tqc.layer = "UNIDIRECTIONAL_SEQUENCE_LSTM -> y | 2 steps x batch 1, 1 units, batch major; {{.*}} clamp [-4096, 4096];{{.*}}"}
// CHECK-NEXT: %[[WX:.*]] = "tqi.const"() <{value = dense<{{\[\[}}10, -20], [11, -21], [13, -23], [12, -22]]> : tensor<4x2xi8>}>
// CHECK-NEXT: %[[WH:.*]] = "tqi.const"() <{value = dense<{{\[\[}}30], [31], [33], [32]]> : tensor<4x1xi8>}>
// Step 0: x_0, the input FC at 2^-12 (M = f32(0.05·S_w)/2^-12, per gate), no recurrent FC.
// CHECK-NEXT: %[[S0:.*]] = "tqi.slice"(%x) <{begin = array<i64: 0, 0, 0>, end = array<i64: 1, 1, 2>, strides = array<i64: 1, 1, 1>}>
// CHECK-NEXT: %[[X0:.*]] = "tqi.reshape"(%[[S0]]) : (tensor<1x1x2xi8>) -> tensor<1x2xi8>
// CHECK-NEXT: %[[F0:.*]] = "tqi.fully_connected"(%[[X0]], %[[WX]], %[[B]]) <{input_offset = 7 : i64, filter_offset = 0 : i64}>
// CHECK-NEXT: "tqi.shift_left"(%[[F0]]) <{amount = array<i64: 2, 2, 2, 3>}>
// CHECK-NEXT: "tqi.mul_high"
// CHECK-NEXT: %[[P0:.*]] = "tqi.clamp"({{.*}}) <{min = -32768 : i64, max = 32767 : i64}>
// Sigmoid on the input, forget and output gates, tanh on the cell gate (int16 tables):
// CHECK-NEXT: %[[SIG:.*]] = "tqi.slice"(%[[P0]]) <{begin = array<i64: 0, 0>, end = array<i64: 1, 3>
// CHECK-NEXT: %[[G:.*]] = "tqi.slice"(%[[P0]]) <{begin = array<i64: 0, 3>, end = array<i64: 1, 4>
// CHECK-NEXT: "tqi.cast"(%[[SIG]]) : (tensor<1x3xi32>) -> tensor<1x3xi16>
// CHECK-NEXT: "tqi.table"({{.*}}) <{table = dense<"0x{{[0-9A-F]+}}"> : tensor<65536xi16>}>
// CHECK-NEXT: %[[SG:.*]] = "tqi.cast"
// The three sigmoid gates: one slice each (SPLIT lowers to slices).
// CHECK-NEXT: %[[I:.*]] = "tqi.slice"(%[[SG]]) <{begin = array<i64: 0, 0>, end = array<i64: 1, 1>
// CHECK-NEXT: %[[F:.*]] = "tqi.slice"(%[[SG]]) <{begin = array<i64: 0, 1>, end = array<i64: 1, 2>
// CHECK-NEXT: %[[O:.*]] = "tqi.slice"(%[[SG]]) <{begin = array<i64: 0, 2>, end = array<i64: 1, 3>
// CHECK-NEXT: "tqi.cast"(%[[G]])
// CHECK-NEXT: "tqi.table"
// CHECK-NEXT: %[[TG:.*]] = "tqi.cast"
// c = clip(MBQM(i·g, 2^-30/S_c)): 2^-18 = 2^30·2^(-17-31); the cell clip 1.0/2^-12 = 4096.
// CHECK-NEXT: %[[IG:.*]] = "tqi.mul"(%[[I]], %[[TG]])
// CHECK-NEXT: "tqi.mul_high"(%[[IG]]) <{multiplier = array<i64: 1073741824>}>
// CHECK-NEXT: "tqi.shift_right_round"({{.*}}) <{amount = array<i64: 17>}>
// CHECK-NEXT: %[[C1:.*]] = "tqi.clamp"({{.*}}) <{min = -4096 : i64, max = 4096 : i64}>
// h = clamp8(MBQM(o·tanh(c), 2^-30/2^-7) + 3): the cell tanh table, 2^-23 = 2^30·2^(-22-31).
// CHECK-NEXT: "tqi.cast"(%[[C1]])
// CHECK-NEXT: "tqi.table"
// CHECK-NEXT: %[[TC:.*]] = "tqi.cast"
// CHECK-NEXT: "tqi.mul"(%[[O]], %[[TC]])
// CHECK-NEXT: "tqi.mul_high"
// CHECK-NEXT: "tqi.shift_right_round"({{.*}}) <{amount = array<i64: 22>}>
// CHECK-NEXT: "tqi.add_const"({{.*}}) <{value = array<i64: 3>}>
// CHECK-NEXT: "tqi.clamp"({{.*}}) <{min = -128 : i64, max = 127 : i64}>
// CHECK-NEXT: %[[H1:.*]] = "tqi.cast"({{.*}}) : (tensor<1x1xi32>) -> tensor<1x1xi8>
// Step 1: the recurrent FC (input offset -Z_h, M = f32(2^-7·0.04)/2^-12 = 0.64·2^1), a
// saturating add, and the forget product (2^-15 = 2^30·2^(-14-31)).
// CHECK:      "tqi.slice"(%x) <{begin = array<i64: 0, 1, 0>, end = array<i64: 1, 2, 2>
// CHECK:      "tqi.fully_connected"(%[[H1]], %[[WH]]) <{input_offset = -3 : i64, filter_offset = 0 : i64}>
// CHECK-NEXT: "tqi.shift_left"({{.*}}) <{amount = array<i64: 1>}>
// CHECK-NEXT: "tqi.mul_high"({{.*}}) <{multiplier = array<i64: 1374389504>}>
// CHECK-NEXT: %[[R:.*]] = "tqi.clamp"
// CHECK-NEXT: %[[SUM:.*]] = "tqi.add"({{.*}}, %[[R]])
// CHECK-NEXT: "tqi.clamp"(%[[SUM]]) <{min = -32768 : i64, max = 32767 : i64}>
// CHECK:      "tqi.mul"({{.*}}, %[[C1]])
// CHECK-NEXT: "tqi.mul_high"
// CHECK-NEXT: "tqi.shift_right_round"({{.*}}) <{amount = array<i64: 14>}>
// CHECK-NEXT: "tqi.clamp"
// CHECK-NEXT: "tqi.add"
// CHECK-NEXT: "tqi.clamp"({{.*}}) <{min = -4096 : i64, max = 4096 : i64}>
// The steps packed along time: each reshaped to a size-1 axis, one concat (PACK lowers so).
// CHECK:      %[[P1:.*]] = "tqi.reshape"(%[[H1]]) : (tensor<1x1xi8>) -> tensor<1x1x1xi8>
// CHECK-NEXT: %[[P2:.*]] = "tqi.reshape"
// CHECK-NEXT: %y = "tqi.concat"(%[[P1]], %[[P2]]) <{axis = 1 : i64}> : (tensor<1x1x1xi8>, tensor<1x1x1xi8>) -> tensor<1x2x1xi8>
