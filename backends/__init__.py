"""Code generators: numpy, c, verilog."""
