"""Random multi-op quantized graphs (tests/graphgen.py), each on every backend, bit-exact against
the reference (TFLM for int8 / int16, LiteRT REF for legacy uint8) and against each other.

Every graph runs on NumPy and C (one C build per graph). Verilog is tried on every
TQC_GRAPH_VERILOG_EVERY-th graph with one input and one output: it refuses most graphs at once
(float edges, ops without hardware); the few it builds are simulated, ~20 s each (with the
gather engines for data movement, 16 of the 120 tried at every 2nd graph build; every 4th keeps
the default run near its old length: 7 builds in 240 graphs).
Verilog may refuse a graph, it may not get it wrong. Graphs the reference refuses, or that tqc
refuses as not supported, are skipped with the reason (the backends that build them must still
agree); so are graphs that may hit a reported, not yet fixed mismatch (KNOWN below).

A failing graph is shrunk (ops and outputs removed while it fails the same way) and written to
`tests/regressions/new/graph_s<seed>_c<case>.tqm` (TQC_REGRESSIONS_DIR to change; git ignores
new/) with a `# check:` header for tests/test_regressions.py; the failure message names it.

Environment: TQC_GRAPH_CASES (default 240: 2-3 minutes with -n 2 on an idle machine),
TQC_GRAPH_SEED (default 0; each (seed, case) is one reproducible graph), TQC_GRAPH_VERILOG_EVERY
(default 4; 0 for no Verilog), TQC_GRAPH_KNOWN=1 (also run graphs that may hit a known issue).
The long mode, e.g. (about 1.1 s per graph and core):
    TQC_GRAPH_CASES=10000 TQC_GRAPH_SEED=1 TQC_GRAPH_VERILOG_EVERY=10 pytest -n 2 tests/test_random_graphs.py
and one case again: TQC_GRAPH_SEED=1 pytest "tests/test_random_graphs.py::test_random_graph[17]"
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from graphcheck import Refused, check_graph, save_regression, shrink_failure
from graphgen import Graph, generate
from graphshrink import prune, reductions, shrink
from tqc.backends.verilog import sim
from tqc.errors import TqcError

CASES = int(os.environ.get("TQC_GRAPH_CASES", "240"))
SEED = int(os.environ.get("TQC_GRAPH_SEED", "0"))
VERILOG_EVERY = int(os.environ.get("TQC_GRAPH_VERILOG_EVERY", "4"))
REGRESSIONS = Path(os.environ.get("TQC_REGRESSIONS_DIR", Path(__file__).parent / "regressions" / "new"))
HAVE_CC = bool(os.environ.get("CC") or shutil.which("cc"))
RUN_KNOWN = os.environ.get("TQC_GRAPH_KNOWN", "") == "1"
# Reported mismatches not fixed yet (each an xfail file in tests/regressions/): graphs that may
# hit one are skipped unless TQC_GRAPH_KNOWN=1.
# (prelu_relu_fused_int8, the RELU folded into PRELU/MAXIMUM/MINIMUM, was one: fixed.)
KNOWN: dict[str, Callable[[Graph], bool]] = {}


def have_simulator() -> bool:
    try:
        sim.simulator()
    except TqcError:
        return False
    return True


HAVE_SIMULATOR = have_simulator()


def backends_for(case: int, graph: Graph) -> list[str]:
    names = ["numpy", *(["c"] if HAVE_CC else [])]
    if (HAVE_SIMULATOR and VERILOG_EVERY and case % VERILOG_EVERY == 0
            and len(graph.inputs) == 1 and len(graph.outputs) == 1):
        names.append("verilog")
    return names


@pytest.mark.parametrize("case", range(CASES))
def test_random_graph(case: int, tmp_path: Path) -> None:
    graph = generate(case, SEED)
    known = [name for name, hits in KNOWN.items() if hits(graph)]
    if known and not RUN_KNOWN:
        pytest.skip(f"case {case}: may hit the known issue tests/regressions/{known[0]}.tqm")
    backends = backends_for(case, graph)
    try:
        check_graph(graph, case, backends, tmp_path)
    except Refused as e:
        pytest.skip(f"case {case}: {e}")
    except Exception as e:
        small = shrink_failure(graph, case, backends, e)
        origin = f"TQC_GRAPH_SEED={SEED}, case {case}: {graph.describe()}"
        path = save_regression(small, REGRESSIONS, f"graph_s{SEED}_c{case}", origin, e, case, backends)
        raise AssertionError(f"graph case {case} (TQC_GRAPH_SEED={SEED}; {graph.describe()}) "
                             f"on {','.join(backends)}:\n{e}\nshrunk to {len(small.ops)} ops: {path}") from e


# --- the generator and the shrinker themselves ---------------------------------------------------

REQUIRED = {
    "int8", "uint8", "int16", "multiple_inputs", "multiple_outputs", "fork", "residual",
    "same_tensor_twice", "join_of_independent_branches", "constant_operand", "output_also_read",
    "float_input", "float_output", "uint8_input", "uint8_output", "requantize", "concat_rescaling",
    "concat_axis_1_of_4", "concat_axis_2_of_4", "concat_axis_3_of_4", "concat_axis_1_of_2",
    "transpose_rank_2", "transpose_rank_3", "transpose_rank_4", "transpose_rank_5",
    "reshape_inferred_dim",
    "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D", "MEAN",
    "SOFTMAX", "RELU", "RELU6", "RELU_N1_TO_1", "LOGISTIC", "TANH", "LEAKY_RELU", "HARD_SWISH",
    "PRELU", "QUANTIZE", "DEQUANTIZE", "RESHAPE", "SQUEEZE", "EXPAND_DIMS", "TRANSPOSE", "PAD",
    "PADV2", "STRIDED_SLICE", "SPLIT", "DEPTH_TO_SPACE", "SPACE_TO_DEPTH",
    "RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR", "ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM",
    "CONCATENATION", "SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND", "int16_LEAKY_RELU",
    # tests/graphgen_more.py
    "SLICE", "SPLIT_V", "PACK", "UNPACK", "GATHER", "GATHER_ND", "BROADCAST_TO", "TRANSPOSE_CONV",
    "BATCH_MATMUL", "REDUCE_MAX", "REDUCE_MIN", "ARG_MAX", "ARG_MIN", "EQUAL", "NOT_EQUAL", "LESS",
    "LESS_EQUAL", "GREATER", "GREATER_EQUAL", "SELECT_V2", "LOGICAL_AND", "LOGICAL_OR",
    "LOGICAL_NOT", "DIV", "CUMSUM", "ADD_N", "CAST", "LOG_SOFTMAX", "L2_NORMALIZATION",
    "bool_tensor", "int32_output", "unbatched_input", "scalar_input", "unbatched_output",
    "DYNAMIC_UPDATE_SLICE",
}


def test_the_default_cases_cover_every_shape() -> None:
    seen: set[str] = set()
    for case in range(max(CASES, 240)):
        seen |= generate(case, SEED).features
    assert not REQUIRED - seen, f"never generated: {sorted(REQUIRED - seen)}"


def test_graphs_are_reproducible() -> None:
    a, b = generate(7, SEED), generate(7, SEED)
    assert [op.opcode for op in a.ops] == [op.opcode for op in b.ops]
    assert [(t.name, t.shape, t.scale, t.zero_point) for t in a.tensors] == \
           [(t.name, t.shape, t.scale, t.zero_point) for t in b.tensors]


def test_shrink_keeps_what_fails() -> None:
    """A 'failure' that needs a MUL shrinks to a graph whose last op is that MUL, with
    its own inputs as graph inputs; every reduction is a valid, pruned graph."""
    case = next(c for c in range(200) if sum(op.opcode == "MUL" for op in generate(c, SEED).ops) == 1
                and len(generate(c, SEED).ops) > 4)
    graph = generate(case, SEED)
    for candidate in reductions(graph):
        assert candidate == prune(candidate)
        assert candidate.outputs and not set(candidate.inputs) & set(candidate.outputs)
    small = shrink(graph, lambda g: any(op.opcode == "MUL" for op in g.ops))
    assert [op.opcode for op in small.ops] == ["MUL"] or len(small.ops) < len(graph.ops)
    assert any(op.opcode == "MUL" for op in small.ops)
