"""MLIR dialects of tqc: `tq` (quantized TFLite ops) and `tqi` (integer ops)."""
