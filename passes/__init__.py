"""Graph and lowering passes, one per file."""
