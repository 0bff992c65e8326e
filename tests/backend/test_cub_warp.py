"""CUB's WarpReduce, WarpScan and BlockRadixSort through bindings made with the shipped example
config (examples/configs/cub.toml): the warp primitives against the same C++ compiled by NVRTC
on the same input, bit for bit; BlockRadixSort sorting 2^20 keys (tiles of 1024) against
numpy's sort. CI compiles and links the kernels; the GPU runs them.

The module is emitted from committed IR (CUDA 13.5's CCCL headers):
    canopy dump cub/warp/warp_reduce.cuh cub/warp/warp_scan.cuh cub/block/block_radix_sort.cuh \\
        -o tests/data/ir/cub_warp.json
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
from numba import float32, int32, types  # noqa: E402

CONFIG = Path(__file__).resolve().parents[2] / "examples" / "configs" / "cub.toml"
BLOCK = 256
ITEMS = 8
TILE = 128 * ITEMS


@pytest.fixture(scope="module")
def cub(tmp_path_factory):
    from bind_helpers import module_from_ir

    return module_from_ir(tmp_path_factory.mktemp("cub_warp"), "cub_warp", CONFIG.read_text())


def warp_kernel(m):
    WarpReduce, WarpScan = m.WarpReduce, m.WarpScan

    def kernel(x, total, biggest, inclusive, exclusive):
        i = cuda.grid(1)
        v = x[i]
        total[i] = WarpReduce(T=int32).Sum(v)
        biggest[i] = WarpReduce(T=int32).Reduce(v)
        inclusive[i] = WarpScan(T=int32).InclusiveSum(v)
        exclusive[i] = WarpScan(T=int32).ExclusiveSum(v)

    return kernel


CPP_WARP = r"""
#include <cub/warp/warp_reduce.cuh>
#include <cub/warp/warp_scan.cuh>
extern "C" __global__ void kernel(const int *x, int *total, int *biggest, int *inclusive,
                                  int *exclusive) {
    using Reduce = cub::WarpReduce<int>;
    using Scan = cub::WarpScan<int>;
    __shared__ Reduce::TempStorage reduce_storage[BLOCK / 32];
    __shared__ Scan::TempStorage scan_storage[BLOCK / 32];
    int i = blockIdx.x * blockDim.x + threadIdx.x, w = threadIdx.x / 32;
    int v = x[i];
    total[i] = Reduce(reduce_storage[w]).Sum(v);
    __syncwarp();
    biggest[i] = Reduce(reduce_storage[w]).Reduce(v, ::cuda::maximum<>{});
    __syncwarp();
    int out;
    Scan(scan_storage[w]).InclusiveSum(v, out);
    inclusive[i] = out;
    __syncwarp();
    Scan(scan_storage[w]).ExclusiveSum(v, out);
    exclusive[i] = out;
}
"""


def sort_kernel(m, dtype):
    BlockRadixSort = m.BlockRadixSort

    def kernel(keys):
        base = cuda.blockIdx.x * TILE + cuda.threadIdx.x * ITEMS  # a blocked arrangement
        items = cuda.local.array(ITEMS, dtype)
        for k in range(ITEMS):
            items[k] = keys[base + k]
        BlockRadixSort(KeyT=dtype, BlockDimX=128, ItemsPerThread=ITEMS).Sort(items)
        for k in range(ITEMS):
            keys[base + k] = items[k]

    return kernel


def test_kernels_compile_and_link(cub):
    from numbast.backend.check import link_kernel

    bundle = cub._bindings.bundle
    link_kernel(warp_kernel(cub), (types.int32[::1],) * 5, bundle)
    for dtype, arr in ((int32, types.int32[::1]), (float32, types.float32[::1])):
        source = link_kernel(sort_kernel(cub, dtype), (arr,), bundle)
    assert "cub::BlockRadixSort<float, 128, 8>" in source  # the rest left to C++'s defaults


def _gpu():
    if not cuda.is_available():
        pytest.skip("needs a CUDA GPU")


@pytest.mark.gpu
def test_warp_reduce_and_scan_match_cpp(cub):
    from bind_helpers import cpp_kernel

    cp, kernel = cpp_kernel(CPP_WARP.replace("BLOCK", str(BLOCK)), "kernel")
    rng = np.random.default_rng(11)
    x = rng.integers(-1000, 1000, 4096, dtype=np.int32)
    outs = [np.zeros_like(x) for _ in range(4)]
    dev = [cuda.to_device(o) for o in outs]
    cuda.jit(warp_kernel(cub))[x.size // BLOCK, BLOCK](cuda.to_device(x), *dev)
    ours = [d.copy_to_host() for d in dev]

    warps = x.reshape(-1, 32)
    # CUB gives the reduction in lane 0 only: compare those lanes with numpy.
    assert (ours[0][::32] == warps.sum(axis=1)).all()
    assert (ours[1][::32] == warps.max(axis=1)).all()
    assert (ours[2] == np.cumsum(warps, axis=1).ravel()).all()
    assert (ours[3] == (np.cumsum(warps, axis=1) - warps).ravel()).all()

    ref = [cp.asarray(o) for o in outs]
    kernel((x.size // BLOCK,), (BLOCK,), (cp.asarray(x), *ref))
    theirs = [cp.asnumpy(r) for r in ref]
    for a, b in zip(ours, theirs, strict=True):
        assert a.tobytes() == b.tobytes()


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.int32, np.float32])
def test_block_radix_sort_of_2_20_keys(cub, dtype):
    _gpu()
    rng = np.random.default_rng(5)
    n = 1 << 20
    if dtype == np.int32:
        keys = rng.integers(-(2**31), 2**31 - 1, n, dtype=np.int32)
    else:
        keys = (rng.standard_normal(n) * 1e3).astype(np.float32)
    dev = cuda.to_device(keys)
    numba_dtype = int32 if dtype == np.int32 else float32
    cuda.jit(sort_kernel(cub, numba_dtype))[n // TILE, 128](dev)
    got = dev.copy_to_host().reshape(-1, TILE)
    want = np.sort(keys.reshape(-1, TILE), axis=1)
    assert got.tobytes() == want.tobytes()
