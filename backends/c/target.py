"""The C target: `NAME.h`, `NAME.c`, `NAME_weights.c`, `tqc_runtime.h`, an example program
`NAME_example.c` (also the driver of `tqc run --target c`) and a Makefile.

`run` builds the example program with the system C compiler (`$CC`, else `cc`) in a temporary
directory and runs the N samples through it as raw binary files.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from tqc.backends.c.arena import ctype
from tqc.backends.c.printer import print_c
from tqc.backends.c.program import Program
from tqc.dialects.accessors import shape as dims
from tqc.dialects.element import kind_of
from tqc import progress
from tqc.errors import TqcError
from tqc.targets import Artifact, RunResult, TargetOptions

# C99, warnings as errors; no contraction of float multiply-adds (the float edges must round
# like the reference).
BASE_FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-ffp-contract=off"]


def compiler() -> str:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise TqcError("c target: no C compiler found (set CC)")
    return cc


def example_text(name: str, program: Program) -> str:
    ins, outs = program.io()
    m = program.macro
    stateful = bool(program.states)
    lines = [
        f"/* {name}_example.c: runs {name}_invoke.",
        " *",
        f" *   {name}_example                     one run on all-zero inputs, outputs printed",
        f" *   {name}_example IN0.bin.. OUT0.bin..  N samples: each input file holds N samples",
        " *                                     back to back (raw, native byte order); each",
        " *                                     output file receives N samples the same way",
        *([f" *   {name}_example --stream IN0.bin.. OUT0.bin..  the N samples as one stream: the",
           f" *                                     state is not reset ({name}_reset) between",
           " *                                     them, as it is by default"] if stateful else []),
        " */",
        "#include <stdio.h>",
        *(["#include <string.h>"] if stateful else []),
        f'#include "{name}.h"',
        "",
    ]
    for i, v in enumerate(ins):
        lines.append(f"static {ctype(v)} in{i}[{m}_INPUT{i}_SIZE];")
    for j, v in enumerate(outs):
        lines.append(f"static {ctype(v)} out{j}[{m}_OUTPUT{j}_SIZE];")
    call = ", ".join([f"in{i}" for i in range(len(ins))] + [f"out{j}" for j in range(len(outs))])
    lines += ["", "int main(int argc, char **argv) {"]
    lines.append(f"  FILE *in_files[{len(ins)}], *out_files[{len(outs)}];")
    lines.append("  long samples = 0;")
    lines.append("  int i;")
    if stateful:
        lines.append('  int stream = argc > 1 && strcmp(argv[1], "--stream") == 0;')
        lines.append("  if (stream) {  /* drop the flag, keep the program's name */")
        lines.append("    argv[1] = argv[0];")
        lines.append("    --argc;")
        lines.append("    ++argv;")
        lines.append("  }")
    lines.append("  if (argc == 1) {")
    lines.append(f"    if ({name}_invoke({call}) != 0) return 1;")
    for j, v in enumerate(outs):
        fmt, cast = ('"%.9g "', "(double)") if ctype(v) == "float" else ('"%lld "', "(long long)")
        lines.append(f"    for (i = 0; i < {m}_OUTPUT{j}_SIZE; ++i) printf({fmt}, {cast}out{j}[i]);")
        lines.append('    printf("\\n");')
    lines.append("    return 0;")
    lines.append("  }")
    lines.append(f"  if (argc != 1 + {len(ins)} + {len(outs)}) {{")
    lines.append(f'    fprintf(stderr, "usage: %s [IN0.bin.. OUT0.bin..] ({len(ins)} inputs, '
                 f'{len(outs)} outputs)\\n", argv[0]);')
    lines.append("    return 2;")
    lines.append("  }")
    lines.append(f"  for (i = 0; i < {len(ins)}; ++i)")
    lines.append('    if (!(in_files[i] = fopen(argv[1 + i], "rb"))) { perror(argv[1 + i]); return 2; }')
    lines.append(f"  for (i = 0; i < {len(outs)}; ++i)")
    lines.append(f'    if (!(out_files[i] = fopen(argv[1 + {len(ins)} + i], "wb"))) {{ '
                 f"perror(argv[1 + {len(ins)} + i]); return 2; }}")
    lines.append("  for (;;) {")
    for i in range(len(ins)):
        lines.append(f"    if (fread(in{i}, sizeof in{i}, 1, in_files[{i}]) != 1) break;")
    if stateful:
        lines.append(f"    if (!stream) {name}_reset();")
    lines.append(f"    if ({name}_invoke({call}) != 0) return 1;")
    for j in range(len(outs)):
        lines.append(f"    if (fwrite(out{j}, sizeof out{j}, 1, out_files[{j}]) != 1) return 3;")
    lines.append("    ++samples;")
    lines.append("  }")
    lines.append(f"  for (i = 0; i < {len(outs)}; ++i)")
    lines.append("    if (fclose(out_files[i]) != 0) return 3;")
    lines.append('  fprintf(stderr, "%ld samples\\n", samples);')
    lines.append("  return 0;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def makefile_text(name: str) -> str:
    return f"""# Builds lib{name}.a and the example program {name}_example (generated by tqc).
