"""The census command on its quick subset: every header dumps, emits and passes check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_quick_census(tmp_path):
    pytest.importorskip("clang.cindex", reason="the census dumps headers")
    pytest.importorskip("numba.cuda", reason="the census checks bindings")
    out = tmp_path / "census.md"
    r = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "census.py"), "--quick", "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    table = out.read_text()
    rows = [ln for ln in table.splitlines() if ln.startswith("| `")]
    assert [ln.split("`")[1] for ln in rows] == ["cuda_fp4.h", "cuComplex.h", "sm_61_intrinsics.h"]
    assert "3 of 3 headers dumped, emitted and checked" in table and ", 0 failed." in table


def test_quick_library_census(tmp_path):
    """The library list's quick subset (cuda/std/bit with its shipped config): dumped,
    emitted, every template specialization the config names checked, peak RSS reported."""
    pytest.importorskip("clang.cindex", reason="the census dumps headers")
    pytest.importorskip("numba.cuda", reason="the census checks bindings")
    out = tmp_path / "libraries.md"
    r = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "census.py"),
            "--libraries",
            "--quick",
            "--one-arch",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    table = out.read_text()
    assert table.startswith("# Library census")
    (row,) = [ln for ln in table.splitlines() if ln.startswith("| `")]
    cells = [c.strip() for c in row.split("|")[1:-1]]
    assert cells[0] == "`cccl/cuda/std/bit (cuda_std_bit.toml)`"
    assert int(cells[5]) >= 30 and cells[6] == "0"  # check passed, failed
    assert int(cells[8]) > 0  # MB
