"""List the single-op models (tests/op_models.py x int8, uint8, int16) that the NumPy backend
compiles and the Verilog backend refuses (emit only, no reference run).

    .venv/bin/python scripts/verilog_gaps.py [--ops BATCH_MATMUL,ABS] [--kinds int8]

Prints one line per gap (`OP kind: message`) and a count; reuses scripts/op_type_table.py's
model builders and compile step.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

from op_models import BUILDERS, KINDS, NotApplicable, build
from op_type_table import YES, compile_with

from tqc.tflite_writer import write_model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ops", help="comma-separated opcodes (default: every builder)")
    ap.add_argument("--kinds", default=",".join(KINDS))
    args = ap.parse_args()
    ops = args.ops.split(",") if args.ops else sorted(BUILDERS)
    gaps: list[str] = []
    both = 0
    with tempfile.TemporaryDirectory(prefix="tqc_vgaps_") as d:
        for op in ops:
            for kind in args.kinds.split(","):
                model = build(op, kind)
                if isinstance(model, NotApplicable):
                    continue
                path = Path(d) / f"{op.lower()}_{kind}.tflite"
                write_model(path, model.tensors, model.ops, model.inputs, model.outputs)
                numpy, _ = compile_with(path, "numpy")
                if numpy != YES:
                    continue
                verilog, note = compile_with(path, "verilog")
                if verilog == YES:
                    both += 1
                    continue
                gaps.append(f"{op} {kind}: {verilog}: {note}")
                print(gaps[-1], flush=True)
    print(f"{both} models compile to NumPy and Verilog; {len(gaps)} compile to NumPy and not Verilog")


if __name__ == "__main__":
    main()
