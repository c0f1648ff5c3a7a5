// RUN: tqc opt %s -p lower-requantize | filecheck %s
// L2_NORMALIZATION → tqi.l2_norm carrying the input zero point; the output encoding (scale
// 1/128, zero point 0 for int8 and 128 for uint8) selects the kernel and is implied.

builtin.module {
  func.func @main(%x: tensor<3x7x!tq.q<i8, 0.2:-3>>, %u: tensor<5x!tq.q<ui8, 0.01:140>>) -> (tensor<3x7x!tq.q<i8, 0.0078125:0>>, tensor<5x!tq.q<ui8, 0.0078125:128>>) {
    %y = "tq.l2_normalization"(%x) : (tensor<3x7x!tq.q<i8, 0.2:-3>>) -> tensor<3x7x!tq.q<i8, 0.0078125:0>>
    %v = "tq.l2_normalization"(%u) : (tensor<5x!tq.q<ui8, 0.01:140>>) -> tensor<5x!tq.q<ui8, 0.0078125:128>>
    func.return %y, %v : tensor<3x7x!tq.q<i8, 0.0078125:0>>, tensor<5x!tq.q<ui8, 0.0078125:128>>
  }
}

// CHECK: %y = "tqi.l2_norm"(%x) <{input_zero_point = -3 : i64}> {{.*}}: (tensor<3x7xi8>) -> tensor<3x7xi8>
// CHECK: %v = "tqi.l2_norm"(%u) <{input_zero_point = 140 : i64}> {{.*}}: (tensor<5xui8>) -> tensor<5xui8>
