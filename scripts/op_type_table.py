"""Measure the op x type table: what tqc accepts next to what TFLM and LiteRT BUILTIN_REF run.

For every TFLite builtin that tqc's importer handles or TFLM's Python interpreter registers (the
`Register_<OP>` symbols of the tflite-micro wheel's `_runtime.so`), and each activation type int8,
uint8, int16 (16x8), it builds the single-op model of tests/op_models.py and records:
tqc compiles it to NumPy, C and Verilog (emit only); TFLM runs it; LiteRT BUILTIN_REF runs it; and
whether tqc's NumPy output equals the reference bit for bit on 8 random inputs (the first two
all-minimum and all-maximum). The reference is TFLM for int8/int16 and LiteRT REF for uint8, the
other one when that one refuses (tqc.reference's `auto` policy).

    .venv/bin/python scripts/op_type_table.py [--ops CONV_2D,ADD] [--kinds int8] [--out docs/op-support.md]

Writes the table (with the date, commit and versions) and prints a summary; `--out -` prints
the table instead of writing it.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import io
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from differential import random_inputs
from op_models import BUILDERS, KINDS, Model, NotApplicable, build

from tqc.errors import TqcError
from tqc.import_context import HANDLERS
from tqc.importer import import_tflite  # noqa: F401  (fills HANDLERS)
from tqc.pipeline import identifier, load_numpy_model, lower
from tqc.reference import ReferenceError, model_info, run_reference
from tqc.targets import TargetOptions, get_target
from tqc.tflite_writer import write_model

YES, NO, NA = "yes", "no", "—"


def tflm_ops() -> set[str]:
    """The builtins the tflite-micro wheel registers (its `Register_<OP>` symbols that name a
    TFLite builtin)."""
    import tflite
    import tflite_micro

    builtins = {k for k in vars(tflite.BuiltinOperator) if not k.startswith("_")}
    so = next(Path(tflite_micro.__file__).parent.rglob("_runtime.so"))
    names = set(re.findall(rb"_ZN6tflite5micro\d+Register_([A-Z0-9_]+)Ev", so.read_bytes()))
    return {n.decode() for n in names} & builtins


@dataclass
class Row:
    opcode: str
    kind: str
    numpy: str = NA
    c: str = NA
    verilog: str = NA
    tflm: str = NA
    litert: str = NA
    exact: str = NA
    note: str = ""

    @property
    def tqc_accepts(self) -> bool:
        return self.numpy == YES


def first_line(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    text = lines[-1] if isinstance(e, ReferenceError) and len(lines) > 1 else (lines[0] if lines else type(e).__name__)
    text = text.removeprefix("tqc: error: ")
    return (text[:110] + "…") if len(text) > 110 else text


def compile_with(path: Path, target: str) -> tuple[str, str]:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            get_target(target).emit(lower(path), identifier(path.stem), TargetOptions())
        return YES, ""
    except TqcError as e:
        return NO, first_line(e)
    except Exception as e:  # noqa: BLE001 - a crash is a finding, recorded in the table
        return "crash", f"{type(e).__name__}: {first_line(e)}"


def reference(path: Path, xs: list[np.ndarray], runtime: str) -> tuple[str, list[np.ndarray] | None, str]:
    try:
        return YES, run_reference(path, xs, runtime, timeout=120), ""  # type: ignore[arg-type]
    except ReferenceError as e:
        return NO, None, first_line(e)


def measure(opcode: str, kind: str, model: Model, folder: Path, seed: int = 0) -> Row:
    row = Row(opcode, kind)
    path = folder / f"{opcode.lower()}_{kind}.tflite"
    write_model(path, model.tensors, model.ops, model.inputs, model.outputs)
    info = model_info(path)
    xs = random_inputs([(s.shape, str(s.dtype)) for s in info.inputs], 8, seed)
    notes: list[str] = []
    module = None
    try:
        module = load_numpy_model(path)
        row.numpy = YES
    except TqcError as e:
        row.numpy = NO
        notes.append(f"tqc: {first_line(e)}")
    except Exception as e:  # noqa: BLE001
        row.numpy = "crash"
        notes.append(f"tqc crash: {type(e).__name__}: {first_line(e)}")
    if module is not None:
        row.c, c_note = compile_with(path, "c")
        row.verilog, v_note = compile_with(path, "verilog")
        notes += [f"C: {c_note}"] if c_note else []
        notes += [f"Verilog: {v_note}"] if v_note else []
    row.tflm, tflm_out, tflm_note = reference(path, xs, "tflm")
    row.litert, ref_out, _ = reference(path, xs, "litert-ref")
    if row.tflm == NO and row.litert == NO:
        notes.append(f"TFLM: {tflm_note}")
    order = [(tflm_out, "TFLM"), (ref_out, "REF")]
    if kind == "uint8" or info.tflm_bug:  # tqc.reference.TFLM_KERNEL_BUGS: LiteRT REF first
        order.reverse()
    if info.tflm_bug and row.tflm == YES:
        notes.append(f"TFLM bug, checked against LiteRT REF: {info.tflm_bug}")
    oracle = next(((out, name) for out, name in order if out is not None), None)
    if module is not None and oracle is not None:
        row.exact = exactness(module, xs, *oracle)
    row.note = "; ".join(notes)
    return row


def exactness(module: object, xs: list[np.ndarray], ref: list[np.ndarray], name: str) -> str:
    out = module.run(*xs)  # type: ignore[attr-defined]
    ours = list(out) if isinstance(out, (tuple, list)) else [out]
    if len(ours) != len(ref):
        return f"no: {len(ours)} outputs vs {name} {len(ref)}"
    for a, b in zip(ours, ref):
        a = np.asarray(a)
        if a.shape != b.shape or a.dtype != b.dtype:
            return f"no: {a.dtype}{list(a.shape)} vs {name} {b.dtype}{list(b.shape)}"
        diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
        if diff.any():
            return f"no: ±{diff.max():g} vs {name}"
    return f"{YES} ({name})"


def versions() -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.strip() or "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs"],
                           cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
    pkgs = ", ".join(f"{p} {importlib.metadata.version(p)}" for p in ("tflite-micro", "ai-edge-litert", "xdsl"))
    return (f"Measured {datetime.date.today().isoformat()} on commit {commit}"
            f"{' (with local changes outside docs/)' if dirty else ''}; {pkgs}.")


def gap_lines(rows: list[Row]) -> tuple[list[str], list[str], list[str]]:
    """(TFLM runs it and tqc refuses, LiteRT REF runs a uint8 model and tqc refuses, tqc compiles
    it and differs from the reference)."""
    tflm = [f"{r.opcode} {r.kind}: {r.note}" for r in rows if r.tflm == YES and not r.tqc_accepts]
    uint8 = [f"{r.opcode} uint8: {r.note}" for r in rows
             if r.kind == "uint8" and r.litert == YES and r.tflm != YES and not r.tqc_accepts]
    wrong = [f"{r.opcode} {r.kind}: {r.exact}" for r in rows if r.exact.startswith("no")
             or r.numpy == "crash" or "crash" in (r.c, r.verilog)]
    return tflm, uint8, wrong


def markdown(rows: list[Row], not_applicable: dict[str, str]) -> str:
    tflm, uint8, wrong = gap_lines(rows)
    nobody = sorted({r.opcode for r in rows} - {r.opcode for r in rows
                                                if YES in (r.numpy, r.tflm, r.litert)})
    shown = [r for r in rows if r.opcode not in nobody]
    out = ["# Op x type support", "",
           "Generated by `scripts/op_type_table.py` (do not edit by hand). " + versions(), "",
           "Each row is one single-op model (tests/op_models.py) with int8, uint8 or int16 (16x8: int8",
           "weights, int64 bias) activations. NumPy / C / Verilog: tqc compiles it (Verilog and C: emit",
           "only). TFLM / LiteRT REF: the runtime runs it. Bit-exact: tqc's NumPy output equals the",
           "reference (TFLM for int8/int16, LiteRT BUILTIN_REF for uint8, the other when that one",
           "refuses) on 8 random inputs, the first two all-minimum and all-maximum.", "",
           "## Gaps", "",
           f"TFLM runs it, tqc refuses ({len(tflm)}):", ""]
    out += [f"- {g}" for g in tflm] or ["- none"]
    out += ["", f"Legacy uint8: LiteRT REF runs it (TFLM does not), tqc refuses ({len(uint8)}):", ""]
    out += [f"- {g}" for g in uint8] or ["- none"]
    out += ["", f"tqc compiles it but is not bit-exact, or crashes ({len(wrong)}):", ""]
    out += [f"- {g}" for g in wrong] or ["- none"]
    out += ["", "## Table", "",
            "| op | type | NumPy | C | Verilog | TFLM | LiteRT REF | bit-exact | note |",
            "|---|---|---|---|---|---|---|---|---|"]
    for r in shown:
        note = r.note.replace("|", "\\|")
        out.append(f"| {r.opcode} | {r.kind} | {r.numpy} | {r.c} | {r.verilog} | {r.tflm} | {r.litert} "
                   f"| {r.exact} | {note} |")
    out += ["", "Refused by tqc, TFLM and LiteRT REF for every activation type: "
            + (", ".join(nobody) or "none") + ".", "",
            "No single-op model with an activation type: "
            + "; ".join(f"{op} ({why})" for op, why in sorted(not_applicable.items())) + ".", ""]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ops", help="comma-separated opcodes (default: every tqc or TFLM builtin)")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--out", default=str(ROOT / "docs" / "op-support.md"))
    args = ap.parse_args()
    ops = args.ops.split(",") if args.ops else sorted(set(HANDLERS) | tflm_ops())
    missing = [op for op in ops if op not in BUILDERS]
    if missing:
        sys.exit(f"op_type_table: no builder in tests/op_models.py for {', '.join(missing)}")
    rows: list[Row] = []
    not_applicable: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="tqc_optable_") as d:
        for op in ops:
            for kind in args.kinds.split(","):
                model = build(op, kind)
                if isinstance(model, NotApplicable):
                    not_applicable[op] = model.reason
                    continue
                row = measure(op, kind, model, Path(d))
                rows.append(row)
                print(f"{op:30s} {kind:5s} numpy={row.numpy:5s} c={row.c:5s} verilog={row.verilog:5s} "
                      f"tflm={row.tflm:3s} ref={row.litert:3s} exact={row.exact}", flush=True)
    text = markdown(rows, not_applicable)
    tflm, uint8, wrong = gap_lines(rows)
    print(f"{len(rows)} (op, type) models; gaps: {len(tflm)} TFLM runs and tqc refuses, "
          f"{len(uint8)} legacy uint8, {len(wrong)} not bit-exact or crashing")
    if args.out == "-":
        print(text)
    else:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
