"""Emit's verification in batches: a module's shims are split into consecutive batches that
compile and link in parallel threads, each shim behind a kernel of its own; the verdicts are
the same whatever the split, and a shim that does not link is found inside its batch."""

from __future__ import annotations

import pytest

from helpers import dump_header
from numbast.backend import verify


@pytest.mark.parametrize(
    ("count", "workers", "sizes"),
    [
        (0, 2, []),
        (1, 2, [1]),
        (100, 2, [100]),  # two batches of 50 would each parse the headers for little
        (128, 2, [64, 64]),
        (300, 4, [75, 75, 75, 75]),
        (300, 1, [300]),
        (1100, 2, [367, 367, 366]),  # no batch over MAX_BATCH
        (2782, 2, [464, 464, 464, 464, 464, 462]),  # NVSHMEM's device API
    ],
)
def test_batches_split_in_order(count, workers, sizes):
    names = [f"nbst_{i:05d}" for i in range(count)]
    batches = verify._batches(names, workers)
    assert [len(b) for b in batches] == sizes
    assert [n for b in batches for n in b] == names


def test_jobs_from_the_environment(monkeypatch):
    monkeypatch.setenv("NUMBAST_JOBS", "3")
    assert verify.jobs() == 3
    monkeypatch.setenv("NUMBAST_JOBS", "many")
    assert 1 <= verify.jobs() <= verify.MAX_JOBS


HEADER = """
#pragma once
__device__ inline int add1(int x) { return x + 1; }
__device__ inline int add2(int x) { return x + 2; }
__device__ inline int add3(int x) { return x + 3; }
__device__ inline float half_of(float x) { return x / 2; }
__device__ int elsewhere(int x);  // defined in the library's .cu, not given here
__device__ inline int twice(int x) { return 2 * x; }
__device__ inline int calls_elsewhere(int x) { return elsewhere(x) + 1; }
__device__ inline double sq(double x) { return x * x; }
"""


@pytest.fixture
def tables(tmp_path, monkeypatch):
    pytest.importorskip("numba.cuda", reason="verification compiles with NVRTC")
    from numbast.backend.plan import plan_bindings

    header = tmp_path / "mine.cuh"
    header.write_text(HEADER)
    doc = dump_header(header)
    return plan_bindings(doc).tables, str(tmp_path)


@pytest.mark.parametrize("workers", [1, 3])
def test_verdicts_do_not_depend_on_the_split(tables, workers, tmp_path, monkeypatch):
    """One batch, or three in three threads: the two functions that call what the headers
    only declare are the failures, with the reason and its fix."""
    t, folder = tables
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / f"cache{workers}"))
    monkeypatch.setenv("NUMBAST_JOBS", str(workers))
    monkeypatch.setattr(verify, "MIN_BATCH", 1)
    assert len(verify._batches(sorted(t.shims()), workers)) == workers
    failed = verify.failing_shims(t, [folder], "sm_90")
    decls = {o.shim: o.decl for o in t.overloads()}
    assert sorted(decls[s] for s in failed) == [
        "int calls_elsewhere(int x)",
        "int elsewhere(int x)",
    ]
    for why in failed.values():
        assert "does not link for sm_90" in why and "Unresolved extern function" in why
        assert "[shim] sources" in why
