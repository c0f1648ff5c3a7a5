"""Shrink a failing graph (tests/graphgen.py) to a small one that still fails.

Reductions, tried greedily until none keeps the failure: drop a graph output; cut the graph at
a tensor (its producer goes, the tensor becomes a graph input), the cuts nearest the outputs
first, so that one step can leave a single op; move an output up to its producer's input. After
each reduction the ops, inputs and tensors nothing needs any more are pruned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from graphgen import Graph


def shrink(graph: Graph, fails: Callable[[Graph], bool], budget: int = 60) -> Graph:
    """The smallest graph reached from `graph` by reductions for which `fails` stays true
    (`fails` is called at most `budget` times)."""
    calls = 0
    improved = True
    while improved and calls < budget:
        improved = False
        for candidate in reductions(graph):
            calls += 1
            if fails(candidate):
                graph, improved = candidate, True
                break
            if calls >= budget:
                break
    return graph


def reductions(graph: Graph) -> Iterator[Graph]:
    """Smaller valid graphs, the most reducing first."""
    produced = {name: op for op in graph.ops for name in op.outputs}
    cuts = [name for op in reversed(graph.ops) for name in op.inputs  # before the last ops first
            if name in produced and len(produced[name].outputs) == 1 and name not in graph.outputs]
    for name in dict.fromkeys(cuts):
        yield prune(cut(graph, name))
    if len(graph.outputs) > 1:
        for name in graph.outputs:
            yield prune(replace(graph, outputs=[o for o in graph.outputs if o != name]))
    for name in graph.outputs:  # an output moves up to its producer's first computed input
        up = next((i for i in produced[name].inputs if i in produced), None) if name in produced else None
        if up is not None and up not in graph.outputs:
            yield prune(replace(graph, outputs=[up if o == name else o for o in graph.outputs]))


def cut(graph: Graph, name: str) -> Graph:
    """`name` becomes a graph input; its producer goes."""
    ops = [op for op in graph.ops if name not in op.outputs]
    return replace(graph, ops=ops, inputs=[*graph.inputs, name])


def prune(graph: Graph) -> Graph:
    """Without the ops, inputs and tensors the outputs do not need."""
    needed = set(graph.outputs)
    kept = []
    for op in reversed(graph.ops):
        if needed & set(op.outputs):
            kept.append(op)
            needed |= set(op.inputs)
    ops = kept[::-1]
    inputs = [i for i in graph.inputs if i in needed]
    used = needed | {name for op in ops for name in op.outputs}
    tensors = [t for t in graph.tensors if t.name in used]
    return replace(graph, tensors=tensors, ops=ops, inputs=inputs, features=set(graph.features))
