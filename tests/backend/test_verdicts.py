"""Emit's verification verdicts in the user cache: a repeat emit compiles nothing, an emit
whose config changed one binding compiles only its shim, and a changed header (even one the
requested header includes) judges everything again, once, in the same process too (NVRTC's
precompiled headers of the process never serve the old header)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from helpers import DATA, dump_header

pytest.importorskip("numba.cuda", reason="verification compiles with NVRTC")


@pytest.fixture
def lib(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))
    shutil.copytree(DATA / "userlib", tmp_path / "userlib")
    return tmp_path / "userlib"


def _emit(lib: Path, compiled: list):
    """Emit the sample verified, recording the shim sources NVRTC is given."""
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module
    from numbast.backend.includes import Places
    from numbast.backend.runtime import compiler

    doc = dump_header(lib / "include" / "userlib.cuh", defines=["USERLIB_SCALE=3"])
    real = compiler.compile_ltoir

    def spy(source, *args, **kwargs):
        compiled.append(source)
        return real(source, *args, **kwargs)

    compiler.compile_ltoir = spy
    try:
        config = load_config(lib / "userlib.toml")
        places = Places(config_folder=lib, module_folder=lib)
        _, plan = emit_module(doc, b"", "t", config, verify=True, places=places)
    finally:
        compiler.compile_ltoir = real
    return plan


def _shim_calls(compiled: list) -> int:
    return sum(src.count('extern "C" __device__ int nbst_') for src in compiled)


def test_repeat_emit_compiles_nothing(lib):
    first: list = []
    plan = _emit(lib, first)
    assert plan.skipped == [] and _shim_calls(first) >= 5
    again: list = []
    assert _emit(lib, again).skipped == []
    assert again == []


def test_a_changed_binding_compiles_only_its_shim(lib):
    """The headers unchanged, a binding the config now adds is the only shim compiled."""
    config = lib / "userlib.toml"
    text = config.read_text()
    config.write_text('exclude = ["gcd"]\n' + text)
    _emit(lib, [])
    config.write_text(text)
    compiled: list = []
    assert _emit(lib, compiled).skipped == []
    judged = {s for src in compiled for s in re.findall(r"int (nbst_\w+)\(", src)}
    assert len(judged) == 1 and all("gcd(" in src for src in compiled if "nbst_" in src)


def test_a_header_change_judges_everything_again_once(lib):
    _emit(lib, [])
    header = lib / "include" / "userlib.cuh"
    header.write_text(
        header.read_text() + "__device__ inline float triple(float x) { return 3 * x; }\n"
    )
    compiled: list = []
    assert _emit(lib, compiled).skipped == []
    assert _shim_calls(compiled) >= 6
    compiled.clear()
    _emit(lib, compiled)
    assert compiled == []


def test_an_included_header_change_is_seen(lib):
    _emit(lib, [])
    detail = lib / "include" / "userlib_detail.h"
    detail.write_text(detail.read_text().replace("v * USERLIB_SCALE", "v * USERLIB_SCALE + 0"))
    compiled: list = []
    _emit(lib, compiled)
    assert _shim_calls(compiled) >= 5


def test_a_failure_is_remembered_with_its_reason(lib):
    (lib / "userlib.toml").write_text("")  # no .cu: poly and gcd do not link
    plan = _emit(lib, [])
    reasons = dict(plan.skipped)
    assert "[shim] sources" in reasons["float poly(float x)"]
    compiled: list = []
    assert dict(_emit(lib, compiled).skipped) == reasons
    assert compiled == []
