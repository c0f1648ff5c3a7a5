"""The `tqc_divide` datapath (backends/verilog/templates/tqc_divide.v) on its own, in Verilator,
against `tqc.semantics.divide.divide` (bit-exact with LiteRT REF's int16 DIV, tests/
test_div_int16.py) on every divisor that DIV int16 can give it, 32-bit outputs compared (before
the output zero point and the clamp, which would hide differences).

The argument: the datapath performs the reference's operations in the reference's order, so it
can only differ from it through a wrong step. The steps that depend on the divisor alone
(GetReciprocal: count leading zeros, half denominator, three Newton-Raphson steps) are checked on
every divisor v2 = x2 − zp2 in ±1..65535 (131070 values) with the dividend chosen so that the
output shows every bit of the reciprocal r: v1 = −1 (after the sign flip) makes
q = SRDHM(−2^31, r) = −r, the multiplier 2^31 − 1 makes s = 1 − r (r ≥ 2^30, which always holds)
and the output shift 62 − clz(v2) makes the final exponent 0, so out = s. One instance per
clz(v2) in 16..31 (output shifts 31..46); `test_outputs_show_the_reciprocal` checks that claim
on the NumPy side. The steps after the reciprocal (the dividend's headroom, two SRDHM, the
x86 RoundingDivideByPOT for any exponent mod 64) are checked on every dividend in ±65535 and
on random pairs, with output shifts from −31 to 46 (exponents below 0 and above 31).
Two and three lanes per beat, random valid / ready throttling. The full sets are `slow`; by
default every 61st divisor and every 41st dividend."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from test_verilog_backend import needs_verilator

from tqc.backends.verilog import sim
from tqc.backends.verilog.emitter import TEMPLATES
from tqc.semantics.divide import divide
from tqc.semantics.softmax import count_leading_zeros_u32, get_reciprocal

LIMIT = 65535
INT32_MAX = 2**31 - 1
REVEAL = [(INT32_MAX, 62 - lz) for lz in range(16, 32)]  # (output_multiplier, output_shift)
TAIL = [(1198372736, 12), (0, 0), (1 << 30, -31), (INT32_MAX, 35), (1518500250, 31),
        (1 << 30, 40), (1717986918, -20), (1 << 30, 0), (1999999999, 5), (1288490189, 20),
        (1431655765, -8), (INT32_MAX, 46)]


def reveal_vectors(stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Every divisor in ±1..65535 (every `stride`-th), the dividend −1 after the sign flip."""
    v2 = np.concatenate([np.arange(1, LIMIT + 1), -np.arange(1, LIMIT + 1)])[::stride]
    return np.where(v2 > 0, -1, 1), v2


