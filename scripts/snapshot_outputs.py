"""Emit every target for every model we have (fixtures, regressions, lit inputs, shared models)
into one folder, so that a refactoring can be checked byte for byte:

    python scripts/snapshot_outputs.py /tmp/before
    ... change ...
    python scripts/snapshot_outputs.py /tmp/after && diff -r /tmp/before /tmp/after

Models a target refuses get a REFUSED file with the message, so a change in what is accepted
shows up in the diff too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqc import pipeline
from tqc.errors import TqcError
from tqc.targets import TargetOptions, get_target

ROOT = Path(__file__).resolve().parent.parent


def models() -> list[Path]:
    found = sorted((ROOT / "tests" / "fixtures").glob("*.tflite"))
    found += sorted((ROOT / "tests" / "regressions").glob("*.tqm"))
    found += sorted(p for p in (ROOT / "tests" / "filecheck").rglob("*.tqm") if "Output" not in p.parts)
    found += sorted((ROOT.parent / "shared" / "models").glob("*.tflite"))
    return found


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--targets", default="numpy,c,verilog")
    args = ap.parse_args()
    for path in models():
        for target in args.targets.split(","):
            folder = args.out / path.parent.name / path.stem / target
            folder.mkdir(parents=True, exist_ok=True)
            try:
                module = pipeline.lower(path)
                art = get_target(target).emit(module, pipeline.identifier(path.stem), TargetOptions())
            except TqcError as e:
                (folder / "REFUSED").write_text(str(e) + "\n")
                continue
            for rel, content in art.files.items():
                dest = folder / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, str):
                    dest.write_text(content)
                else:
                    dest.write_bytes(content)
            (folder / "REPORT").write_text("\n".join(art.report) + "\n")
        try:
            lowered = str(pipeline.lower(path))
        except TqcError as e:
            lowered = f"REFUSED: {e}"
        (args.out / path.parent.name / path.stem / "lowered.mlir").write_text(lowered + "\n")
        print(path.name, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
