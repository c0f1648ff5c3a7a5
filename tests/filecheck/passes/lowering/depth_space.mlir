// RUN: tqc opt %s -p lower-requantize | filecheck %s
// DEPTH_TO_SPACE / SPACE_TO_DEPTH lower to existing tqi ops: reshape to 6-D, swap the middle
// axes (block rows ↔ image columns), reshape back. Stored integers are copied unchanged.

builtin.module {
  func.func @main(%x: tensor<1x3x5x8x!tq.q<i8, 0.05:-7>>) -> tensor<1x3x5x8x!tq.q<i8, 0.05:-7>> {
    %y = "tq.depth_to_space"(%x) <{block_size = 2 : i64}> : (tensor<1x3x5x8x!tq.q<i8, 0.05:-7>>) -> tensor<1x6x10x2x!tq.q<i8, 0.05:-7>>
    %z = "tq.space_to_depth"(%y) <{block_size = 2 : i64}> : (tensor<1x6x10x2x!tq.q<i8, 0.05:-7>>) -> tensor<1x3x5x8x!tq.q<i8, 0.05:-7>>
    func.return %z : tensor<1x3x5x8x!tq.q<i8, 0.05:-7>>
  }
}

// [1,3,5,8] = [1,H,W,(i·2 + j)·2 + c] → [1,H,W,i,j,c] → [1,H,i,W,j,c] → [1,2H,2W,c]
// CHECK:      %[[A:.*]] = "tqi.reshape"(%x) {{.*}}: (tensor<1x3x5x8xi8>) -> tensor<1x3x5x2x2x2xi8>
// CHECK-NEXT: %[[B:.*]] = "tqi.transpose"(%[[A]]) <{perm = array<i64: 0, 1, 3, 2, 4, 5>}> : (tensor<1x3x5x2x2x2xi8>) -> tensor<1x3x2x5x2x2xi8>
// CHECK-NEXT: %y = "tqi.reshape"(%[[B]]) : (tensor<1x3x2x5x2x2xi8>) -> tensor<1x6x10x2xi8>
// [1,6,10,2] = [1,H·2 + i,W·2 + j,c] → [1,H,i,W,j,c] → [1,H,W,i,j,c] → [1,H,W,8]
// CHECK-NEXT: %[[C:.*]] = "tqi.reshape"(%y) {{.*}}: (tensor<1x6x10x2xi8>) -> tensor<1x3x2x5x2x2xi8>
// CHECK-NEXT: %[[D:.*]] = "tqi.transpose"(%[[C]]) <{perm = array<i64: 0, 1, 3, 2, 4, 5>}> : (tensor<1x3x2x5x2x2xi8>) -> tensor<1x3x5x2x2x2xi8>
// CHECK-NEXT: %z = "tqi.reshape"(%[[D]]) : (tensor<1x3x5x2x2x2xi8>) -> tensor<1x3x5x8xi8>
