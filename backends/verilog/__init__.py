"""Verilog backend: prepare (read-only analysis) → emitter (one handler per tqi op) → files."""
