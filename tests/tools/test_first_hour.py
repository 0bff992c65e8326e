"""What a new user meets in their first hour: help texts, config typos, the emit summary and
its warnings say what is true."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import DATA
from numbast.tools.numbast_cli import skip_summary

MODULES = {"canopy": "numbast.tools.canopy", "numbast": "numbast.tools.numbast_cli"}


def cli(prog: str, *args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", MODULES[prog], *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_canopy_help_names_every_command():
    out = " ".join(cli("canopy", "--help").stdout.split())
    for command in ("dump", "validate", "schema", "diff", "graph"):
        assert command in out
    assert "compare two IR files" in out and "dependency graph" in out


@pytest.mark.parametrize(
    "prog, args, options",
    [
        ("canopy", ["dump"], ["-I DIR", "-D NAME[=VALUE]"]),
        ("numbast", ["check"], ["--arch ARCH", "--only ONLY", "--failures-only"]),
    ],
)
def test_every_option_has_help(prog, args, options):
    out = cli(prog, *args, "--help").stdout
    lines = out.splitlines()
    for option in options:
        line = next(i for i, ln in enumerate(lines) if ln.strip().startswith(option))
        text = lines[line].strip()[len(option) :].strip() or lines[line + 1].strip()
        assert text and not text.startswith("-"), f"{option} has no help: {out}"


@pytest.mark.parametrize(
    "toml, expected",
    [
        ('inlcude = ["x"]\n', "typo.toml: $: unknown key 'inlcude' (did you mean 'include'?)"),
        (
            '[shim]\ninclude_dir = ["a"]\n',
            "typo.toml: $.shim: unknown key 'include_dir' (did you mean 'include_dirs'",
        ),
        ("[shim]\nzzz = 1\n", "typo.toml: $.shim: unknown key 'zzz'"),
    ],
)
def test_config_typo_names_file_key_and_suggestion(tmp_path, toml, expected):
    (tmp_path / "typo.toml").write_text(toml)
    r = cli(
        "numbast", "emit", DATA / "ir" / "bind_sample.json", "--config", "typo.toml", cwd=tmp_path
    )
    assert r.returncode == 1
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("numbast: error: ") and expected in line, line


def test_skip_summary_counts_every_skip():
    reasons = ["shim does not compile: x", "shim does not compile: y"]
    reasons += ["record std::ostream is not bound", "record ::a::B is not bound"]
    reasons += [f"reason {i}" for i in range(8)]
    assert "1 record std::ostream is not bound" in skip_summary(3, reasons, shown=20)
    assert "1 record ::a::B is not bound" in skip_summary(3, reasons, shown=20)  # `::` is no split
    text = skip_summary(3, reasons)
    assert text.startswith("3 bound, 12 skipped: 2 shim does not compile; ")
    # Every skip is counted: the groups not shown by their sum.
    assert text.endswith("5 for 5 other reasons (the module's _NOT_BOUND)")
    counted = sum(int(part.split()[0]) for part in text.split(": ", 1)[1].split("; "))
    assert counted == len(reasons)


def test_dropped_references_name_only_what_was_bound(tmp_path):
    """`operator+=` takes its left operand by reference and assigns the result back
    (`x += y`): nothing is dropped. `operator++` is not bound (no Python operator): nothing
    to warn about either. A plain function that is bound is named."""
    from helpers import dump_header
    from numbast.backend import plan_bindings

    (tmp_path / "refs.cuh").write_text(
        "struct P { int v; };\n"
        "__device__ inline P &operator+=(P &a, const P &b) { a.v += b.v; return a; }\n"
        "__device__ inline P &operator++(P &a) { ++a.v; return a; }\n"
        "__device__ inline void bump(P &a) { ++a.v; }\n"
    )
    plan = plan_bindings(dump_header(tmp_path / "refs.cuh"))
    assert "+=" in {o.op for o in plan.tables.operators}
    assert plan.dropped_refs == ["bump(a)"]


def test_literal_operators_are_skipped_and_validate_agrees(tmp_path):
    """`canopy validate` calls an IR with literal operators valid; emit agrees: it skips them
    with a reason and binds the rest (it used to fail whole)."""
    api = tmp_path / "lit.json"
    r = cli("canopy", "dump", DATA / "literal_operators.cuh", "-o", api)
    assert r.returncode == 0, r.stderr
    assert cli("canopy", "validate", api).returncode == 0
    r = cli("numbast", "emit", api, "-o", tmp_path / "lit.py")
    assert r.returncode == 0, r.stderr
    assert "2 bound, 2 skipped: 2 user-defined literal operator" in r.stderr
    text = (tmp_path / "lit.py").read_text()
    assert "longer = _bindings.exports" in text and 'operator""_m' in text


@pytest.mark.parametrize(
    "name, valid",
    [
        ('operator""_m', True),  # literal operator: valid, skipped
        ("operator new", True),
        ("operator delete[]", True),
        ("café", True),  # C++ allows identifiers outside ASCII; bindings skip them
        ("longer; int x", False),
        ('longer"', False),
        ("operator+(", False),
    ],
)
def test_validate_and_emit_agree_on_names(tmp_path, name, valid):
    """What `canopy validate` accepts, emit accepts (binding or skipping it with a reason);
    what it refuses, emit refuses with the same JSON path."""
    import json

    api = tmp_path / "lit.json"
    assert cli("canopy", "dump", DATA / "literal_operators.cuh", "-o", api).returncode == 0
    doc = json.loads(api.read_text())
    i = next(k for k, d in enumerate(doc["declarations"]) if d["name"] == "longer")
    doc["declarations"][i]["name"] = name
    api.write_text(json.dumps(doc))
    checked = cli("canopy", "validate", api)
    emitted = cli("numbast", "emit", api, "--no-verify", "-o", tmp_path / "m.py")
    assert (checked.returncode == 0) == valid == (emitted.returncode == 0), emitted.stderr
    if valid:
        assert "longer" in dict(_not_bound(tmp_path / "m.py"))
    else:
        where = f"$.declarations[{i}].name"
        assert where in checked.stderr and where in emitted.stderr
        assert not (tmp_path / "m.py").exists()


def _not_bound(module) -> tuple:
    import ast

    text = module.read_text()
    return ast.literal_eval(text[text.index("_NOT_BOUND = ") + len("_NOT_BOUND = ") :])
