"""Reading and writing api.json: round trips, strict decoding with JSON paths, versions."""

from __future__ import annotations

import copy
import json
import os

import pytest

from helpers import DATA, dump_header
from numbast import ir


@pytest.fixture(scope="module")
def _records_json() -> dict:
    return json.loads(ir.dumps(dump_header(DATA / "records.cuh")))


@pytest.fixture
def records_json(_records_json) -> dict:
    """A fresh copy each test may edit."""
    return copy.deepcopy(_records_json)


def _load(obj: dict) -> ir.APIDocument:
    return ir.loads(json.dumps(obj))


def test_round_trip_is_byte_identical(records_json):
    text = json.dumps(records_json)
    doc = ir.loads(text)
    assert ir.dumps(doc) == ir.dumps(ir.loads(ir.dumps(doc)))
    assert json.loads(ir.dumps(doc)) == records_json


def test_wrong_field_type_names_the_json_path(records_json):
    records_json["declarations"][0]["fields"][1]["offset"] = "sixty-four"
    with pytest.raises(ir.IRError) as err:
        _load(records_json)
    assert err.value.path == "$.declarations[0].fields[1].offset"
    assert "Expected `int | null`, got `str`" in err.value.message


def test_unknown_field_is_rejected(records_json):
    records_json["declarations"][2]["colour"] = "red"
    with pytest.raises(ir.IRError) as err:
        _load(records_json)
    assert err.value.path == "$.declarations[2]"
    assert "colour" in err.value.message


def test_unknown_declaration_kind_is_rejected(records_json):
    records_json["declarations"][1]["kind"] = "concept"
    with pytest.raises(ir.IRError) as err:
        _load(records_json)
    assert err.value.path == "$.declarations[1].kind"
    assert "concept" in err.value.message


def test_newer_major_is_rejected(records_json):
    records_json["header"]["version"] = "2.0"
    with pytest.raises(ir.IRError) as err:
        _load(records_json)
    assert err.value.path == "$.header.version"
    assert "newer than this reader supports" in err.value.message


@pytest.mark.parametrize("bad", ["1", "one.zero", 1.0, "1.0.0", "1.3\n", "1\n.3", "1.٣"])
def test_malformed_version(records_json, bad):
    records_json["header"]["version"] = bad
    with pytest.raises(ir.IRError, match="MAJOR.MINOR"):
        _load(records_json)


def test_newer_minor_is_read_without_its_new_optional_fields(records_json):
    records_json["header"]["version"] = f"{ir.IR_VERSION.split('.')[0]}.99"
    records_json["header"]["future_field"] = {"a": 1}
    records_json["declarations"][0]["future_flag"] = True
    records_json["declarations"][0]["fields"][0]["future_note"] = "x"
    doc = _load(records_json)
    assert doc.declarations[0].name == "Plain"


def test_older_minor_lacking_optional_fields_is_read(records_json):
    records_json["header"].pop("inputs")
    records_json["header"].pop("include_roots")
    records_json["header"]["version"] = f"{ir.IR_VERSION.split('.')[0]}.0"
    assert _load(records_json).header.inputs == []


def test_not_an_ir_document():
    with pytest.raises(ir.IRError, match="not valid JSON"):
        ir.loads(b"{nope")
    with pytest.raises(ir.IRError, match="format"):
        ir.loads(b'{"header": {"format": "other", "version": "1.0"}}')


def test_check_finds_dangling_edges_and_duplicate_ids(records_json):
    records_json["edges"].append({"from": "c:@S@Plain", "to": "c:@S@Missing", "kind": "field_type"})
    dup = dict(records_json["declarations"][0])
    records_json["declarations"].append(dup)
    problems = ir.check(_load(records_json))
    n = len(records_json["edges"]) - 1
    assert (f"$.edges[{n}].to", "refers to unknown id 'c:@S@Missing'") in [
        (p.path, p.message) for p in problems
    ]
    last = len(records_json["declarations"]) - 1
    assert any(
        p.path == f"$.declarations[{last}].id" and "duplicate" in p.message for p in problems
    )


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, records_json, monkeypatch):
    target = tmp_path / "api.json"
    target.write_text("precious")
    doc = _load(records_json)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ir.io.os, "replace", boom)
    with pytest.raises(RuntimeError):
        ir.save(doc, target)
    assert target.read_text() == "precious"
    assert list(tmp_path.iterdir()) == [target]
    monkeypatch.undo()
    ir.save(doc, target)
    assert ir.load(target) == doc  # its folders written relative, read back absolute


def test_user_include_folders_are_written_relative_to_the_file(tmp_path, records_json):
    doc = _load(records_json)
    absolute = ir.root_folders(doc, "/nowhere")
    assert absolute and all(os.path.isabs(d) for d in absolute)  # in memory: where they are
    (tmp_path / "deep" / "er").mkdir(parents=True)
    target = tmp_path / "deep" / "er" / "api.json"
    ir.save(doc, target)
    written = json.loads(target.read_text())["header"]["include_roots"]
    assert all(not os.path.isabs(r["dir"]) for r in written if "dir" in r)
    # Read back from where it lies, the folders are the same ones.
    assert ir.root_folders(ir.load(target), target.parent) == absolute
