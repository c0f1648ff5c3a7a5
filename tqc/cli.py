"""`tqc` command line: compile | run | opt | build | explain | verify | quant-params.

Every user-facing failure is one line `tqc: error: …` on stderr and exit status 1; no
traceback (set TQC_DEBUG=1 to see one) and no partial output. Outputs are written by
`tqc/outputs.py` (all or nothing, an existing output replaced only with --force) and options that
do not apply to the target are refused there too.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tqc.errors import TqcError
from tqc.outputs import check_options, write_file, write_folder
from tqc.samples import check_samples, describe, sample_shape
from tqc.targets import TARGET_NAMES as TARGETS
from tqc.targets import TargetOptions, get_target


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tqc", description="Compile quantized .tflite models "
                                "into exact integer-only NumPy, C and Verilog.")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--rounding", choices=("double", "single"), default="double",
                        help="requantize rounding: double (the reference, default) or single")
        sp.add_argument("--reference", choices=("tflm", "litert-ref", "xnnpack"), default="tflm",
                        help="the runtime whose arithmetic to reproduce: tflm (default; LiteRT "
                             "BUILTIN_REF for legacy uint8), litert-ref, or xnnpack (LiteRT's "
                             "default CPU path)")
        sp.add_argument("--fold-batch-norm", action="store_true",
                        help="fold unfolded batch-norms (MUL/ADD by constants) into an adjacent "
                             "conv/FC and requantize its weights; NOT bit-exact with the file")

    c = sub.add_parser("compile", help="compile a .tflite model to code")
    c.add_argument("model")
    c.add_argument("--target", choices=TARGETS, required=True)
    c.add_argument("-o", "--output", required=True, help="output directory")
    c.add_argument("--name", help="module name (default: the model file's stem)")
    c.add_argument("--parallel", type=int, help="verilog: MAC units per layer")
    c.add_argument("--stream", action="store_true",
                   help="carry the state of SVDF and LSTM ops from one invocation to the next "
                        "(NAME_reset / reset() restore it; not for verilog)")
    c.add_argument("--force", action="store_true",
                   help="replace an existing output folder (one tqc wrote)")
    common(c)

    r = sub.add_parser("run", help="run a model through a backend on .npy inputs")
    r.add_argument("model")
    r.add_argument("--target", choices=TARGETS, default="numpy")
    r.add_argument("--input", action="append", required=True, help=".npy file, one per input")
    r.add_argument("--output", required=True, help=".npy (one output) or .npz")
    r.add_argument("--parallel", type=int, help="verilog: MAC units per layer")
    r.add_argument("--stream", action="store_true",
                   help="the samples are one stream: the state of SVDF and LSTM ops carries "
                        "from one to the next (default: independent samples, each from the "
                        "reset state, as the reference harness runs them; not for verilog)")
    r.add_argument("--force", action="store_true", help="replace an existing --output file")
    common(r)

    o = sub.add_parser("opt", help="print the IR (.tflite or MLIR text) after passes")
    o.add_argument("input")
    o.add_argument("-p", "--passes", default="", help="comma-separated pass names")
    common(o)

    bd = sub.add_parser("build", help="build a .tflite model from a .tqm text description")
    bd.add_argument("model", help=".tqm file (docs/tqm-format.md)")
    bd.add_argument("-o", "--output", help="output .tflite (default: the model's path, .tflite)")

    # subcommands in modules of their own
    from tqc import cli_explain, cli_quant_params, cli_verify

    for module in (cli_explain, cli_verify, cli_quant_params):
        module.register(sub, common)
    return p


def _name(args: argparse.Namespace) -> str:
    from tqc.pipeline import identifier

    return identifier(getattr(args, "name", None) or Path(args.model).stem)


def _options(args: argparse.Namespace) -> TargetOptions:
    check_options(args.target, {"--parallel": args.parallel, "--stream": args.stream})
    return TargetOptions(parallel=args.parallel, stream=args.stream)


def cmd_compile(args: argparse.Namespace) -> None:
    from tqc.api import load

    model = load(args.model, args.rounding, args.fold_batch_norm, args.stream, args.reference)
    check_options(args.target, {"--parallel": args.parallel, "--stream": args.stream})
    artifact = model.emit(args.target, _name(args), args.parallel)
    write_folder(args.output, artifact.files, args.force, (Path(args.model),))
    for line in artifact.report:
        print(line)
    print(f"wrote {', '.join(str(Path(args.output) / f) for f in artifact.files)}")


def _load_inputs(paths: Sequence[str], specs: list[tuple[tuple[int, ...], str]]) -> list[np.ndarray]:
    """The --input arrays, checked against the I/O contract (tqc/samples.py) and cast to the
    model's dtypes where the values fit."""
    if len(paths) != len(specs):
        raise TqcError(f"the model has {len(specs)} input(s), {len(paths)} --input given")
    arrays = []
    for i, (path, (shape, dtype)) in enumerate(zip(paths, specs)):
        try:
            x = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise TqcError(f"--input {path}: cannot read .npy ({e})") from None
        if x.ndim != len(sample_shape(shape)) + 1 or x.shape[1:] != sample_shape(shape):
            raise TqcError(f"--input {path}: input {i} needs shape {describe(shape)}, got {x.shape}")
        if x.dtype != np.dtype(dtype):
            cast = x.astype(dtype)
            if not np.array_equal(cast, x):
                raise TqcError(f"--input {path}: input {i} needs dtype {dtype}, got {x.dtype}")
            x = cast
        arrays.append(x)
    check_samples(arrays, [shape for shape, _ in specs])
    return arrays


