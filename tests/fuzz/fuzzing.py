"""Hostile and broken inputs for the command lines, and the checks every run must pass."""

from __future__ import annotations

import copy
import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest

SENTINEL = "numbast_fuzz_pwned"

# Strings that would become code if pasted into generated Python or C++.
PYTHON_PAYLOADS = [
    f'"""\nimport pathlib; pathlib.Path("{SENTINEL}").touch()\n"""',
    f"'''\n__import__('pathlib').Path('{SENTINEL}').touch()\n'''",
    f'x"); __import__("pathlib").Path("{SENTINEL}").touch(); ("',
    f"\r\n__import__('pathlib').Path('{SENTINEL}').touch()\r\n#",
    "\\N{",
    "\\x",
    "\x00",
    "_bindings",
    "__builtins__",
    "[/]",
    "[bold]x[/]",
    "café",
    "名前",
    "\ud800" if False else "\u2028",
]
CPP_PAYLOADS = [
    f'x); static_assert(false, "{SENTINEL}"); //',
    f"x */ #error {SENTINEL} /*",
    f"x\n#error {SENTINEL}\n",
    f"a<1>::b(); static_assert(0); // {SENTINEL}",
    f"operator+(); }} {SENTINEL} {{",
    f"int {SENTINEL}\\",
]
PAYLOADS = PYTHON_PAYLOADS + CPP_PAYLOADS


def string_paths(node, path=()):
    """JSON paths (tuples of keys and indexes) of every string leaf."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from string_paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from string_paths(v, (*path, i))
    elif isinstance(node, str):
        yield path


def all_paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from all_paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from all_paths(v, (*path, i))


def put(node, path, value):
    node = copy.deepcopy(node)
    target = node
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return node


def delete(node, path):
    node = copy.deepcopy(node)
    target = node
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return node


RANDOM_VALUES = [
    None,
    True,
    -1,
    0,
    2**70,
    1.5,
    float("1e308"),
    "",
    "abc",
    "1.²",
    "１.１",
    [],
    {},
    [[[[[]]]]],
    {"kind": "nope"},
    "x" * 10_000,
]


def mutate_ir(doc: dict, rng: random.Random) -> bytes:
    """One mutant of an IR document: a field replaced, removed, added, hostile, truncated,
    re-encoded or nested deeply."""
    how = rng.randrange(8)
    paths = [p for p in all_paths(doc) if p]
    if how == 0:
        return json.dumps(put(doc, rng.choice(paths), rng.choice(RANDOM_VALUES))).encode()
    if how == 1:
        return json.dumps(delete(doc, rng.choice(paths))).encode()
    if how == 2:
        path = rng.choice([p for p in all_paths(doc) if isinstance(_get(doc, p), dict)])
        return json.dumps(put(doc, (*path, "unknown_field"), 1)).encode()
    if how in (3, 4):  # hostile text in a string field (the likeliest way into code)
        path = rng.choice(list(string_paths(doc)))
        return json.dumps(put(doc, path, rng.choice(PAYLOADS))).encode()
    text = json.dumps(doc).encode()
    if how == 5:
        return text[: rng.randrange(len(text))]
    if how == 6:
        return rng.choice([b"\xef\xbb\xbf" + text, text.decode().encode("utf-16"), text + b"\xff"])
    depth = rng.choice([300, 3000, 100_000])
    return (
        json.dumps(put(doc, rng.choice(paths), "X"))
        .replace('"X"', "[" * depth + "]" * depth)
        .encode()
    )


def _get(node, path):
    for key in path:
        node = node[key]
    return node


def run_cli(main, argv, capsys) -> tuple[int, str]:
    """Run a command line in this process: (exit code, standard error)."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code
    return code, capsys.readouterr().err


def assert_clean_failure(code: int, err: str, prog: str) -> None:
    assert code == 1, f"exit {code}: {err}"
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"{prog}: error: "), err
    assert "Traceback" not in err and "internal error" not in err


def import_module(path: Path):
    """Import a generated module (it must import) in this process."""
    name = f"fuzzed_{path.stem}_{abs(hash(path.read_bytes()))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def assert_no_payload_in_code(module, define_values: bool = False) -> None:
    """No payload reached shim C++ (Python strings that quote it are fine). A config's #define
    values are C++ the user writes: there the payload may stand, confined to its own line."""
    tables = module._bindings.tables
    cpp = "".join(tables.shims().values())
    if define_values:
        for line in tables.prelude.splitlines():
            assert line == "#define X" or line.startswith(("#define X ", "#include <")), line
    else:
        cpp += tables.prelude
    assert SENTINEL not in cpp
    for bad in ("static_assert(", "#error", "*/", "//"):
        assert bad not in cpp, bad


needs_numba = pytest.mark.skipif(
    importlib.util.find_spec("numba") is None, reason="numba-cuda is needed to import bindings"
)
