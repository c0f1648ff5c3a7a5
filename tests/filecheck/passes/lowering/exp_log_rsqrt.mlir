// RUN: tqc opt %s -p lower-requantize | filecheck %s
// EXP, LOG and RSQRT → tqi.table: LiteRT's float32 LUT on every input value (256 entries for int8,
// 65536 for int16: the 513-entry interpolated LUT read at each value).

builtin.module {
  func.func @main(%x: tensor<4x!tq.q<i8, 0.05:-3>>, %w: tensor<4x!tq.q<i16, 0.0003:0>>, %s: tensor<4x!tq.q<i8, 0.002:-128>>) -> (tensor<4x!tq.q<i8, 0.5:-128>>, tensor<4x!tq.q<i16, 0.0001:0>>, tensor<4x!tq.q<i8, 0.05:-128>>) {
    %y = "tq.exp"(%x) : (tensor<4x!tq.q<i8, 0.05:-3>>) -> tensor<4x!tq.q<i8, 0.5:-128>>
    %v = "tq.log"(%w) : (tensor<4x!tq.q<i16, 0.0003:0>>) -> tensor<4x!tq.q<i16, 0.0001:0>>
    %r = "tq.rsqrt"(%s) : (tensor<4x!tq.q<i8, 0.002:-128>>) -> tensor<4x!tq.q<i8, 0.05:-128>>
    func.return %y, %v, %r : tensor<4x!tq.q<i8, 0.5:-128>>, tensor<4x!tq.q<i16, 0.0001:0>>, tensor<4x!tq.q<i8, 0.05:-128>>
  }
}

// exp(0.05·(−128+3)) / 0.5 rounds to 0 → −128 (0x80) first; exp(6.5) / 0.5 saturates at 127 last.
// CHECK: %y = "tqi.table"(%x) <{table = dense<"0x8080{{[0-9A-F]*}}7F7F"> : tensor<256xi8>}> {{.*}}: (tensor<4xi8>) -> tensor<4xi8>
// log of x <= 0 is the output minimum −32768 (0x0080 little-endian); log(0.0003·32767) / 0.0001 = 22855 (0x5947) last.
// CHECK: %v = "tqi.table"(%w) <{table = dense<"0x00800080{{[0-9A-F]*}}4759"> : tensor<65536xi16>}> {{.*}}: (tensor<4xi16>) -> tensor<4xi16>
// RSQRT of v = 0 is 127 (0x7F); v = 255: 1/sqrt(0.002·255) / 0.05 − 128 = −100 (0x9C) last.
// CHECK: %r = "tqi.table"(%s) <{table = dense<"0x7F{{[0-9A-F]*}}9C"> : tensor<256xi8>}> {{.*}}: (tensor<4xi8>) -> tensor<4xi8>
