// RUN: xdsl-opt %s --split-input-file --verify-diagnostics | filecheck %s
// The tqi ops verify their own invariants (the backends rely on them instead of re-checking).

builtin.module {
  func.func @main(%x: tensor<1x4xi32>) -> tensor<1x4xi32> {
    %y = "tqi.shift_left"(%x) <{amount = array<i64: 32>}> : (tensor<1x4xi32>) -> tensor<1x4xi32>
    func.return %y : tensor<1x4xi32>
  }
}
// CHECK: tqi.shift_left: amount 32 outside [0, 31]

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi32>) -> tensor<1x4xi32> {
    %y = "tqi.shift_right_round"(%x) <{amount = array<i64: 1, -1, 2, 3>}> : (tensor<1x4xi32>) -> tensor<1x4xi32>
    func.return %y : tensor<1x4xi32>
  }
}
// CHECK: tqi.shift_right_round: amount -1 outside [0, 31]

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi32>) -> tensor<1x4xi32> {
    %y = "tqi.mul_high"(%x) <{multiplier = array<i64: 2147483648>}> : (tensor<1x4xi32>) -> tensor<1x4xi32>
    func.return %y : tensor<1x4xi32>
  }
}
// CHECK: tqi.mul_high: multiplier 2147483648 outside [-2147483648, 2147483647]

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi32>) -> tensor<1x4xi32> {
    %y = "tqi.mul_high"(%x) <{multiplier = array<i64: 1, 2, 3>}> : (tensor<1x4xi32>) -> tensor<1x4xi32>
    func.return %y : tensor<1x4xi32>
  }
}
// CHECK: tqi.mul_high: 3 values of multiplier for 4 channels

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi32>) -> tensor<1x4xi32> {
    %y = "tqi.mul_shift_round"(%x) <{multiplier = array<i64: 1073741824>, shift = array<i64: 31>}> : (tensor<1x4xi32>) -> tensor<1x4xi32>
    func.return %y : tensor<1x4xi32>
  }
}
// CHECK: tqi.mul_shift_round: shift 31 outside [-31, 30]

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi32>) -> tensor<1x4xi32> {
    %y = "tqi.mul_shift_round64"(%x) <{multiplier = array<i64: 16384>, amount = array<i64: 20>}> : (tensor<1x4xi32>) -> tensor<1x4xi32>
    func.return %y : tensor<1x4xi32>
  }
}
// CHECK: tqi.mul_shift_round64: maps i64 to i32, not i32 to i32

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi64>) -> tensor<1x4xi32> {
    %y = "tqi.mul_shift_round64"(%x) <{multiplier = array<i64: 16384>, amount = array<i64: 0>}> : (tensor<1x4xi64>) -> tensor<1x4xi32>
    func.return %y : tensor<1x4xi32>
  }
}
// CHECK: tqi.mul_shift_round64: amount 0 outside [1, 62]

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi32>) -> tensor<1x2xi32> {
    %y = "tqi.add_const"(%x) <{value = array<i64: 5>}> : (tensor<1x4xi32>) -> tensor<1x2xi32>
    func.return %y : tensor<1x2xi32>
  }
}
// CHECK: tqi.add_const: result shape (1, 2) differs from input shape (1, 4)

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi32>) -> tensor<1x4xi32> {
    %y = "tqi.clamp"(%x) <{min = 10 : i64, max = -10 : i64}> : (tensor<1x4xi32>) -> tensor<1x4xi32>
    func.return %y : tensor<1x4xi32>
  }
}
// CHECK: tqi.clamp: min 10 > max -10

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi8>) -> tensor<1x4xi8> {
    %y = "tqi.clamp"(%x) <{min = -200 : i64, max = 100 : i64}> : (tensor<1x4xi8>) -> tensor<1x4xi8>
    func.return %y : tensor<1x4xi8>
  }
}
// CHECK: tqi.clamp: [-200, 100] outside the i8 range

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi8>) -> tensor<1x4xi8> {
    %y = "tqi.table"(%x) <{table = dense<0> : tensor<255xi8>}> : (tensor<1x4xi8>) -> tensor<1x4xi8>
    func.return %y : tensor<1x4xi8>
  }
}
// CHECK: tqi.table: 255 entries for i8 input

// -----

builtin.module {
  func.func @main(%x: tensor<1x2x3x4xi8>) -> tensor<1x4x3x2xi8> {
    %y = "tqi.transpose"(%x) <{perm = array<i64: 0, 3, 3, 1>}> : (tensor<1x2x3x4xi8>) -> tensor<1x4x3x2xi8>
    func.return %y : tensor<1x4x3x2xi8>
  }
}
// CHECK: tqi.transpose: [0, 3, 3, 1] is not a permutation of the axes

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi8>) -> tensor<1x6xi8> {
    %y = "tqi.pad"(%x) <{paddings = array<i64: 0, 0, 1>, pad_value = 0 : i64}> : (tensor<1x4xi8>) -> tensor<1x6xi8>
    func.return %y : tensor<1x6xi8>
  }
}
// CHECK: tqi.pad: paddings [0, 0, 1] are not two non-negative values per axis

// -----

builtin.module {
  func.func @main(%x: tensor<1x4x4x1xi8>) -> tensor<1x2x2x1xi8> {
    %y = "tqi.max_pool"(%x) <{filter_size = array<i64: 2, 2>, stride = array<i64: 0, 2>, pad = array<i64: 0, 0, 0, 0>}> : (tensor<1x4x4x1xi8>) -> tensor<1x2x2x1xi8>
    func.return %y : tensor<1x2x2x1xi8>
  }
}
// CHECK: tqi.max_pool: stride 0 outside [1, 2147483647]

// -----

builtin.module {
  func.func @main(%x: tensor<1x4xi32>) -> tensor<1x4xi32> {
    %y = "tqi.add_const"(%x) <{value = array<i64: 2147483648>}> : (tensor<1x4xi32>) -> tensor<1x4xi32>
    func.return %y : tensor<1x4xi32>
  }
}
// CHECK: tqi.add_const: value 2147483648 outside [-2147483648, 2147483647]

// -----

builtin.module {
  func.func @main(%x: tensor<1x12x2xi8>, %t: tensor<5x2xi64>) -> tensor<1x5x2xi8> {
    %y = "tqi.gather"(%x, %t) <{dims = array<i64: 4, 3>, check = "flat"}> : (tensor<1x12x2xi8>, tensor<5x2xi64>) -> tensor<1x5x2xi8>
    func.return %y : tensor<1x5x2xi8>
  }
}
// CHECK: tqi.gather: i64 indices with check flat

// -----

builtin.module {
  func.func @main(%x: tensor<1x12x2xi8>, %t: tensor<5x2xi32>) -> tensor<1x5x2xi8> {
    %y = "tqi.gather"(%x, %t) <{dims = array<i64: 4, 4>, check = "each"}> : (tensor<1x12x2xi8>, tensor<5x2xi32>) -> tensor<1x5x2xi8>
    func.return %y : tensor<1x5x2xi8>
  }
}
// CHECK: tqi.gather: data [1, 12, 2], indices [5, 2] and dims [4, 4] cannot give [1, 5, 2]
