"""cooperative_groups.h through bindings, against numpy and the same C++ kernel compiled by
NVRTC, bit for bit: a coalesced group of the lanes that took a branch (`coalesced_threads()`)
with its thread_rank, size, ballot, any, all and sync; static tiles (`tiled_partition<16>`)
with their shuffles, votes and `cg::reduce` with `cg::plus` / `less` / `greater`; the block's
`dim3` indices (Numba's uint32x3).

The module is emitted from committed IR (CUDA 13.5's headers; GPU tests need no libclang)
with the shipped example config:
    canopy dump cooperative_groups.h cooperative_groups/reduce.h \
        --retain cooperative_groups/details/reduce.h \
        --retain cooperative_groups/details/functional.h \
        -o tests/data/ir/cooperative_groups.json
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
    from helpers import DATA

    config = (DATA.parent.parent / "examples" / "configs" / "cooperative_groups.toml").read_text()
    return module_from_ir(tmp_path_factory.mktemp("cg"), "cooperative_groups", config)


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


TILE = 16
TILE_ROWS = ("sum", "min", "max", "down", "xor", "up", "bcast", "rank", "size", "meta", "ballot")
TILE_ROWS += ("any", "all", "group_index", "thread_index", "group_dim", "this_thread")


def tile_kernel(cg):
    this_thread_block, tiled_partition = cg.this_thread_block, cg.tiled_partition
    reduce, plus, less, greater = cg.reduce, cg.plus, cg.less, cg.greater
    this_thread, int32 = cg.this_thread, types.int32

    def kernel(x, out):
        i = cuda.grid(1)
        block = this_thread_block()
        tile = tiled_partition(block, Size=16)
        v = x[i]
        out[0, i] = reduce(tile, v, plus(Ty=int32))
        out[1, i] = reduce(tile, v, less(Ty=int32))
        out[2, i] = reduce(tile, v, greater(Ty=int32))
        out[3, i] = tile.shfl_down(v, 3)
        out[4, i] = tile.shfl_xor(v, 5)
        out[5, i] = tile.shfl_up(v, 2)
        out[6, i] = tile.shfl(v, 7)
        out[7, i] = tile.thread_rank()
        out[8, i] = tile.size()
        out[9, i] = tile.meta_group_rank()
        out[10, i] = tile.ballot(v > 50)
        out[11, i] = tile.any(v > 95)
        out[12, i] = tile.all(v > 3)
        out[13, i] = block.group_index().x  # dim3 is Numba's uint32x3
        out[14, i] = block.thread_index().x
        out[15, i] = block.group_dim().x
        me = this_thread()  # thread_block_tile<1, void>: a specialization NVRTC names
        out[16, i] = me.size() * 10 + me.thread_rank()
        tile.sync()

    return kernel


TILE_CPP = r"""
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
namespace cg = cooperative_groups;
extern "C" __global__ void tiles(const int *x, long long *out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    cg::thread_block block = cg::this_thread_block();
    cg::thread_block_tile<16> tile = cg::tiled_partition<16>(block);
    int v = x[i];
    out[0 * n + i] = cg::reduce(tile, v, cg::plus<int>());
    out[1 * n + i] = cg::reduce(tile, v, cg::less<int>());
    out[2 * n + i] = cg::reduce(tile, v, cg::greater<int>());
    out[3 * n + i] = tile.shfl_down(v, 3);
    out[4 * n + i] = tile.shfl_xor(v, 5);
    out[5 * n + i] = tile.shfl_up(v, 2);
    out[6 * n + i] = tile.shfl(v, 7);
    out[7 * n + i] = tile.thread_rank();
    out[8 * n + i] = tile.size();
    out[9 * n + i] = tile.meta_group_rank();
    out[10 * n + i] = tile.ballot(v > 50);
    out[11 * n + i] = tile.any(v > 95);
    out[12 * n + i] = tile.all(v > 3);
    out[13 * n + i] = block.group_index().x;
    out[14 * n + i] = block.thread_index().x;
    out[15 * n + i] = block.group_dim().x;
    out[16 * n + i] = cg::this_thread().size() * 10 + cg::this_thread().thread_rank();
    tile.sync();
}
"""


def test_tile_kernel_compiles_and_links(cg):
    from numbast.backend.check import link_kernel

    source = link_kernel(
        tile_kernel(cg), (types.int32[::1], types.int64[:, ::1]), cg._bindings.bundle
    )
    # C++ chose the specializations: the tile type NVRTC named, and cg::reduce deducing its
    # value through a forwarding reference.
    assert "thread_block_tile<16u, cooperative_groups::__v1::thread_block>" in source
    assert "cooperative_groups::__v1::reduce<" in source and "int &" in source


def test_a_call_cpp_rejects_names_the_compiler_error(cg):
    from numba.core.errors import TypingError

    from numbast.backend.check import link_kernel

    this_thread_block, tiled_partition = cg.this_thread_block, cg.tiled_partition

    def kernel(x):
        tile = tiled_partition(this_thread_block(), Size=16)
        x[0] = tile.shfl(x[0])  # the source lane is missing

    with pytest.raises(TypingError, match=r"C\+\+ rejects .*::shfl\(int\).*argument"):
        link_kernel(kernel, (types.int32[::1],), cg._bindings.bundle)


def _tile_reference(x: np.ndarray) -> dict[str, np.ndarray]:
    """What each lane of a 16-thread tile computes, by numpy."""
    t = x.reshape(-1, TILE).astype(np.int64)
    lane = np.arange(TILE)
    rows = {
        "sum": t.sum(axis=1, keepdims=True).repeat(TILE, axis=1),
        "min": t.min(axis=1, keepdims=True).repeat(TILE, axis=1),
        "max": t.max(axis=1, keepdims=True).repeat(TILE, axis=1),
        "down": t[:, np.where(lane + 3 < TILE, lane + 3, lane)],
        "xor": t[:, lane ^ 5],
        "up": t[:, np.where(lane >= 2, lane - 2, lane)],
        "bcast": t[:, [7] * TILE],
        "rank": np.broadcast_to(lane, t.shape),
        "size": np.full(t.shape, TILE),
        "meta": np.broadcast_to((np.arange(len(t)) % (BLOCK // TILE))[:, None], t.shape),
        "any": (t > 95).any(axis=1, keepdims=True).repeat(TILE, axis=1),
        "all": (t > 3).all(axis=1, keepdims=True).repeat(TILE, axis=1),
        "group_index": np.arange(t.size).reshape(t.shape) // BLOCK,
        "thread_index": np.arange(t.size).reshape(t.shape) % BLOCK,
        "group_dim": np.full(t.shape, BLOCK),
        "this_thread": np.full(t.shape, 10),
    }
    return {k: np.ascontiguousarray(v).ravel() for k, v in rows.items()}


@pytest.mark.gpu
def test_tiles_match_numpy_and_cpp(cg):
    from bind_helpers import cpp_kernel

    cp, kernel = cpp_kernel(TILE_CPP, "tiles")
    x = np.random.default_rng(11).integers(0, 100, N, dtype=np.int32)
    out = cuda.to_device(np.full((len(TILE_ROWS), N), -1, np.int64))
    cuda.jit(tile_kernel(cg))[N // BLOCK, BLOCK](cuda.to_device(x), out)
    ours = out.copy_to_host()

    for name, want in _tile_reference(x).items():
        got = ours[TILE_ROWS.index(name)]
        if name in ("any", "all"):
            got = got != 0
        assert (got == want).all(), name

    ref = cp.full((len(TILE_ROWS), N), -1, dtype=cp.int64)
    kernel((N // BLOCK,), (BLOCK,), (cp.asarray(x), ref, np.int32(N)))
    assert ours.tobytes() == cp.asnumpy(ref).tobytes()


def test_one_numba_type_per_specialization_however_spelled(cg):
    """C++'s own spelling keys specializations: the tile type NVRTC names as a result and the
    same type spelled by hand are one Numba type."""
    templates = cg._bindings.templates
    named = templates.instance_named(
        "cooperative_groups::__v1::thread_block_tile<16u, cooperative_groups::__v1::thread_block>"
    )
    by_hand = templates.instance_named(
        "cooperative_groups::__v1::thread_block_tile<16, cooperative_groups::thread_block>"
    )
    assert named is by_hand
    assert named.template_args == {"Size": 16, "ParentT": cg.thread_block._numba_type_}
