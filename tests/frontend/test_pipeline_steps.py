"""The dump's named steps, each on its own: check_options, resolve_inputs, clang_command,
parse, triage, walk_retained, and the cache wrapper around them."""

from __future__ import annotations

from pathlib import Path

import pytest

from numbast import ir
from numbast.frontend import DumpOptions, FrontendError, cache
from numbast.frontend.dump import build, plan, walk_retained
from numbast.frontend.inputs import check_options, clang_command, resolve_inputs
from numbast.frontend.parse import parse
from numbast.frontend.triage import triage


def _header(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text("#pragma once\n" + text)
    return path


@pytest.mark.parametrize(
    "options, message",
    [
        (DumpOptions(headers=[]), "no header given"),
        (DumpOptions(headers=["a.h"], arch="90"), "--arch: '90' is not a GPU architecture"),
        (DumpOptions(headers=["a.h"], arch="sm_9x"), "expected sm_XY"),
        (DumpOptions(headers=["a.h"], include_dirs=["/no/such/dir"]), "/no/such/dir: include"),
    ],
)
def test_check_options_refuses_before_any_search(options, message):
    with pytest.raises(ir.NumbastError, match=message):
        check_options(options)


def test_resolve_inputs_finds_companions_and_records_every_probe(tmp_path):
    top = _header(tmp_path, "mylib.cuh", '#include "mylib.hpp"\n__device__ int f(int);\n')
    _header(tmp_path, "mylib.hpp", "__device__ int g(int);\n")
    _header(tmp_path, "other.cuh", "__device__ int h(int);\n")
    inputs = resolve_inputs(DumpOptions(headers=["mylib.cuh"], include_dirs=[str(tmp_path)]))
    assert inputs.headers == (top.resolve(),)
    # Its companion (same stem) is retained; another header of the folder is not.
    assert [p.name for p in inputs.retained] == ["mylib.cuh", "mylib.hpp"]
    assert str(tmp_path / "mylib.cuh") in inputs.probes
    assert any(r.user for r in inputs.roots)


def test_resolve_inputs_names_a_missing_header():
    with pytest.raises(FrontendError, match="nothing_here.cuh"):
        resolve_inputs(DumpOptions(headers=["nothing_here.cuh"]))


def test_clang_command_is_device_only_cuda_with_user_folders_first(tmp_path):
    header = _header(tmp_path, "a.cuh", "__device__ int f(int);\n")
    options = DumpOptions(
        headers=[str(header)], include_dirs=[str(tmp_path)], defines=["N=4"], arch="sm_80"
    )
    command = clang_command(options, resolve_inputs(options))
    args = list(command.args)
    assert args[:3] == ["-x", "cuda", "--cuda-device-only"]
    assert "--cuda-gpu-arch=sm_80" in args and "-DN=4" in args and "-std=c++17" in args
    includes = [args[i + 1] for i, a in enumerate(args) if a == "-I"]
    assert includes[0] == str(tmp_path.resolve())
    assert command.main == f'#include "{header.resolve()}"\n'


def _parsed(tmp_path, text: str, **options):
    header = _header(tmp_path, "t.cuh", text)
    opts = DumpOptions(headers=[str(header)], **options)
    inputs = resolve_inputs(opts)
    return parse(clang_command(opts, inputs), str(header)), inputs


def test_parse_reads_a_trailing_template_comma_as_absent(tmp_path):
    text = "template <int... N> struct L {};\nusing Two = L<1, 2, >;\n"
    parsed, inputs = _parsed(tmp_path, text)
    assert parsed.trailing_commas == ((str(tmp_path / "t.cuh"), 3),)
    (warning,) = triage(parsed, inputs.sources(), keep_going=False)
    assert warning.severity == "warning" and warning.location == "t.cuh:3"


def test_triage_fails_on_the_first_error_naming_file_and_line(tmp_path):
    parsed, inputs = _parsed(tmp_path, "__device__ int f(int;\n__device__ undefined_t g();\n")
    with pytest.raises(FrontendError, match=r"t\.cuh:2:\d+: error: .*\(and 1 more"):
        triage(parsed, inputs.sources(), keep_going=False)
    recorded = triage(parsed, inputs.sources(), keep_going=True)
    assert [d.severity for d in recorded] == ["error", "error"]
    assert all(d.location.startswith("t.cuh:") for d in recorded)


def test_walk_retained_follows_forwarding_headers_within_their_root(tmp_path):
    """t.cuh only includes fwd.h, which only includes impl/api.h: the walk follows both
    levels (the second inside the header's own include root) and says so."""
    (tmp_path / "impl").mkdir()
    _header(tmp_path / "impl", "api.h", "__device__ int real_api(int);\n")
    _header(tmp_path, "fwd.h", '#include "impl/api.h"\n')
    parsed, inputs = _parsed(tmp_path, '#include "fwd.h"\n', include_dirs=[str(tmp_path)])
    walked = walk_retained(parsed.tu, inputs)
    assert {d.name for d in walked.decls.values()} == {"real_api"}
    assert {p.name for p in walked.retained} == {"t.cuh", "fwd.h", "api.h"}
    (note,) = walked.notes
    assert "followed into" in note.message and "impl/api.h" in note.message


def test_walk_retained_says_when_nothing_is_retained(tmp_path):
    parsed, inputs = _parsed(tmp_path, "#include <cuda_runtime.h>\n")
    walked = walk_retained(parsed.tu, inputs)
    assert walked.decls == {}
    assert any("no declarations retained" in n.message for n in walked.notes)


def test_build_returns_the_document_and_every_file_it_depends_on(tmp_path):
    inner = _header(tmp_path, "inner.cuh", "struct In { int v; };\n")
    top = _header(tmp_path, "top.cuh", '#include "inner.cuh"\n__device__ In make();\n')
    doc, files = build(plan(DumpOptions(headers=[str(top)], use_cache=False)))
    assert {d.name for d in doc.declarations} == {"make"}
    assert str(top.resolve()) in files and str(inner) in files
    assert [i.path for i in doc.header.inputs] == ["top.cuh"]


def test_cache_through_answers_by_request_then_by_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))
    header = _header(tmp_path, "c.cuh", "__device__ int f(int);\n")
    options = DumpOptions(headers=[str(header)])
    calls = []

    def counted_plan():
        calls.append("plan")
        return plan(options)

    def counted_build(p):
        calls.append("build")
        return build(p)

    first = cache.through(options, counted_plan, counted_build)
    assert calls == ["plan", "build"]
    assert cache.through(options, counted_plan, counted_build) == first
    assert calls == ["plan", "build"]  # the request answered: nothing resolved
    for request in (tmp_path / "cache" / "ir").glob("request-*.json"):
        request.unlink()
    assert cache.through(options, counted_plan, counted_build) == first
    assert calls == ["plan", "build", "plan"]  # the entry answered: resolved, not parsed
    for entry in (tmp_path / "cache" / "ir").glob("*.json"):
        entry.write_text("{}")  # damaged: never served, made again
    assert cache.through(options, counted_plan, counted_build) == first
    assert calls[-1] == "build"


def test_cache_through_without_the_cache_always_builds(tmp_path):
    header = _header(tmp_path, "n.cuh", "__device__ int f(int);\n")
    options = DumpOptions(headers=[str(header)], use_cache=False)
    built = []
    doc = cache.through(options, lambda: plan(options), lambda p: built.append(1) or build(p))
    cache.through(options, lambda: plan(options), lambda p: built.append(1) or build(p))
    assert built == [1, 1] and isinstance(doc, ir.APIDocument)
