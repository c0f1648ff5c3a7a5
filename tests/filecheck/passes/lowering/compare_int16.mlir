// RUN: tqc opt %s -p lower-requantize | filecheck %s
// int16 comparisons (LiteRT REF): LESS compares the stored values raw (no zero point, no
// scale: k = b − a − 1); EQUAL rescales both inputs as int8 does ((x − zp) · 2^8, then
// MultiplyByQuantizedMultiplierSmallerThanOneExp) and k = min(c1 − c2, c2 − c1).

builtin.module {
  func.func @main(%a: tensor<1x3x!tq.q<i16, 0.002:-5>>, %b: tensor<1x3x!tq.q<i16, 0.003:9>>) -> (tensor<1x3xi1>, tensor<1x3xi1>) {
    %k = "tq.less"(%a, %b) : (tensor<1x3x!tq.q<i16, 0.002:-5>>, tensor<1x3x!tq.q<i16, 0.003:9>>) -> tensor<1x3xi1>
    %e = "tq.equal"(%a, %b) : (tensor<1x3x!tq.q<i16, 0.002:-5>>, tensor<1x3x!tq.q<i16, 0.003:9>>) -> tensor<1x3xi1>
    func.return %k, %e : tensor<1x3xi1>, tensor<1x3xi1>
  }
}

// CHECK:      %[[A:.*]] = "tqi.cast"(%a) {tqc.layer = "LESS -> k"} : (tensor<1x3xi16>) -> tensor<1x3xi32>
// CHECK-NEXT: %[[B:.*]] = "tqi.cast"(%b) : (tensor<1x3xi16>) -> tensor<1x3xi32>
// CHECK-NEXT: %[[D:.*]] = "tqi.sub"(%[[B]], %[[A]])
// CHECK-NEXT: %[[K:.*]] = "tqi.add_const"(%[[D]]) <{value = array<i64: -1>}>
// CHECK-NEXT: %k = "tqi.nonneg"(%[[K]]) : (tensor<1x3xi32>) -> tensor<1x3xi1>
// CHECK-NEXT: "tqi.cast"(%a) {tqc.layer = "EQUAL -> e"}
// CHECK-NEXT: "tqi.add_const"({{.*}}) <{value = array<i64: 5>}>
// CHECK-NEXT: "tqi.shift_left"({{.*}}) <{amount = array<i64: 8>}>
// CHECK-NEXT: "tqi.mul_high"({{.*}}) <{multiplier = array<i64: 1099511628>}>
// CHECK-NEXT: %[[C1:.*]] = "tqi.shift_right_round"({{.*}}) <{amount = array<i64: 8>}>
// CHECK-NEXT: "tqi.cast"(%b)
// CHECK-NEXT: "tqi.add_const"({{.*}}) <{value = array<i64: -9>}>
// CHECK-NEXT: "tqi.shift_left"({{.*}}) <{amount = array<i64: 8>}>
// CHECK-NEXT: "tqi.mul_high"({{.*}}) <{multiplier = array<i64: 1649267442>}>
// CHECK-NEXT: %[[C2:.*]] = "tqi.shift_right_round"({{.*}}) <{amount = array<i64: 8>}>
// CHECK-NEXT: %[[D1:.*]] = "tqi.sub"(%[[C1]], %[[C2]])
// CHECK-NEXT: %[[D2:.*]] = "tqi.sub"(%[[C2]], %[[C1]])
// CHECK-NEXT: %[[M:.*]] = "tqi.min"(%[[D1]], %[[D2]])
// CHECK-NEXT: %e = "tqi.nonneg"(%[[M]])
