// RUN: tqc opt %s -p lower-requantize | filecheck %s
// SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND alone (not a dilated conv) lower to existing tqi ops:
// pad with the zero point, reshape to 6-D, move the block axes in front of the batch, reshape
// (and back, then slice off the crops). Stored integers are copied unchanged.

builtin.module {
  func.func @main(%x: tensor<1x3x4x2x!tq.q<ui8, 0.05:200>>) -> tensor<1x3x4x2x!tq.q<ui8, 0.05:200>> {
    %s = "tq.space_to_batch_nd"(%x) <{block_shape = array<i64: 2, 3>, paddings = array<i64: 1, 0, 0, 2>}> : (tensor<1x3x4x2x!tq.q<ui8, 0.05:200>>) -> tensor<6x2x2x2x!tq.q<ui8, 0.05:200>>
    %y = "tq.batch_to_space_nd"(%s) <{block_shape = array<i64: 2, 3>, crops = array<i64: 1, 0, 0, 2>}> : (tensor<6x2x2x2x!tq.q<ui8, 0.05:200>>) -> tensor<1x3x4x2x!tq.q<ui8, 0.05:200>>
    func.return %y : tensor<1x3x4x2x!tq.q<ui8, 0.05:200>>
  }
}

// [1,3,4,2] padded (top 1, right 2) → [1,4,6,2] = [n, h·2 + i, w·3 + j, c] → [n,h,i,w,j,c] → [i,j,n,h,w,c]
// CHECK:      %[[P:.*]] = "tqi.pad"(%x) <{paddings = array<i64: 0, 0, 1, 0, 0, 2, 0, 0>, pad_value = 200 : i64}> {{.*}}: (tensor<1x3x4x2xui8>) -> tensor<1x4x6x2xui8>
// CHECK-NEXT: %[[A:.*]] = "tqi.reshape"(%[[P]]) : (tensor<1x4x6x2xui8>) -> tensor<1x2x2x2x3x2xui8>
// CHECK-NEXT: %[[B:.*]] = "tqi.transpose"(%[[A]]) <{perm = array<i64: 2, 4, 0, 1, 3, 5>}> : (tensor<1x2x2x2x3x2xui8>) -> tensor<2x3x1x2x2x2xui8>
// CHECK-NEXT: %s = "tqi.reshape"(%[[B]]) : (tensor<2x3x1x2x2x2xui8>) -> tensor<6x2x2x2xui8>
// [6,2,2,2] = [(i·3 + j)·1 + n, h, w, c] → [i,j,n,h,w,c] → [n,h,i,w,j,c] → [1,4,6,2] → crop
// CHECK-NEXT: %[[C:.*]] = "tqi.reshape"(%s) {{.*}}: (tensor<6x2x2x2xui8>) -> tensor<2x3x1x2x2x2xui8>
// CHECK-NEXT: %[[D:.*]] = "tqi.transpose"(%[[C]]) <{perm = array<i64: 2, 3, 0, 4, 1, 5>}> : (tensor<2x3x1x2x2x2xui8>) -> tensor<1x2x2x2x3x2xui8>
// CHECK-NEXT: %[[E:.*]] = "tqi.reshape"(%[[D]]) : (tensor<1x2x2x2x3x2xui8>) -> tensor<1x4x6x2xui8>
// CHECK-NEXT: %y = "tqi.slice"(%[[E]]) <{begin = array<i64: 0, 1, 0, 0>, end = array<i64: 1, 4, 4, 2>, strides = array<i64: 1, 1, 1, 1>}> : (tensor<1x4x6x2xui8>) -> tensor<1x3x4x2xui8>
