"""The dependency graph of a document as a networkx DiGraph, and the order to emit it in."""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from .model import RECORD_KINDS, APIDocument, Edge, decl_kind

# Declarations that other declarations can name as types: emitted first inside a cycle.
_TYPE_KINDS = {
    "record",
    "class_template",
    "class_template_partial",
    "enum",
    "typedef",
    "alias_template",
}


class DependencyGraph:
    """Nodes are declaration and member ids; an edge u -> v means u depends on v."""

    def __init__(self, doc: APIDocument):
        self.graph = nx.DiGraph()
        self._rank: dict[str, tuple[int, int]] = {}
        for pos, decl in enumerate(doc.declarations):
            self._add(decl.id, decl_kind(decl), pos, 0)
            if isinstance(decl, RECORD_KINDS):
                members = list(decl.constructors) + list(decl.methods)
                if decl.destructor is not None:
                    members.append(decl.destructor)
                for sub, m in enumerate(members, start=1):
                    self._add(m.id, "method", pos, sub)
        for edge in doc.edges:
            self.graph.add_edge(edge.source, edge.target, kind=edge.kind)

    def _add(self, ident: str, kind: str, pos: int, sub: int) -> None:
        self.graph.add_node(ident, kind=kind)
        self._rank[ident] = (pos, sub)

    def _key(self, ident: str) -> tuple:
        is_type = self.graph.nodes[ident].get("kind") in _TYPE_KINDS
        return (0 if is_type else 1, self._rank.get(ident, (1 << 30, 0)), ident)

    def emit_order(self) -> list[str]:
        """Every node, dependencies before dependents, deterministically.

        Cycles (A's method returns B, B's method takes A; or records that point at each other)
        are broken by emitting the types of a strongly connected component before its other
        members, then by source position.
        """
        cond = nx.condensation(self.graph)
        members = cond.graph["mapping"]
        groups: dict[int, list[str]] = {}
        for node, comp in members.items():
            groups.setdefault(comp, []).append(node)
        for comp in groups.values():
            comp.sort(key=self._key)
        # Edges point from dependent to dependency: emit in reverse topological order.
        order = nx.lexicographical_topological_sort(
            cond.reverse(copy=False), key=lambda c: self._key(groups[c][0])
        )
        return [node for comp in order for node in groups[comp]]

    def dependents(self, ident: str) -> set[str]:
        """Everything that reaches `ident` through the graph (what a change to it affects)."""
        return nx.ancestors(self.graph, ident) if ident in self.graph else set()

    def edges_of(self, ident: str) -> Iterable[Edge]:
        for _, target, data in self.graph.out_edges(ident, data=True):
            yield Edge(source=ident, target=target, kind=data["kind"])
