"""Fuzzing the command lines with generated bad, edited and hostile inputs: mutations of a
real IR file, hostile text in every string of the IR and of the binding config, and broken
headers. Every run ends with the documented exit code and one line, writes no output on
failure, executes and compiles no payload, and every module emit writes imports."""

from __future__ import annotations

import json
import os
import random

import pytest

from fuzzing import (
    PAYLOADS,
    SENTINEL,
    assert_clean_failure,
    assert_no_payload_in_code,
    import_module,
    mutate_ir,
    needs_numba,
    put,
    run_cli,
    string_paths,
)
from helpers import DATA
from numbast.tools import canopy, numbast_cli

SAMPLE = json.loads((DATA / "ir" / "bind_sample.json").read_text())


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a payload that ran would leave SENTINEL here
    yield
    assert not (tmp_path / SENTINEL).exists(), "a payload was executed"


def _emit(tmp_path, data: bytes, capsys, *extra: str):
    api = tmp_path / "api.json"
    api.write_bytes(data)
    out = tmp_path / "m.py"
    code, err = run_cli(numbast_cli.main, ["emit", str(api), "-o", str(out), *extra], capsys)
    return code, err, out


def _check_emit(code, err, out):
    if code == 0:
        return import_module(out)
    assert_clean_failure(code, err, "numbast")
    assert not out.exists(), "a failed emit left its output"
    return None


@needs_numba
def test_mutated_ir(case, tmp_path, capsys):
    seed, k = case
    data = mutate_ir(SAMPLE, random.Random(f"ir-{seed}-{k}"))
    module = _check_emit(*_emit(tmp_path, data, capsys))
    if module is not None:
        assert_no_payload_in_code(module)
    code, err = run_cli(canopy.main, ["validate", str(tmp_path / "api.json")], capsys)
    assert code in (0, 1) and "internal error" not in err, err


@needs_numba
@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_hostile_text_in_every_ir_string(payload, tmp_path, capsys):
    """The payload in each string field in turn (sampled evenly, the same each run)."""
    paths = list(string_paths(SAMPLE))
    for path in paths[PAYLOADS.index(payload) :: max(1, len(paths) // 12)]:
        module = _check_emit(
            *_emit(tmp_path, json.dumps(put(SAMPLE, path, payload)).encode(), capsys)
        )
        if module is not None:
            assert_no_payload_in_code(module)
        (tmp_path / "m.py").unlink(missing_ok=True)


CONFIG_FIELDS = [
    'include = ["{p}"]',
    'exclude = ["{p}"]',
    'strip_prefix = ["{p}"]',
    'opaque = ["{p}"]',
    '[rename]\nadd = "{p}"',
    '[rename]\n"{p}" = "plus"',
    '[intents]\n"{p}" = {{ a = "out_ptr" }}',
    '[arguments]\n"Counter::bump" = {{ times = "{p}" }}',
    '[shim]\nincludes = ["<{p}>"]',
    '[shim]\ninclude_dirs = ["{p}"]',
    '[shim]\ndefines = {{ X = "{p}" }}',
    '[shim]\ndefines = {{ "{p}" = "1" }}',
]


def _toml_string(text: str) -> str:
    return json.dumps(text)[1:-1]  # a TOML basic string body (JSON escapes are TOML's)


@needs_numba
@pytest.mark.parametrize("field", CONFIG_FIELDS, ids=range(len(CONFIG_FIELDS)))
def test_hostile_text_in_every_config_field(field, tmp_path, capsys):
    data = (DATA / "ir" / "bind_sample.json").read_bytes()
    for payload in PAYLOADS:
        cfg = tmp_path / "c.toml"
        cfg.write_text(field.format(p=_toml_string(payload)) + "\n")
        module = _check_emit(*_emit(tmp_path, data, capsys, "--config", str(cfg)))
        if module is not None:
            assert_no_payload_in_code(module, define_values="defines = {{ X" in field)
        (tmp_path / "m.py").unlink(missing_ok=True)


BROKEN_HEADERS = {
    "syntax": b"__device__ int f(int x { return x; }\n",
    "latin1_literal": b'__device__ const char *s() { return "caf\xe9"; }\n#define M "\xe9"\n',
    "latin1_comment": b"/// caf\xe9\n__device__ int g(int x);\n",
    "binary": bytes(range(256)) * 4,
    "empty": b"",
    "unterminated_comment": b"/* never closed\n__device__ int h();\n",
    "missing_include": b'#include "does_not_exist.h"\n',
    "deep_parens": b"__device__ int d() { return " + b"(" * 3000 + b"1" + b")" * 3000 + b"; }\n",
    "long_line": b"__device__ int " + b"x" * 100_000 + b"();\n",
    "utf16": "__device__ int u(int x);\n".encode("utf-16"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_HEADERS))
def test_broken_headers(name, tmp_path, capsys):
    pytest.importorskip("clang.cindex", reason="dumping needs the frontend")
    header = tmp_path / f"{name}.cuh"
    header.write_bytes(BROKEN_HEADERS[name])
    out = tmp_path / "api.json"
    code, err = run_cli(canopy.main, ["dump", str(header), "-o", str(out)], capsys)
    if code == 0:
        code, err = run_cli(canopy.main, ["validate", str(out)], capsys)
        assert code == 0, err
    else:
        assert_clean_failure(code, err, "canopy")
        assert not out.exists()
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")], "temporary file left"
