"""The `canopy` command line: dump, validate and schema, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from helpers import DATA
from numbast import ir

CANOPY = [sys.executable, "-m", "numbast.tools.canopy"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CANOPY, *args], capture_output=True, cwd=cwd)


def test_dump_is_byte_identical_from_two_working_directories(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b" / "deeper"
    a.mkdir()
    b.mkdir(parents=True)
    header = DATA / "records.cuh"
    # The same file from another folder, and standard output in the file's folder.
    first = run("dump", str(header), "-o", str(b / "api.json"), cwd=a)
    second = run("dump", str(header), cwd=b)
    assert first.returncode == 0 and second.returncode == 0
    assert (b / "api.json").read_bytes() == second.stdout
    # No absolute path: the sample folder is recorded relative to the IR's folder.
    roots = json.loads(second.stdout)["header"]["include_roots"]
    assert [r["dir"] for r in roots if "dir" in r] == [os.path.relpath(DATA, b)]


def test_dump_of_a_real_header_twice_is_identical(tmp_path):
    r1 = run("dump", "cuda_fp16.h", cwd=tmp_path)
    r2 = run("dump", "cuda_fp16.h")
    assert r1.returncode == 0 and r1.stdout == r2.stdout
    assert b"/site-packages/" not in r1.stdout
    assert "declarations" in r1.stderr.decode()


def test_validate_accepts_a_dump_and_rejects_edits(tmp_path):
    api = tmp_path / "api.json"
    assert run("dump", str(DATA / "operators.cuh"), "-o", str(api)).returncode == 0
    ok = run("validate", str(api))
    assert ok.returncode == 0 and b"valid" in ok.stderr

    doc = json.loads(api.read_text())
    cases = {
        "wrong_type": lambda d: d["declarations"][0].update(size="big"),
        "unknown_kind": lambda d: d["declarations"][1].update(kind="concept"),
        "dangling_edge": lambda d: d["edges"].append(
            {"from": d["declarations"][0]["id"], "to": "c:@S@Nowhere", "kind": "field_type"}
        ),
        "newer_major": lambda d: d["header"].update(version="9.0"),
    }
    expected = {
        "wrong_type": "$.declarations[0].size: Expected `int | null`, got `str`",
        "unknown_kind": "$.declarations[1].kind: Invalid value 'concept'",
        "dangling_edge": "refers to unknown id 'c:@S@Nowhere'",
        "newer_major": "$.header.version: IR version 9.0 is newer than this reader supports",
    }
    for name, edit in cases.items():
        bad = json.loads(json.dumps(doc))
        edit(bad)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(bad))
        r = run("validate", str(path))
        assert r.returncode == 1, name
        assert expected[name] in r.stderr.decode(), (name, r.stderr)
        assert b"Traceback" not in r.stderr


def test_schema_command_prints_the_checked_in_schema():
    r = run("schema")
    assert r.returncode == 0
    assert r.stdout.decode() == ir.json_schema_text()


def test_retain_adds_an_included_header(tmp_path):
    r = run("dump", str(DATA / "includes_other.cuh"), "--retain", str(DATA / "enums.cuh"))
    names = {d["name"] for d in json.loads(r.stdout)["declarations"]}
    assert {"next_color", "Color", "Round"} <= names


def test_cache_info_and_clear(tmp_path):
    import os

    env = dict(os.environ, NUMBAST_CACHE_DIR=str(tmp_path / "cache"))

    def run(*a):
        return subprocess.run([sys.executable, "-m", *a], capture_output=True, text=True, env=env)

    r = run(
        "numbast.tools.canopy", "dump", str(DATA / "functions.cuh"), "-o", str(tmp_path / "f.json")
    )
    assert r.returncode == 0, r.stderr
    info = run("numbast.tools.numbast_cli", "cache", "info")
    assert str(tmp_path / "cache") in info.stdout and re.search(r"ir\s+1 entries", info.stdout)
    assert run("numbast.tools.numbast_cli", "cache", "clear").returncode == 0
    assert re.search(r"ir\s+0 entries", run("numbast.tools.numbast_cli", "cache", "info").stdout)