def cmd_run(args: argparse.Namespace) -> None:
    if not args.output.endswith((".npy", ".npz")):
        raise TqcError("--output must end in .npy or .npz")
    if Path(args.output).exists() and not args.force:
        raise TqcError(f"output '{args.output}' exists (use --force to replace it)")
    from tqc.api import load
    from tqc.pipeline import io_specs

    options = _options(args)
    model = load(args.model, args.rounding, args.fold_batch_norm, args.stream, args.reference)
    inputs = _load_inputs(args.input, io_specs(model.lowered())[0])
    result = get_target(args.target).run(model.lowered(), _name(args), inputs, options)
    outputs = result.outputs
    if args.output.endswith(".npy") and len(outputs) != 1:
        raise TqcError(f"the model has {len(outputs)} outputs: use an .npz --output")
    for line in result.report:
        print(line)
    arrays: dict[str, Any] = {f"out{i}": o for i, o in enumerate(outputs)}
    if args.output.endswith(".npy"):
        write_file(args.output, lambda path: np.save(path, outputs[0]), args.force)
    else:
        write_file(args.output, lambda path: np.savez(path, **arrays), args.force)


def cmd_opt(args: argparse.Namespace) -> None:
    from tqc.pipeline import run_passes
    from tqc.universe import make_context

    ctx = make_context()
    path = Path(args.input)
    if path.suffix in (".tflite", ".tqm"):
        from tqc.importer import import_tflite
        from tqc.tqm import model_path

        module = import_tflite(model_path(path))
    else:
        from xdsl.dialects.builtin import ModuleOp
        from xdsl.parser import Parser
        from xdsl.utils.exceptions import ParseError

        try:
            text = path.read_text() if str(path) != "-" else sys.stdin.read()
            parsed = Parser(ctx, text, str(path)).parse_module()
        except OSError as e:
            raise TqcError(f"cannot read '{path}': {e.strerror}") from None
        except ParseError as e:
            raise TqcError(f"{path}: {str(e).strip().splitlines()[0]}") from None
        assert isinstance(parsed, ModuleOp)
        module = parsed
    passes = [p.strip() for p in args.passes.split(",") if p.strip()]
    if args.fold_batch_norm:
        from tqc.pipeline import FOLD_BATCH_NORM_PASSES

        passes = FOLD_BATCH_NORM_PASSES + passes
    run_passes(module, passes, args.rounding, ctx, reference=args.reference)
    print(module)


def cmd_build(args: argparse.Namespace) -> None:
    from tqc.tqm import build_file

    print(f"wrote {build_file(args.model, args.output)}")


COMMANDS = {"compile": cmd_compile, "run": cmd_run, "opt": cmd_opt, "build": cmd_build}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        handler = getattr(args, "handler", None) or COMMANDS[args.command]
        handler(args)
    except TqcError as e:
        print(f"tqc: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `tqc explain m.tflite | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:  # an internal error still gets one line unless debugging
        if os.environ.get("TQC_DEBUG"):
            raise
        first = str(e).splitlines()[0] if str(e) else ""
        print(f"tqc: error: internal error (a bug in tqc: please report it with the model and "
              f"this command; TQC_DEBUG=1 shows the traceback): {type(e).__name__}: {first}",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
