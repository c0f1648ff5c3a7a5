// RUN: tqc opt %s -p lower-requantize | filecheck %s
// RUN: tqc opt %s -p "lower-requantize{reference=litert-ref}" | filecheck %s --check-prefix=LITERT
// int8 SPACE_TO_BATCH_ND with output zero point -3: TFLM never sets the kernel's output_offset
// and pads with 0 (measured on the wheel); LiteRT REF pads with the zero point. int16 (LiteRT
// REF, zero points 0) pads with 0.

builtin.module {
  func.func @main(%x: tensor<1x3x4x1x!tq.q<i8, 0.05:-3>>, %w: tensor<1x3x4x1x!tq.q<i16, 0.05:0>>) -> (tensor<4x2x2x1x!tq.q<i8, 0.05:-3>>, tensor<4x2x2x1x!tq.q<i16, 0.05:0>>) {
    %s = "tq.space_to_batch_nd"(%x) <{block_shape = array<i64: 2, 2>, paddings = array<i64: 1, 0, 0, 0>}> : (tensor<1x3x4x1x!tq.q<i8, 0.05:-3>>) -> tensor<4x2x2x1x!tq.q<i8, 0.05:-3>>
    %t = "tq.space_to_batch_nd"(%w) <{block_shape = array<i64: 2, 2>, paddings = array<i64: 1, 0, 0, 0>}> : (tensor<1x3x4x1x!tq.q<i16, 0.05:0>>) -> tensor<4x2x2x1x!tq.q<i16, 0.05:0>>
    func.return %s, %t : tensor<4x2x2x1x!tq.q<i8, 0.05:-3>>, tensor<4x2x2x1x!tq.q<i16, 0.05:0>>
  }
}

// CHECK:      "tqi.pad"(%x) <{paddings = array<i64: 0, 0, 1, 0, 0, 0, 0, 0>, pad_value = 0 : i64}> {tqc.layer = "SPACE_TO_BATCH_ND -> s | padding value 0 (TFLM's uninitialised output_offset
// CHECK:      "tqi.pad"(%w) <{paddings = array<i64: 0, 0, 1, 0, 0, 0, 0, 0>, pad_value = 0 : i64}> {{.*}}-> tensor<1x4x4x1xi16>
// LITERT:     "tqi.pad"(%x) <{paddings = array<i64: 0, 0, 1, 0, 0, 0, 0, 0>, pad_value = -3 : i64}>
