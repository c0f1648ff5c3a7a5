"""Every model the Verilog backend compiles: `verilator --lint-only -Wall` clean and yosys
`check -assert` clean (docs/robustness.md). One line per model: refused (the one-line reason),
or the lint and check results; exit 1 if any compiled design is not clean.

    python scripts/check_verilog_all.py [MODEL.tflite ...]   (default: fixtures + shared models)

yosys runs a structural script (read, `hierarchy -check`, `proc`, `opt_clean`, `check -assert`,
no latches), not the full `synth` of NAME.ys, which takes minutes per large design; the full
synthesis scripts are exercised by tests/test_verilog_backend.py on small designs. Tools run one
at a time.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from tqc.backends.verilog import sim, synth
from tqc.backends.verilog.target import build_design
from tqc.errors import TqcError
from tqc.pipeline import lower
from tqc.targets import TargetOptions

ROOT = Path(__file__).parent.parent
LATCHES = "t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_* t:$_DLATCHSR_*"


def structural_script(top: str, sources: list[str]) -> str:
    return "\n".join([f"read_verilog -defer -I. {' '.join(sources)}",
                      f"hierarchy -check -top {top}", "proc", "opt_clean", "check -assert",
                      f"select -assert-none {LATCHES}", ""])


def check(model: Path) -> tuple[str, bool]:
    start = time.monotonic()
    try:
        design = build_design(lower(model), "dut", TargetOptions(), vectors=False)
    except TqcError as e:
        return f"refused: {e}", True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sim.write_files(folder, design.files)
        try:
            lint = sim.lint(folder, design.sources, "dut")
            lint_ok = "%Warning" not in lint and "%Error" not in lint
        except TqcError as e:
            lint, lint_ok = str(e), False
        (folder / "structural.ys").write_text(structural_script("dut", design.sources))
        try:
            log = synth.run_yosys(folder, "structural.ys")
            yosys_ok = "Found and reported 0 problems" in log
        except TqcError as e:
            log, yosys_ok = str(e), False
    result = (f"verilator lint {'clean' if lint_ok else 'NOT clean'}, yosys check -assert "
              f"{'clean' if yosys_ok else 'NOT clean'} ({time.monotonic() - start:.0f} s)")
    if not lint_ok:
        result += "\n    " + "\n    ".join(lint.splitlines()[:8])
    if not yosys_ok:
        result += "\n    " + "\n    ".join(log.splitlines()[-8:])
    return result, lint_ok and yosys_ok


def main(argv: list[str]) -> int:
    models = [Path(a) for a in argv] or [
        *sorted((ROOT / "tests" / "fixtures").glob("*.tflite")),
        *sorted((ROOT.parent / "shared" / "models").glob("*.tflite")),
    ]
    clean = True
    for model in models:
        text, ok = check(model)
        clean &= ok
        print(f"{model.name}: {text}", flush=True)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
