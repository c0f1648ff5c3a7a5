// RUN: tqc opt %s -p lower-requantize | filecheck %s
// GATHER with run-time indices, axis 1 of [2, 5, 3]: data viewed as [outer 2, axis 5, inner 3],
// the (1, 4) ids as [4, 1] tuples, one tqi.gather (each index checked against [0, 5)), then
// [2, 4, 3] reshaped to the output [2, 1, 4, 3].
// GATHER_ND int8 with int32 (h, w) tuples into [4, 3, 2]: [1, 12, 2] rows, checked only as a
// flat row in [0, 12) (TFLM); uint8 params (LiteRT REF) check each component.

builtin.module {
  func.func @main(%x: tensor<2x5x3x!tq.q<i8, 0.05:-7>>, %ids: tensor<1x4xi32>, %p: tensor<4x3x2x!tq.q<i8, 0.1:3>>, %t: tensor<5x2xi32>, %u: tensor<4x3x2x!tq.q<ui8, 0.1:128>>) -> (tensor<2x1x4x3x!tq.q<i8, 0.05:-7>>, tensor<5x2x!tq.q<i8, 0.1:3>>, tensor<5x2x!tq.q<ui8, 0.1:128>>) {
    %y = "tq.dynamic_gather"(%x, %ids) <{axis = 1 : i64}> : (tensor<2x5x3x!tq.q<i8, 0.05:-7>>, tensor<1x4xi32>) -> tensor<2x1x4x3x!tq.q<i8, 0.05:-7>>
    %z = "tq.dynamic_gather_nd"(%p, %t) : (tensor<4x3x2x!tq.q<i8, 0.1:3>>, tensor<5x2xi32>) -> tensor<5x2x!tq.q<i8, 0.1:3>>
    %w = "tq.dynamic_gather_nd"(%u, %t) : (tensor<4x3x2x!tq.q<ui8, 0.1:128>>, tensor<5x2xi32>) -> tensor<5x2x!tq.q<ui8, 0.1:128>>
    func.return %y, %z, %w : tensor<2x1x4x3x!tq.q<i8, 0.05:-7>>, tensor<5x2x!tq.q<i8, 0.1:3>>, tensor<5x2x!tq.q<ui8, 0.1:128>>
  }
}

// CHECK:      %[[I:.*]] = "tqi.reshape"(%ids) {{.*}}: (tensor<1x4xi32>) -> tensor<4x1xi32>
// CHECK-NEXT: %[[G:.*]] = "tqi.gather"(%x, %[[I]]) <{dims = array<i64: 5>, check = "each"}> {{.*}}: (tensor<2x5x3xi8>, tensor<4x1xi32>) -> tensor<2x4x3xi8>
// CHECK-NEXT: %y = "tqi.reshape"(%[[G]]) {{.*}}-> tensor<2x1x4x3xi8>
// CHECK-NEXT: %[[P:.*]] = "tqi.reshape"(%p) {{.*}}: (tensor<4x3x2xi8>) -> tensor<1x12x2xi8>
// CHECK-NEXT: %[[Z:.*]] = "tqi.gather"(%[[P]], %t) <{dims = array<i64: 4, 3>, check = "flat"}> {{.*}}-> tensor<1x5x2xi8>
// CHECK-NEXT: %z = "tqi.reshape"(%[[Z]]) {{.*}}-> tensor<5x2xi8>
// CHECK-NEXT: %[[U:.*]] = "tqi.reshape"(%u) {{.*}}: (tensor<4x3x2xui8>) -> tensor<1x12x2xui8>
// CHECK-NEXT: %[[W:.*]] = "tqi.gather"(%[[U]], %t) <{dims = array<i64: 4, 3>, check = "each"}> {{.*}}-> tensor<1x5x2xui8>
