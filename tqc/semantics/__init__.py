"""The arithmetic that defines TFLite's integer semantics, below every stage.

Fixed-point primitives (`fixedpoint`, `gemmlowp`, `int64`, `round_double`), the float edges
(`quantize`), the reference kernels whose arithmetic is more than one primitive (`softmax`,
`resize`) and the compile-time table builders (`tables`, `gemmlowp_activations`). Passes compute
multipliers and tables with them; every backend reuses them (the NumPy backend copies the
run-time modules into each generated module, so they import only NumPy and each other).

Nothing here imports from `tqc.dialects`, `tqc.passes` or `tqc.backends`.
"""

# The modules a generated NumPy module carries (tqc.backends.numpy.printer.runtime_source).
RUNTIME_MODULES = ("fixedpoint", "gemmlowp", "int64", "quantize", "resize", "round_double", "softmax")