def tail_vectors(stride: int, pairs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Every dividend in ±65535 (every `stride`-th) against random divisors, then random pairs
    with log-uniform magnitudes (small quotients and huge ones)."""
    rng = np.random.default_rng(seed)
    v1 = np.arange(-LIMIT, LIMIT + 1)[::stride]
    v2 = rng.integers(1, LIMIT + 1, len(v1)) * rng.choice([-1, 1], len(v1))

    def magnitudes(n: int, low: int) -> np.ndarray:
        return np.minimum(np.exp(rng.uniform(np.log(low), np.log(LIMIT + 1), n)).astype(np.int64),
                          LIMIT)

    r1 = magnitudes(pairs, 1) * rng.choice([-1, 1], pairs) * (rng.random(pairs) > 0.01)
    r2 = magnitudes(pairs, 1) * rng.choice([-1, 1], pairs)
    return np.concatenate([v1, r1]), np.concatenate([v2, r2])


def unit_testbench(n: int, lanes: int, params: list[tuple[int, int]]) -> str:
    """A testbench streaming n (a, b) pairs from a.hex / b.hex into one tqc_divide per
    (multiplier, shift), all in lock step, checking each output lane against exp<k>.hex."""
    k = len(params)
    lines = ["`timescale 1ns/1ps", "module tb;",
             f"    localparam N = {n};", "    reg clk = 1'b0;", "    reg rst = 1'b1;",
             "    always #5 clk = ~clk;",
             "    reg [31:0] va [0:N-1];", "    reg [31:0] vb [0:N-1];",
             "    integer feed, got, bad, cycle, throttle;", "    reg [31:0] lfsr;",
             f"    wire [{k - 1}:0] a_ready, b_ready, o_valid;",
             "    wire in_valid = feed < N && (throttle == 0 || lfsr[3]);",
             "    wire out_ready = throttle == 0 || lfsr[7];",
             "    wire [31:0] lane_a [0:" + str(lanes - 1) + "];",
             "    wire [31:0] lane_b [0:" + str(lanes - 1) + "];"]
    for i in range(lanes):
        lines += [f"    assign lane_a[{i}] = feed + {i} < N ? va[feed + {i}] : 32'd0;",
                  f"    assign lane_b[{i}] = feed + {i} < N ? vb[feed + {i}] : 32'd1;"]
    a_bus = "{" + ", ".join(f"lane_a[{i}]" for i in reversed(range(lanes))) + "}"
    b_bus = "{" + ", ".join(f"lane_b[{i}]" for i in reversed(range(lanes))) + "}"
    for j, (mult, shift) in enumerate(params):
        lines += [f"    reg [31:0] ex{j} [0:N-1];", f"    wire [{32 * lanes - 1}:0] o{j};",
                  f"    initial $readmemh(\"exp{j}.hex\", ex{j});",
                  f"    tqc_divide #(.L({lanes}), .MULT({mult}), .SHIFT({shift})) u{j} (",
                  "        .clk(clk), .rst(rst),",
                  f"        .a_valid(in_valid), .a_ready(a_ready[{j}]), .a_data({a_bus}),",
                  f"        .b_valid(in_valid), .b_ready(b_ready[{j}]), .b_data({b_bus}),",
                  f"        .out_valid(o_valid[{j}]), .out_ready(out_ready), .out_data(o{j}));"]
    lines += ["    initial begin",
              "        $readmemh(\"a.hex\", va);", "        $readmemh(\"b.hex\", vb);",
              "        if (!$value$plusargs(\"throttle=%d\", throttle)) throttle = 0;",
              "        feed = 0; got = 0; bad = 0; cycle = 0; lfsr = 32'h1234567;",
              "        repeat (3) @(posedge clk);", "        rst = 1'b0;", "    end",
              "    always @(posedge clk) begin",
              "        cycle <= cycle + 1;",
              "        lfsr <= {lfsr[30:0], lfsr[31] ^ lfsr[21] ^ lfsr[1] ^ lfsr[0]};",
              "        if (!rst) begin",
              (f"            if (a_ready != {{{k}{{a_ready[0]}}}} || o_valid != {{{k}{{o_valid[0]}}}}"
               " || b_ready != a_ready) begin"),
              "                $display(\"LOCKSTEP lost at cycle %0d\", cycle); $finish;",
              "            end",
              f"            if (a_ready[0]) feed <= feed + {lanes};",
              "            if (o_valid[0] && out_ready) begin"]
    for j in range(k):
        for i in range(lanes):
            lines += [(f"                if (got + {i} < N && o{j}[{32 * i + 31}:{32 * i}] != "
                       f"ex{j}[got + {i}]) begin"),
                      "                    bad = bad + 1;",
                      (f"                    if (bad <= 10) $display(\"MISMATCH unit {j} "
                       f"vector %0d: %h, expected %h\", got + {i}, o{j}[{32 * i + 31}:{32 * i}], "
                       f"ex{j}[got + {i}]);"),
                      "                end"]
    lines += [f"                got <= got + {lanes};",
              f"                if (got + {lanes} >= N) begin",
              ("                    $display(\"DONE vectors=%0d mismatches=%0d cycles=%0d\", N, bad,"
               " cycle);"),
              "                    $finish;",
              "                end",
              "            end",
              "            if (cycle > 40 * N + 1000) begin",
              "                $display(\"TIMEOUT\"); $finish;", "            end",
              "        end",
              "    end", "endmodule", ""]
    return "\n".join(lines)


def _hex(values: np.ndarray) -> str:
    return "\n".join(f"{int(v) & 0xFFFFFFFF:08x}" for v in values) + "\n"


def run_unit(v1: np.ndarray, v2: np.ndarray, params: list[tuple[int, int]], lanes: int,
             throttle: bool) -> str:
    """Build (cached) and run the testbench; returns its DONE line."""
    files = {"tqc_divide.v": (TEMPLATES / "tqc_divide.v").read_text(),
             "tqc_multicycle.v": (TEMPLATES / "tqc_multicycle.v").read_text(),
             "tqc_fixedpoint.vh": (TEMPLATES / "tqc_fixedpoint.vh").read_text(),
             "tb.v": unit_testbench(len(v1), lanes, params)}
    folder = sim.build(files, ["tb.v", "tqc_divide.v", "tqc_multicycle.v"], "tb", "verilator")
    with tempfile.TemporaryDirectory(prefix="tqc_divide_unit_") as d:
        work = Path(d)
        (work / "a.hex").write_text(_hex(v1))
        (work / "b.hex").write_text(_hex(v2))
        for j, (mult, shift) in enumerate(params):
            (work / f"exp{j}.hex").write_text(_hex(divide(v1, v2, mult, shift)))
        proc = subprocess.run([str(folder / "obj" / "Vtb"), f"+throttle={int(throttle)}"],
                              cwd=work, capture_output=True, text=True, timeout=3600, check=False)
    log = proc.stdout + proc.stderr
    done = [line for line in log.splitlines() if line.startswith("DONE")]
    assert done and "MISMATCH" not in log and "LOCKSTEP" not in log, log[-3000:]
    return done[0]


def test_outputs_show_the_reciprocal() -> None:
    """For every divisor, the output of the instance with output shift 62 − clz(|v2|) (on
    dividend −1 after the sign flip, multiplier 2^31 − 1) is 1 − r, r the reciprocal: a
    datapath with any other reciprocal fails the reveal test."""
    v1, v2 = reveal_vectors(1)
    inverse, _ = get_reciprocal(np.abs(v2), 31)
    assert np.all(inverse >= 2**30)
    lz = count_leading_zeros_u32(np.abs(v2))
    out = np.empty(len(v2), np.int64)
    for m, s in REVEAL:
        sel = lz == 62 - s
        out[sel] = divide(v1[sel], v2[sel], m, s)
    np.testing.assert_array_equal(out, 1 - inverse)


@needs_verilator
@pytest.mark.parametrize("stride", [61, pytest.param(1, marks=pytest.mark.slow)])
def test_every_divisor_reciprocal(stride: int) -> None:
    v1, v2 = reveal_vectors(stride)
    done = run_unit(v1, v2, REVEAL, lanes=2, throttle=stride != 1)
    assert "mismatches=0" in done


@needs_verilator
@pytest.mark.parametrize("stride,pairs", [(41, 3000), pytest.param(1, 100_000, marks=pytest.mark.slow)])
def test_every_dividend_and_random_pairs(stride: int, pairs: int) -> None:
    v1, v2 = tail_vectors(stride, pairs)
    done = run_unit(v1, v2, TAIL, lanes=3, throttle=True)
    assert "mismatches=0" in done
