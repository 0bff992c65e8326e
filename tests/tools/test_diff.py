"""`canopy diff` as a table: (old header, new header, expected change kinds and classes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import dump_header
from numbast import ir
from numbast.tools.diff import KINDS, DiffReport, diff, make_report, render, report_schema

F = "__device__ int f(int a);"
S = "struct S { int a; };"
M = "struct S { int a; __device__ int get() const; };"
T = "template <typename T> struct Box { T x; };"

# (row id, old header text, new header text, {(kind, class), ...})
ROWS = [
    ("decl.added", "", F, {("decl.added", "compatible")}),
    ("decl.removed", F, "", {("decl.removed", "breaking")}),
    ("overload.added", F, F + "__device__ float f(float a);", {("overload.added", "compatible")}),
    (
        "overload.removed",
        F + "__device__ float f(float a);__device__ double f(double a);",
        F,
        {("overload.removed", "breaking")},
    ),
    ("param.added", F, "__device__ int f(int a, int b);", {("param.added", "breaking")}),
    (
        "param.added.with_default",
        F,
        "__device__ int f(int a, int b = 0);",
        {("param.added", "compatible")},
    ),
    ("param.removed", "__device__ int f(int a, int b);", F, {("param.removed", "breaking")}),
    ("param.renamed", F, "__device__ int f(int count);", {("param.renamed", "info")}),
    ("param.type_changed", F, "__device__ int f(long a);", {("param.type_changed", "breaking")}),
    (
        "param.default_added",
        F,
        "__device__ int f(int a = 1);",
        {("param.default_added", "compatible")},
    ),
    (
        "param.default_removed",
        "__device__ int f(int a = 1);",
        F,
        {("param.default_removed", "breaking")},
    ),
    (
        "param.default_changed",
        "__device__ int f(int a = 1);",
        "__device__ int f(int a = 2);",
        {("param.default_changed", "info")},
    ),
    ("return.type_changed", F, "__device__ long f(int a);", {("return.type_changed", "breaking")}),
    (
        "exec_space.narrowed",
        "__host__ __device__ int f(int a);",
        F,
        {("exec_space.changed", "breaking")},
    ),
    (
        "exec_space.widened",
        F,
        "__host__ __device__ int f(int a);",
        {("exec_space.changed", "compatible")},
    ),
    (
        "noexcept.changed",
        F,
        "__device__ int f(int a) noexcept;",
        {("noexcept.changed", "compatible")},
    ),
    (
        "constexpr.changed",
        "__device__ constexpr int f(int a) { return a; }",
        "__device__ inline int f(int a) { return a; }",
        {("constexpr.changed", "breaking")},
    ),
    (
        "deleted.changed",
        "__device__ void f(long);",
        "__device__ void f(long) = delete;",
        {("deleted.changed", "breaking")},
    ),
    (
        "record.size_changed",
        S,
        "struct S { int a; int b; };",
        {("record.size_changed", "breaking"), ("field.added", "breaking")},
    ),
    (
        "record.align_changed",
        "struct alignas(8) S { int a; int b; };",
        "struct alignas(16) S { int a; int b; };",
        {("record.align_changed", "breaking"), ("record.size_changed", "breaking")},
    ),
    ("record.tag_changed", S, "class S { public: int a; };", {("record.tag_changed", "breaking")}),
    (
        "field.removed",
        "struct S { int a; int b; };",
        S,
        {("field.removed", "breaking"), ("record.size_changed", "breaking")},
    ),
    (
        "field.offset_changed",
        "struct S { int a; int b; };",
        "struct S { int b; int a; };",
        {("field.offset_changed", "breaking")},
    ),
    ("field.type_changed", S, "struct S { float a; };", {("field.type_changed", "breaking")}),
    (
        "base.changed",
        "struct B { }; struct C { }; struct D : B { int x; };",
        "struct B { }; struct C { }; struct D : C { int x; };",
        {("base.changed", "breaking")},
    ),
    (
        "method.added",
        M,
        "struct S { int a; __device__ int get() const; __device__ void set(int);};",
        {("method.added", "compatible")},
    ),
    ("method.removed", M, S, {("method.removed", "breaking")}),
    (
        "method.changed",
        M,
        "struct S { int a; __device__ int get(); };",
        {("method.changed", "breaking")},
    ),
    ("enumerator.added", "enum E { A };", "enum E { A, B };", {("enumerator.added", "compatible")}),
    (
        "enumerator.removed",
        "enum E { A, B };",
        "enum E { A };",
        {("enumerator.removed", "breaking")},
    ),
    (
        "enumerator.value_changed",
        "enum E { A = 1 };",
        "enum E { A = 2 };",
        {("enumerator.value_changed", "breaking")},
    ),
    (
        "enum.underlying_changed",
        "enum E : int { A };",
        "enum E : long { A };",
        {("enum.underlying_changed", "breaking")},
    ),
    (
        "enum.scoped_changed",
        "enum E : int { A };",
        "enum class E : int { A };",
        {("enum.scoped_changed", "breaking")},
    ),
    (
        "typedef.target_changed",
        "typedef int T;",
        "typedef long T;",
        {("typedef.target_changed", "breaking")},
    ),
    (
        "template_param.added",
        T,
        "template <typename T, int N> struct Box { T x; };",
        {("template_param.added", "breaking")},
    ),
    (
        "template_param.added.with_default",
        T,
        "template <typename T, int N = 4> struct Box { T x; };",
        {("template_param.added", "compatible")},
    ),
    (
        "template_param.removed",
        "template <typename T, int N> struct Box { T x; };",
        T,
        {("template_param.removed", "breaking")},
    ),
    (
        "template_param.default_changed",
        "template <typename T = int> struct Box { T x; };",
        "template <typename T = float> struct Box { T x; };",
        {("template_param.default_changed", "breaking")},
    ),
    (
        "constant.value_changed.macro",
        "#define LIMIT 1",
        "#define LIMIT 2",
        {("constant.value_changed", "breaking")},
    ),
    (
        "constant.value_changed.constexpr",
        "constexpr int kLimit = 1;",
        "constexpr int kLimit = 2;",
        {("constant.value_changed", "breaking")},
    ),
    (
        "availability.changed",
        F,
        f"#if __CUDA_ARCH__ >= 800\n{F}\n#endif",
        {("availability.changed", "breaking")},
    ),
    (
        "availability.widened",
        f"#if __CUDA_ARCH__ >= 800\n{F}\n#endif",
        F,
        {("availability.changed", "compatible")},
    ),
    ("moves_are_not_changes", f"{S}\n{F}", f"\n\n// moved\n{F}\n\n   {S}", set()),
    ("whitespace_is_not_a_change", F, "__device__   int\n f( int   a ) ;", set()),
]

_dumps: dict[str, ir.APIDocument] = {}


def _dump(tmp_path_factory, text: str) -> ir.APIDocument:
    """Dump `text` as api.cuh (the same file name on both sides)."""
    if text not in _dumps:
        folder = tmp_path_factory.mktemp("hdr")
        (folder / "api.cuh").write_text("#pragma once\n" + text + "\n")
        _dumps[text] = dump_header(folder / "api.cuh")
    return _dumps[text]


@pytest.mark.parametrize("row, old, new, expected", ROWS, ids=[r[0] for r in ROWS])
def test_change_table(tmp_path_factory, row, old, new, expected):
    changes = diff(_dump(tmp_path_factory, old), _dump(tmp_path_factory, new))
    assert {(c.kind, c.change_class) for c in changes} == expected, [c.message for c in changes]
    for c in changes:
        assert c.header == "api.cuh" and c.message


GUARDED = f"#if __CUDA_ARCH__ >= 900\n{F}\n#endif"
# Dumped for sm_80 and sm_90: (row id, old, new, expected changes).
MULTI_ARCH_ROWS = [
    (
        "archs.gained",
        GUARDED,
        F,
        {("archs.changed", "compatible"), ("availability.changed", "compatible")},
    ),
    (
        "archs.lost",
        F,
        GUARDED,
        {("archs.changed", "breaking"), ("availability.changed", "breaking")},
    ),
    ("archs.same", GUARDED, GUARDED, set()),
]


@pytest.mark.parametrize(
    "row, old, new, expected", MULTI_ARCH_ROWS, ids=[r[0] for r in MULTI_ARCH_ROWS]
)
def test_multi_arch_table(tmp_path, row, old, new, expected):
    docs = []
    for side, text in (("old", old), ("new", new)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "api.cuh").write_text("#pragma once\n" + text + "\n")
        docs.append(
            dump_header(tmp_path / side / "api.cuh", arch="sm_90", archs=["sm_80", "sm_90"])
        )
    changes = diff(*docs)
    assert {(c.kind, c.change_class) for c in changes} == expected, [c.message for c in changes]
    for c in changes:
        if c.kind == "archs.changed":
            assert c.message.startswith("f declared for ")


def test_every_kind_has_a_row():
    rows = [*ROWS, *MULTI_ARCH_ROWS]
    covered = {kind for *_, expected in rows for kind, _ in expected}
    assert covered == set(KINDS)


def test_kinds_catalog():
    assert all(
        k.description and k.default_class in ("breaking", "compatible", "info")
        for k in KINDS.values()
    )


AFFECT = (
    "typedef {} scalar_t; struct P {{ scalar_t v; }};"
    "__device__ P make(scalar_t); __device__ int g(P);"
)
AFFECT_OLD, AFFECT_NEW = AFFECT.format("int"), AFFECT.format("long")


def test_type_changes_list_what_they_affect(tmp_path_factory):
    changes = diff(_dump(tmp_path_factory, AFFECT_OLD), _dump(tmp_path_factory, AFFECT_NEW))
    by_kind = {c.kind: c for c in changes}
    assert by_kind["typedef.target_changed"].affects == ["g", "make"]
    assert by_kind["record.size_changed"].affects == ["g", "make"]


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numbast.tools.canopy", *args], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cli")
    old, new = folder / "old.json", folder / "new.json"
    ir.save(_dump(tmp_path_factory, "enum E { A, B };" + F), old)
    ir.save(_dump(tmp_path_factory, "enum E { A, C };" + F + "__device__ float h();"), new)
    return old, new


def test_self_diff_is_empty_and_exits_zero(pair):
    old, _ = pair
    r = _cli("diff", str(old), str(old), "--fail-on", "any")
    assert r.returncode == 0
    assert "0 breaking, 0 compatible, 0 info" in r.stdout


@pytest.mark.parametrize("fail_on, code", [("breaking", 1), ("any", 1), ("none", 0)])
def test_exit_codes(pair, fail_on, code):
    old, new = pair
    assert _cli("diff", str(old), str(new), "--fail-on", fail_on).returncode == code


def test_json_output_validates_against_its_schema(pair):
    jsonschema = pytest.importorskip("jsonschema")
    old, new = pair
    r = _cli("diff", str(old), str(new), "--format", "json")
    data = json.loads(r.stdout)
    jsonschema.validate(data, report_schema())
    report = ir.io.msgspec.json.decode(r.stdout, type=DiffReport, strict=True)
    assert report.summary.breaking == 1 and report.summary.compatible == 2
    assert {c.kind for c in report.changes} == {
        "enumerator.removed",
        "enumerator.added",
        "decl.added",
    }


def test_markdown_and_text(pair):
    old, new = pair
    md = _cli("diff", str(old), str(new), "--format", "markdown").stdout
    assert md.index("**1 breaking**") < md.index("### `api.cuh`")
    assert "enumerator removed (`enumerator.removed`)" in md
    text = _cli("diff", str(old), str(new)).stdout
    assert "api.cuh" in text and "E::B removed" in text


def test_mismatched_target_is_an_error(tmp_path_factory, tmp_path):
    doc = _dump(tmp_path_factory, F)
    other = ir.io.msgspec.structs.replace(
        doc, header=ir.io.msgspec.structs.replace(doc.header, arch="sm_80")
    )
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    ir.save(doc, a)
    ir.save(other, b)
    r = _cli("diff", str(a), str(b))
    assert r.returncode == 2 and "different arch (sm_90 vs sm_80)" in r.stderr
    assert _cli("diff", str(a), str(b), "--ignore-target").returncode == 0
    assert _cli("diff", str(a), str(tmp_path / "missing.json")).returncode == 2


def test_older_minor_diffs_against_newer(tmp_path_factory, tmp_path):
    new = _dump(tmp_path_factory, f"#if __CUDA_ARCH__ >= 800\n{F}\n#endif")
    raw = json.loads(ir.dumps(new))
    raw["header"]["version"] = "1.0"  # 1.0 had no arch_guard
    for d in raw["declarations"]:
        d.pop("arch_guard", None)
    old = ir.loads(json.dumps(raw))
    changes = diff(old, new)
    assert [(c.kind, c.change_class) for c in changes] == [("availability.changed", "breaking")]


def test_render_formats_agree(tmp_path_factory):
    old, new = _dump(tmp_path_factory, S), _dump(tmp_path_factory, "struct S { int a; int b; };")
    report = make_report(old, new, diff(old, new))
    assert "field.added" in render(report, "markdown")
    assert json.loads(render(report, "json"))["summary"]["breaking"] == 2
