"""The dependency graph: emit order puts dependencies first and breaks cycles types-first."""

from __future__ import annotations

from pathlib import Path

from helpers import dump_header
from numbast import ir

CYCLE = """
struct B;
struct A { B *b; __device__ B make_b() const; };
struct B { A *a; __device__ void take(A a); };
typedef A A_t;
__device__ A_t identity(A_t x);
"""


def test_emit_order_with_cycles(tmp_path: Path):
    header = tmp_path / "cycle.cuh"
    header.write_text(CYCLE)
    doc = dump_header(header)
    assert ir.check(doc) == []
    graph = ir.DependencyGraph(doc)
    order = graph.emit_order()
    pos = {node: i for i, node in enumerate(order)}
    a, b = "c:@S@A", "c:@S@B"
    # A and B reach each other through pointer fields: both types come before any member.
    members = [m.id for d in doc.declarations if isinstance(d, ir.Record) for m in d.methods]
    assert max(pos[a], pos[b]) < min(pos[m] for m in members)
    assert pos["c:@T@A_t"] < pos["c:@F@identity#$@S@A#"]
    for edge in doc.edges:  # every edge outside a cycle points backwards in the order
        if {edge.source, edge.target} != {a, b}:
            assert pos[edge.target] < pos[edge.source], edge
    assert order == ir.DependencyGraph(doc).emit_order()
    assert graph.dependents(a) >= {"c:@T@A_t", "c:@F@identity#$@S@A#", b}
