"""Helpers the tests share: dumping headers, golden files, looking declarations up."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from numbast import ir

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).parent.parent / "examples" / "configs"  # the shipped configs
GOLDEN = DATA / "golden"
UPDATE = os.environ.get("NUMBAST_UPDATE_GOLDEN") == "1"


def dump_header(*headers, **options) -> ir.APIDocument:
    """Run the frontend in-process and return the IR document."""
    from numbast.frontend import DumpOptions, dump

    return dump(DumpOptions(headers=[str(h) for h in headers], **options))


def assert_golden(name: str, value: object) -> None:
    """Compare `value` (JSON-able) with tests/data/golden/<name>.json.

    NUMBAST_UPDATE_GOLDEN=1 rewrites the file instead; review its diff before committing.
    """
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        path.write_text(json.dumps(value, indent=1) + "\n")
        return
    if not path.exists():
        pytest.fail(f"no golden file {path}; run with NUMBAST_UPDATE_GOLDEN=1 to create it")
    assert json.loads(path.read_text()) == value, f"IR differs from {path}"


def by_name(doc: ir.APIDocument, name: str, kind: str | None = None) -> list:
    """Declarations called `name` (qualified or not), optionally of one kind."""
    return [
        d
        for d in doc.declarations
        if name in (d.name, d.qualified_name) and (kind is None or ir.decl_kind(d) == kind)
    ]


def one(doc: ir.APIDocument, name: str, kind: str | None = None):
    found = by_name(doc, name, kind)
    assert len(found) == 1, f"{name}: {len(found)} declarations"
    return found[0]
