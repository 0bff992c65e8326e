"""The checked-in JSON Schema is generated from the Structs and must not drift."""

from __future__ import annotations

import json

from helpers import DATA, dump_header
from numbast import ir
from numbast.ir.schema import checked_in_schema_path


def test_checked_in_schema_matches_the_structs():
    path = checked_in_schema_path()
    assert path.exists(), "run `canopy schema > schema/numbast-ir-1.schema.json`"
    assert path.read_text() == ir.json_schema_text(), (
        "schema/ drifted from ir/model.py: regenerate it with "
        "`canopy schema > schema/numbast-ir-1.schema.json`"
    )


def test_schema_describes_a_real_document():
    schema = json.loads(ir.json_schema_text())
    doc = json.loads(ir.dumps(dump_header(DATA / "templates.cuh")))
    defs = schema["$defs"]
    top = defs["APIDocument"]
    assert set(doc) <= set(top["properties"])
    kinds = {d["kind"] for d in doc["declarations"]}
    tags = {
        v["properties"]["kind"]["enum"][0]
        for v in defs.values()
        if "kind" in v.get("properties", {}) and "enum" in v["properties"]["kind"]
    }
    assert kinds <= tags
