// RUN: tqc opt %s -p lower-requantize | filecheck %s
// LOGICAL_AND / LOGICAL_OR / LOGICAL_NOT on bool (i1, 0/1) tensors: min, max, and
// nonneg(0 − a).

builtin.module {
  func.func @main(%a: tensor<1x3xi1>, %b: tensor<1x1xi1>) -> (tensor<1x3xi1>, tensor<1x3xi1>, tensor<1x3xi1>) {
    %x = "tq.logical_and"(%a, %b) : (tensor<1x3xi1>, tensor<1x1xi1>) -> tensor<1x3xi1>
    %y = "tq.logical_or"(%a, %b) : (tensor<1x3xi1>, tensor<1x1xi1>) -> tensor<1x3xi1>
    %z = "tq.logical_not"(%a) : (tensor<1x3xi1>) -> tensor<1x3xi1>
    func.return %x, %y, %z : tensor<1x3xi1>, tensor<1x3xi1>, tensor<1x3xi1>
  }
}

// CHECK:      %x = "tqi.min"(%a, %b) {{.*}}: (tensor<1x3xi1>, tensor<1x1xi1>) -> tensor<1x3xi1>
// CHECK-NEXT: %y = "tqi.max"(%a, %b) {{.*}}: (tensor<1x3xi1>, tensor<1x1xi1>) -> tensor<1x3xi1>
// CHECK-NEXT: %[[W:.*]] = "tqi.cast"(%a) {{.*}}-> tensor<1x3xi32>
// CHECK-NEXT: %[[Z:.*]] = "tqi.const"() <{value = dense<0> : tensor<1x1xi32>}>
// CHECK-NEXT: %[[N:.*]] = "tqi.sub"(%[[Z]], %[[W]])
// CHECK-NEXT: %z = "tqi.nonneg"(%[[N]]) : (tensor<1x3xi32>) -> tensor<1x3xi1>
