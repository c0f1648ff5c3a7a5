// RUN: tqc opt %s -p lower-requantize | filecheck %s
// An input scale above 1 (uint8 a, S = 1.5, zp 130): LiteRT REF's RoundingDivideByPOT by a
// negative exponent gives 2·[x >= zp] − 1 (tqc/semantics/compare_scale.py), computed as
// clamp(2·x + 1 − 2·zp, −1, 1); the other input (S < 1) is rescaled as usual.

builtin.module {
  func.func @main(%a: tensor<1x3x!tq.q<ui8, 1.5:130>>, %b: tensor<1x3x!tq.q<ui8, 0.03:127>>) -> tensor<1x3xi1> {
    %k = "tq.less_equal"(%a, %b) : (tensor<1x3x!tq.q<ui8, 1.5:130>>, tensor<1x3x!tq.q<ui8, 0.03:127>>) -> tensor<1x3xi1>
    func.return %k : tensor<1x3xi1>
  }
}

// CHECK:      "tqi.cast"(%a) {{.*}}-> tensor<1x3xi32>
// CHECK-NEXT: "tqi.shift_left"({{.*}}) <{amount = array<i64: 1>}>
// CHECK-NEXT: "tqi.add_const"({{.*}}) <{value = array<i64: -259>}>
// CHECK-NEXT: %[[C1:.*]] = "tqi.clamp"({{.*}}) <{min = -1 : i64, max = 1 : i64}>
// CHECK:      "tqi.cast"(%b) {{.*}}-> tensor<1x3xi32>
// CHECK-NEXT: "tqi.add_const"({{.*}}) <{value = array<i64: -127>}>
// CHECK-NEXT: "tqi.shift_left"({{.*}}) <{amount = array<i64: 8>}>
// CHECK-NEXT: "tqi.mul_high"({{.*}}) <{multiplier = array<i64: 2061584302>}>
// CHECK-NEXT: %[[C2:.*]] = "tqi.shift_right_round"({{.*}}) <{amount = array<i64: 5>}>
// CHECK-NEXT: %[[D:.*]] = "tqi.sub"(%[[C2]], %[[C1]])
// CHECK-NEXT: %k = "tqi.nonneg"(%[[D]]) {{.*}}: (tensor<1x3xi32>) -> tensor<1x3xi1>