CC ?= cc
CFLAGS ?= -O2
# C99, warnings as errors; floats must not be contracted into fused multiply-adds (the float
# edges of float-I/O models must round like the reference).
TQC_CFLAGS = -std=c99 -Wall -Wextra -Werror -pedantic -ffp-contract=off
AR ?= ar

all: lib{name}.a {name}_example

lib{name}.a: {name}.o {name}_weights.o
\t$(AR) rcs $@ $^

{name}.o: {name}.c {name}.h tqc_runtime.h
\t$(CC) $(TQC_CFLAGS) $(CFLAGS) -c {name}.c -o $@

{name}_weights.o: {name}_weights.c
\t$(CC) $(TQC_CFLAGS) $(CFLAGS) -c {name}_weights.c -o $@

{name}_example: {name}_example.c {name}.h lib{name}.a
\t$(CC) $(TQC_CFLAGS) $(CFLAGS) {name}_example.c lib{name}.a -o $@

clean:
\trm -f {name}.o {name}_weights.o lib{name}.a {name}_example

.PHONY: all clean
"""


def generate(module: ModuleOp, name: str) -> tuple[dict[str, str], list[str], Program]:
    files, program = print_c(module, name)
    files[f"{name}_example.c"] = example_text(name, program)
    files["Makefile"] = makefile_text(name)
    report = [f"RAM (activation arena): {program.plan.size} bytes",
              f"ROM (weights, tables and parameters): "
              f"{program.weights_bytes + program.rom_bytes} bytes"]
    return files, report, program


def build(files: dict[str, str], name: str, directory: Path, flags: list[str] | None = None,
          cc: str | None = None) -> Path:
    """Write the files to `directory` and compile the example program; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    for fname, text in files.items():
        (directory / fname).write_text(text)
    exe = directory / f"{name}_example"
    cmd = [*shlex.split(cc or compiler()), *BASE_FLAGS, *(flags if flags is not None else ["-O2"]),
           f"{name}.c", f"{name}_weights.c", f"{name}_example.c", "-o", exe.name]
    with progress.step(f"C build of {name} ({' '.join(cmd[:-5])})"):
        proc = subprocess.run(cmd, cwd=directory, capture_output=True, text=True)
    if proc.returncode != 0:
        raise TqcError(f"c target: the C compiler failed ({' '.join(cmd)}):\n"
                       f"{proc.stderr.strip()[:4000]}")
    return exe


def _sample_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of one sample in the (N, ...) arrays: a leading batch dimension of 1 is
    replaced by N; otherwise N is prepended (the rule of tqc.reference)."""
    return tuple(shape[1:]) if shape and shape[0] == 1 else tuple(shape)


def run_program(exe: Path, program: Program, inputs: list[np.ndarray],
                env: dict[str, str] | None = None, stream: bool = False) -> list[np.ndarray]:
    """Run the built example program on N samples; returns the outputs (N, ...). `stream`: the
    samples are one stream (a program with state does not reset it between them)."""
    ins, outs = program.io()
    if len(inputs) != len(ins):
        raise TqcError(f"c target: the model has {len(ins)} inputs, got {len(inputs)}")
    n = inputs[0].shape[0] if inputs else 1
    work = exe.parent
    in_paths, out_paths = [], []
    for i, (x, v) in enumerate(zip(inputs, ins)):
        want = np.dtype(kind_of(v).numpy)
        sample = _sample_shape(dims(v))
        if x.shape[0] != n or tuple(x.shape[1:]) != sample:
            raise TqcError(f"c target: input {i} has shape {x.shape}, expected (N, "
                           f"{', '.join(map(str, sample))})")
        path = work / f"in{i}.bin"
        np.ascontiguousarray(x, dtype=want).tofile(path)
        in_paths.append(str(path))
    for j in range(len(outs)):
        out_paths.append(str(work / f"out{j}.bin"))
    flags = ["--stream"] if stream and program.states else []
    proc = subprocess.run([str(exe), *flags, *in_paths, *out_paths], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise TqcError(f"c target: the program failed with status {proc.returncode}:\n"
                       f"{proc.stderr.strip()[:4000]}")
    results = []
    for j, v in enumerate(outs):
        data = np.fromfile(out_paths[j], dtype=kind_of(v).numpy)
        results.append(data.reshape((n, *_sample_shape(dims(v)))))
    if proc.stderr.strip() != f"{n} samples":
        raise TqcError(f"c target: unexpected diagnostics:\n{proc.stderr.strip()[:4000]}")
    return results


class CTarget:
    def emit(self, module: ModuleOp, name: str, options: TargetOptions) -> Artifact:
        files, report, _ = generate(module, name)
        contents: dict[str, str | bytes] = dict(files)
        return Artifact(contents, report)

    def run(self, module: ModuleOp, name: str, inputs: list[np.ndarray],
            options: TargetOptions) -> RunResult:
        files, report, program = generate(module, name)
        with tempfile.TemporaryDirectory(prefix="tqc_c_") as tmp:
            exe = build(files, name, Path(tmp))
            outputs = run_program(exe, program, inputs, stream=options.stream)
        return RunResult(outputs, [])


TARGET = CTarget()
