"""Bad input: one clear line, non-zero exit, and no output file written or damaged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import DATA, dump_header
from numbast.frontend import FrontendError

CANOPY = [sys.executable, "-m", "numbast.tools.canopy"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CANOPY, *args], capture_output=True, text=True, cwd=cwd)


def test_syntax_error_fails_with_location_and_writes_nothing(tmp_path):
    out = tmp_path / "api.json"
    r = run("dump", str(DATA / "syntax_error.cuh"), "-o", str(out))
    assert r.returncode == 1
    assert "syntax_error.cuh:4:29: error: expected ';' after top level declarator" in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_existing_output_is_untouched_on_error(tmp_path):
    out = tmp_path / "api.json"
    out.write_text("keep me")
    r = run("dump", str(DATA / "syntax_error.cuh"), "-o", str(out))
    assert r.returncode == 1 and out.read_text() == "keep me"


def test_keep_going_records_diagnostics(tmp_path):
    doc = dump_header(DATA / "syntax_error.cuh", keep_going=True)
    [diag] = doc.header.diagnostics
    assert (diag.severity, diag.location) == ("error", "syntax_error.cuh:4:29")
    assert "expected ';'" in diag.message
    assert "After" in {d.name for d in doc.declarations}


@pytest.mark.parametrize(
    "args, message",
    [
        (["dump", "no_such_header.cuh"], "no_such_header.cuh: header not found"),
        (
            ["dump", "-I", "/no/such/dir", "cuda_bf16.h"],
            "/no/such/dir: include directory not found",
        ),
        (["dump", "--arch", "90", "cuda_bf16.h"], "--arch: '90' is not a GPU architecture"),
        (["dump", str(DATA)], "not a file"),
    ],
)
def test_bad_arguments_give_one_line(args, message):
    r = run(*args)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr


def test_frontend_error_type():
    with pytest.raises(FrontendError, match="header not found"):
        dump_header("definitely_missing.h")


@pytest.mark.parametrize(
    "header, warning",
    [
        ("mma.h", "only includes other headers: followed into crt/mma.h"),
        ("sm_30_intrinsics.h", "no declarations retained"),
        ("sm_20_intrinsics.h", "cannot overload __device__ function '__nv_bswap16'"),
    ],
)
def test_headers_that_forward_or_are_replaced_are_never_silent(header, warning):
    """A dump that follows a forwarding header, retains nothing, or meets a clang-only rule
    says so in a warning (kept in the IR) instead of failing or staying silent."""
    doc = dump_header(header)
    warnings = [d.message for d in doc.header.diagnostics if d.severity == "warning"]
    assert any(warning in w for w in warnings), warnings
    if header != "sm_30_intrinsics.h":
        assert doc.declarations


def test_dump_cache(tmp_path, monkeypatch):
    """A repeat dump answers from the user cache; editing an included header, --no-cache or
    a corrupt entry parse again."""
    import importlib

    from numbast.frontend import DumpOptions, dump

    parse_module = importlib.import_module("numbast.frontend.parse")
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "inner.cuh").write_text("__device__ int inner(int x);\n")
    top = tmp_path / "top.cuh"
    top.write_text('#include "inner.cuh"\n__device__ int top(int x);\n')
    parses = []
    real = parse_module.cindex

    def counting():
        ci = real()
        parses.append(1)
        return ci

    monkeypatch.setattr(parse_module, "cindex", counting)
    options = DumpOptions(headers=[str(top)], retain=[str(tmp_path / "inner.cuh")])
    first = dump(options)
    n = len(parses)
    assert dump(options) == first and len(parses) == n  # from the cache: clang not asked
    (tmp_path / "inner.cuh").write_text("__device__ long inner(int x);\n")  # an included file
    changed = dump(options)
    assert len(parses) > n and changed != first
    n = len(parses)
    dump(DumpOptions(headers=[str(top)], retain=[str(tmp_path / "inner.cuh")], use_cache=False))
    assert len(parses) > n
    for entry in (tmp_path / "cache" / "ir").glob("*.json"):
        entry.write_text('{"format": 1, "files": {"x": "y"}, "ir": "[}"')
    n = len(parses)
    assert dump(options) == changed and len(parses) > n  # corrupt: ignored and replaced
    n = len(parses)
    assert dump(options) == changed and len(parses) == n
