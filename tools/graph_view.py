"""`canopy graph`: the dependency graph of an IR document as Graphviz DOT or Mermaid."""

from __future__ import annotations

from typing import TYPE_CHECKING

from numbast import ir

from .errors import ToolError

if TYPE_CHECKING:
    import networkx as nx


class GraphError(ToolError):
    """The requested root is not in the document."""


def _labels(doc: ir.APIDocument) -> dict[str, str]:
    labels = {}
    for d in doc.declarations:
        labels[d.id] = f"{d.qualified_name} ({ir.decl_kind(d)})"
        if isinstance(d, ir.model.RECORD_KINDS):
            for m in (*d.constructors, *d.methods, *([d.destructor] if d.destructor else [])):
                labels[m.id] = f"{d.qualified_name}::{m.name}"
    return labels


def subgraph(doc: ir.APIDocument, root: str | None) -> tuple[nx.DiGraph, dict[str, str]]:
    """The whole graph, or what `root` (an id or qualified name) depends on, with it."""
    graph = ir.DependencyGraph(doc).graph
    labels = _labels(doc)
    if root is None:
        return graph, labels
    matches = [i for i in graph if i == root] or [
        d.id for d in doc.declarations if root in (d.qualified_name, d.name)
    ]
    if not matches:
        raise GraphError(f"--root {root}: no declaration with that id or name")
    keep = set(matches)
    for m in matches:
        import networkx as nx

        keep |= nx.descendants(graph, m)
    return graph.subgraph(keep), labels


def _ordered(graph: nx.DiGraph) -> tuple[list[str], list[tuple[str, str, str]]]:
    nodes = sorted(graph.nodes)
    edges = sorted((u, v, d.get("kind", "")) for u, v, d in graph.edges(data=True))
    return nodes, edges


def to_dot(graph: nx.DiGraph, labels: dict[str, str]) -> str:
    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'

    nodes, edges = _ordered(graph)
    out = ["digraph api {", "  rankdir=LR;", "  node [shape=box, fontsize=10];"]
    out += [f"  {q(n)} [label={q(labels.get(n, n))}];" for n in nodes]
    out += [f"  {q(u)} -> {q(v)} [label={q(k)}];" for u, v, k in edges]
    return "\n".join(out) + "\n}\n"


def to_mermaid(graph: nx.DiGraph, labels: dict[str, str]) -> str:
    def q(text: str) -> str:
        return '"' + text.replace('"', "#quot;").replace("\n", " ") + '"'

    nodes, edges = _ordered(graph)
    ids = {n: f"n{i}" for i, n in enumerate(nodes)}
    out = ["flowchart LR"]
    out += [f"  {ids[n]}[{q(labels.get(n, n))}]" for n in nodes]
    out += [f"  {ids[u]} -->|{k}| {ids[v]}" for u, v, k in edges]
    return "\n".join(out) + "\n"
