"""`canopy graph`: DOT and Mermaid views of the dependency graph, whole or from a root."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import DATA, dump_header
from numbast import ir
from numbast.tools.diff.report import schema_text


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("graph") / "typedefs.json"
    ir.save(dump_header(DATA / "typedefs.cuh"), path)
    return path


def _graph(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numbast.tools.canopy", "graph", *args],
        capture_output=True,
        text=True,
    )


def test_dot_of_the_whole_graph(api):
    r = _graph(str(api))
    assert r.returncode == 0 and r.stdout.startswith("digraph api {")
    assert '"c:@T@pair_t" -> "c:@S@Pair" [label="aliases"];' in r.stdout
    assert '[label="make_pair (function)"]' in r.stdout


def test_mermaid_from_a_root(api):
    r = _graph(str(api), "--format", "mermaid", "--root", "make_pair")
    lines = r.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    labels = [ln for ln in lines if "[" in ln]
    assert len(labels) == 5  # make_pair, pair_t, Pair, int_alias, u64
    assert not any("handle" in ln for ln in lines)  # not reachable from make_pair
    assert any("-->|return_type|" in ln for ln in lines)


def test_unknown_root_is_one_line_error(api):
    r = _graph(str(api), "--root", "nope")
    assert r.returncode == 1 and r.stderr.strip().endswith(
        "--root nope: no declaration with that id or name"
    )


def test_checked_in_diff_schema_matches():
    path = Path(__file__).resolve().parents[2] / "schema" / "numbast-api-diff-1.schema.json"
    assert path.read_text() == schema_text()
