// RUN: xdsl-opt %s -p fuse-activation,lower-requantize | filecheck %s
// The stock xdsl-opt finds the tq/tqi dialects and tqc's passes through the xdsl.universe entry point.

builtin.module {
  func.func @main(%a: tensor<1x3x!tq.q<ui8, 0.5:128>>, %b: tensor<1x3x!tq.q<ui8, 0.25:100>>) -> tensor<1x3x!tq.q<ui8, 0.75:0>> {
    %y = "tq.add"(%a, %b) <{activation = "RELU"}> : (tensor<1x3x!tq.q<ui8, 0.5:128>>, tensor<1x3x!tq.q<ui8, 0.25:100>>) -> tensor<1x3x!tq.q<ui8, 0.75:0>>
    func.return %y : tensor<1x3x!tq.q<ui8, 0.75:0>>
  }
}

// ADD: both inputs widened, offset by −zp, shifted left by 20, scaled by S_i / (2·max S);
// the sum scaled by 2·max S / (2^20 · S_out).
// CHECK:      func.func @main(%a: tensor<1x3xui8>, %b: tensor<1x3xui8>) -> tensor<1x3xui8>
// CHECK:      "tqi.cast"(%a) {tqc.layer = "ADD -> y"} : (tensor<1x3xui8>) -> tensor<1x3xi32>
// CHECK-NEXT: "tqi.add_const"(%{{.*}}) <{value = array<i64: -128>}>
// CHECK-NEXT: "tqi.shift_left"(%{{.*}}) <{amount = array<i64: 20>}>
// CHECK-NEXT: "tqi.mul_high"(%{{.*}}) <{multiplier = array<i64: 1073741824>}>
// CHECK:      "tqi.cast"(%b)
// CHECK-NEXT: "tqi.add_const"(%{{.*}}) <{value = array<i64: -100>}>
// CHECK-NEXT: "tqi.shift_left"(%{{.*}}) <{amount = array<i64: 20>}>
// CHECK-NEXT: "tqi.mul_high"(%{{.*}}) <{multiplier = array<i64: 1073741824>}>
// CHECK-NEXT: "tqi.shift_right_round"(%{{.*}}) <{amount = array<i64: 1>}>
// CHECK-NEXT: "tqi.add"
// CHECK-NEXT: "tqi.mul_high"(%{{.*}}) <{multiplier = array<i64: 1431655765>}>
// CHECK-NEXT: "tqi.shift_right_round"(%{{.*}}) <{amount = array<i64: 19>}>
// CHECK-NEXT: "tqi.clamp"(%{{.*}}) <{min = 0 : i64, max = 255 : i64}>
// CHECK-NEXT: %y = "tqi.cast"(%{{.*}}) : (tensor<1x3xi32>) -> tensor<1x3xui8>
