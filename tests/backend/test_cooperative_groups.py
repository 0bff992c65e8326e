"""cooperative_groups.h through bindings: a coalesced group of the lanes that took a branch
(`coalesced_threads()`), its thread_rank, size, ballot, any, all and sync, against numpy and
the same C++ kernel compiled by NVRTC, bit for bit.

The module is emitted from committed IR (CUDA 13.5's headers; GPU tests need no libclang):
    canopy dump cooperative_groups.h -o tests/data/ir/cooperative_groups.json
"""

from __future__ import annotations

import numpy as np
import pytest

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
from numba import types  # noqa: E402

N, BLOCK = 4096, 128


@pytest.fixture(scope="module")
def cg(tmp_path_factory):
    from bind_helpers import module_from_ir

    return module_from_ir(tmp_path_factory.mktemp("cg"), "cooperative_groups")


def group_kernel(cg):
    coalesced_threads = cg.coalesced_threads

    def kernel(x, rank, size, ballot, anyv, allv):
        i = cuda.grid(1)
        if x[i] % 3 != 0:  # the lanes that branch here form the group
            g = coalesced_threads()
            rank[i] = g.thread_rank()
            size[i] = g.size()
            ballot[i] = g.ballot(x[i] > 50)
            anyv[i] = g.any(x[i] > 90)
            allv[i] = g.all(x[i] > 5)
            g.sync()

    return kernel


CPP = r"""
#include <cooperative_groups.h>
namespace cg = cooperative_groups;
extern "C" __global__ void kernel(const int *x, unsigned *rank, unsigned *size,
                                  unsigned *ballot, unsigned *anyv, unsigned *allv) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (x[i] % 3 != 0) {
        cg::coalesced_group g = cg::coalesced_threads();
        rank[i] = g.thread_rank();
        size[i] = g.size();
        ballot[i] = g.ballot(x[i] > 50);
        anyv[i] = g.any(x[i] > 90);
        allv[i] = g.all(x[i] > 5);
        g.sync();
    }
}
"""


def test_group_kernel_compiles_and_links(cg):
    from numbast.backend.check import link_kernel

    argtypes = (types.int32[::1], *(types.uint32[::1],) * 5)
    link_kernel(group_kernel(cg), argtypes, cg._bindings.bundle)


@pytest.mark.gpu
def test_coalesced_group_matches_numpy_and_cpp(cg):
    from bind_helpers import cpp_kernel

    cp, kernel = cpp_kernel(CPP, "kernel")
    x = np.random.default_rng(9).integers(0, 100, N, dtype=np.int32)
    outs = [np.full(N, 0xFFFFFFFF, np.uint32) for _ in range(5)]
    dev = [cuda.to_device(o) for o in outs]
    cuda.jit(group_kernel(cg))[N // BLOCK, BLOCK](cuda.to_device(x), *dev)
    rank, size, ballot, anyv, allv = [d.copy_to_host() for d in dev]

    active = (x % 3 != 0).reshape(-1, 32)
    lanes = x.reshape(-1, 32)
    on = active.ravel()
    assert (rank[on] == (np.cumsum(active, axis=1) - 1).ravel()[on]).all()
    assert (size[on] == np.repeat(active.sum(axis=1), 32)[on]).all()
    warp_any = ((lanes > 90) & active).any(axis=1)
    warp_all = ((lanes > 5) | ~active).all(axis=1)
    assert ((anyv[on] != 0) == np.repeat(warp_any, 32)[on]).all()
    assert ((allv[on] != 0) == np.repeat(warp_all, 32)[on]).all()
    assert (rank[~on] == 0xFFFFFFFF).all()  # lanes outside the group wrote nothing

    ref = [cp.asarray(o) for o in outs]
    kernel((N // BLOCK,), (BLOCK,), (cp.asarray(x), *ref))
    ours = [rank, size, ballot, anyv, allv]
    for a, b in zip(ours, [cp.asnumpy(r) for r in ref], strict=True):
        assert a.tobytes() == b.tobytes()
