// RUN: tqc opt %s -p lower-requantize | filecheck %s
// GATHER_ND with constant index tuples (h, w) into [1, 4, 3, 2]: the params viewed as
// [1, rows = 1·4·3, slice = 2], row t0·3·… = (0·4 + h)·3 + w per tuple, one slice per run of
// consecutive rows, concatenated, reshaped to the output [1, 4, 2].

builtin.module {
  func.func @main(%x: tensor<1x4x3x2x!tq.q<i8, 0.05:-7>>) -> tensor<1x4x2x!tq.q<i8, 0.05:-7>> {
    %y = "tq.gather_nd"(%x) <{index_depth = 3 : i64, indices = array<i64: 0, 3, 1, 0, 0, 0, 0, 0, 1, 0, 2, 2>}> : (tensor<1x4x3x2x!tq.q<i8, 0.05:-7>>) -> tensor<1x4x2x!tq.q<i8, 0.05:-7>>
    func.return %y : tensor<1x4x2x!tq.q<i8, 0.05:-7>>
  }
}

// rows 10, 0, 1, 8: runs (10), (0, 1), (8)
// CHECK:      %[[V:.*]] = "tqi.reshape"(%x) {{.*}}: (tensor<1x4x3x2xi8>) -> tensor<1x12x2xi8>
// CHECK-NEXT: %[[A:.*]] = "tqi.slice"(%[[V]]) <{begin = array<i64: 0, 10, 0>, end = array<i64: 1, 11, 2>, strides = array<i64: 1, 1, 1>}>
// CHECK-NEXT: %[[B:.*]] = "tqi.slice"(%[[V]]) <{begin = array<i64: 0, 0, 0>, end = array<i64: 1, 2, 2>, strides = array<i64: 1, 1, 1>}>
// CHECK-NEXT: %[[C:.*]] = "tqi.slice"(%[[V]]) <{begin = array<i64: 0, 8, 0>, end = array<i64: 1, 9, 2>, strides = array<i64: 1, 1, 1>}>
// CHECK-NEXT: %[[D:.*]] = "tqi.concat"(%[[A]], %[[B]], %[[C]]) <{axis = 1 : i64}> {{.*}}-> tensor<1x4x2xi8>
// CHECK-NOT:  tqi.reshape
// CHECK:      func.return %[[D]]
