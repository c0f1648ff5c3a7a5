// RUN: tqc opt %s -p lower-requantize | filecheck %s
// DIV (int8) → the 65536-entry table of TFLM's quotient of every int8 pair, indexed by
// 256·x1 + x2 + 128 as int16 (= (x1 + 128)·256 + (x2 + 128) − 32768); x2 broadcasts.

builtin.module {
  func.func @main(%a: tensor<2x3x!tq.q<i8, 0.05:-3>>, %b: tensor<3x!tq.q<i8, 0.035:7>>) -> tensor<2x3x!tq.q<i8, 0.0625:5>> {
    %y = "tq.div"(%a, %b) <{activation = "NONE"}> : (tensor<2x3x!tq.q<i8, 0.05:-3>>, tensor<3x!tq.q<i8, 0.035:7>>) -> tensor<2x3x!tq.q<i8, 0.0625:5>>
    func.return %y : tensor<2x3x!tq.q<i8, 0.0625:5>>
  }
}

// CHECK:      %[[A:.*]] = "tqi.cast"(%a) {{.*}}: (tensor<2x3xi8>) -> tensor<2x3xi32>
// CHECK-NEXT: %[[H:.*]] = "tqi.shift_left"(%[[A]]) <{amount = array<i64: 8>}> : (tensor<2x3xi32>) -> tensor<2x3xi32>
// CHECK-NEXT: %[[B:.*]] = "tqi.cast"(%b) : (tensor<3xi8>) -> tensor<3xi32>
// CHECK-NEXT: %[[S:.*]] = "tqi.add"(%[[H]], %[[B]]) : (tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi32>
// CHECK-NEXT: %[[I:.*]] = "tqi.add_const"(%[[S]]) <{value = array<i64: 128>}> : (tensor<2x3xi32>) -> tensor<2x3xi32>
// CHECK-NEXT: %[[J:.*]] = "tqi.cast"(%[[I]]) : (tensor<2x3xi32>) -> tensor<2x3xi16>
// CHECK-NEXT: %y = "tqi.table"(%[[J]]) <{table = dense<{{.*}}> : tensor<65536xi8>}> : (tensor<2x3xi16>) -> tensor<2x3xi8>
