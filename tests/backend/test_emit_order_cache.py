"""The emit order of an IR document is kept in the user cache: a repeat emit neither builds
the dependency graph nor imports networkx, and gets the same order; a damaged entry is made
again."""

from __future__ import annotations

import pytest

from helpers import DATA
from numbast import ir
from numbast.backend.plan import emit_order


def test_order_is_the_graphs_and_served_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path))
    doc = ir.load(DATA / "ir" / "cuda_bf16.json")
    expected = ir.DependencyGraph(doc).emit_order()
    assert emit_order(doc) == expected
    (entry,) = (tmp_path / "order").iterdir()

    def no_graph(*args, **kwargs):
        raise AssertionError("the graph was built again")

    monkeypatch.setattr(ir, "DependencyGraph", no_graph)
    assert emit_order(doc) == expected
    entry.write_text("{not json")
    with pytest.raises(AssertionError, match="built again"):
        emit_order(doc)
