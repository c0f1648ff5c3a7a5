"""tqc: quantized TFLite models to exact integer-only NumPy, C and Verilog."""
