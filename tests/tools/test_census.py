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
