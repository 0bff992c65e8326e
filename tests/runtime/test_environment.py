"""runtime.environment: version check, include and cache folders."""

from __future__ import annotations

import os

import pytest

from numbast.backend.runtime import environment as env


def test_numba_cuda_version_check():
    env.check_numba_cuda("0.30.4", "m")
    with pytest.raises(ImportError, match=r"m: generated for numba-cuda 0\.30-0\.99, found 0\.20"):
        env.check_numba_cuda("0.20.1", "m")


def test_cache_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("NUMBAST_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert env.cache_dir() == str(tmp_path / "numbast")
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "mine"))
    assert env.cache_dir() == str(tmp_path / "mine")


def test_include_dirs_near_the_module(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBAST_INCLUDE_PATH", os.pathsep.join(["/a", "/b"]))
    module = tmp_path / "pkg" / "m.py"
    assert env.include_dirs_near(str(module), ["../inc"]) == [str(tmp_path / "inc"), "/a", "/b"]


def test_includes_resolve_to_the_first_folder_holding_them(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "h.cuh").write_text("")
    prelude = "#define X 1\n#include <h.cuh>\n#include <missing.h>\n"
    out = env.resolve_includes(prelude, [str(tmp_path / "one"), str(tmp_path / "two")])
    assert out.splitlines() == [
        "#define X 1",
        f'#include "{tmp_path / "two" / "h.cuh"}"',
        "#include <missing.h>",
    ]
