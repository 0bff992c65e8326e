"""CUB block primitives from a kernel: cub::BlockScan and cub::BlockReduce specialized at typing
time (layout from NVRTC), through a static module and through numbast.bind: inclusive and
exclusive sums (one with an enum template argument given by name), sum and max reductions, and
a BlockLoad / BlockStore round trip of 4 items per thread, and the function templates
cub::LoadDirectBlocked / cub::StoreDirectStriped (a device array as the iterator, a local
array as `T (&)[ItemsPerThread]`).

The IR (tests/data/ir/cub_block.json) is `canopy dump cub/block/block_scan.cuh
cub/block/block_reduce.cuh cub/block/block_load.cuh cub/block/block_store.cuh`; the config
(tests/data/cub_block.toml) makes `output` an
out_return result."""

from __future__ import annotations

import numpy as np
import pytest

from bind_helpers import bind_both_ways
from helpers import DATA
from numbast import ir
from numbast.backend import load_config
from numbast.backend.emit import emit_module, write_runtime

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
IR_FILE = DATA / "ir" / "cub_block.json"
CONFIG = DATA / "cub_block.toml"


@pytest.fixture(scope="module", params=["static", "dynamic"])
def cub(request, tmp_path_factory):
    return bind_both_ways(
        request.param, tmp_path_factory.mktemp("cub"), "cub_block", CONFIG.read_text()
    )


def _kernel(m):
    from numba import int32

    BlockScan, BlockReduce = m.BlockScan, m.BlockReduce
    BlockLoad, BlockStore = m.BlockLoad, m.BlockStore
    LoadDirectBlocked, StoreDirectStriped = m.LoadDirectBlocked, m.StoreDirectStriped

    def kernel(data, inclusive, exclusive, total, wide_in, wide_out, striped):
        i = cuda.threadIdx.x
        items = cuda.local.array(4, int32)  # `T (&)[ItemsPerThread]` from a local array
        BlockLoad(T=int32, BlockDimX=128, ItemsPerThread=4).Load(wide_in, items)
        for j in range(4):
            items[j] += 1
        BlockStore(T=int32, BlockDimX=128, ItemsPerThread=4).Store(wide_out, items)
        # Function templates: the iterator is the device array, T the local array's dtype,
        # the integers given as keywords.
        LoadDirectBlocked(i, wide_in, items, ItemsPerThread=4)
        StoreDirectStriped(i, striped, items, BLOCK_THREADS=128, ItemsPerThread=4)
        scan = BlockScan(T=int32, BlockDimX=128)
        inclusive[i] = scan.InclusiveSum(data[i])
        # An enum template parameter given by enumerator name.
        warp_scan = BlockScan(T=int32, BlockDimX=128, Algorithm="BLOCK_SCAN_WARP_SCANS")
        exclusive[i] = warp_scan.ExclusiveSum(data[i])
        reduce = BlockReduce(T=int32, BlockDimX=128)
        s = reduce.Sum(data[i])
        cuda.syncthreads()  # the reduction's shared storage is reused by the next call
        m = reduce.Reduce(data[i])  # cuda::maximum<>{} fixed by the config's [arguments]
        if i == 0:
            total[0] = s
            total[1] = m

    return kernel


def test_cub_kernels_compile_and_link(cub):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    arr = types.int32[::1]
    source = link_kernel(_kernel(cub), (arr,) * 7, cub._bindings.bundle)
    assert "cub::BlockScan<int, 128, (cub::BlockScanAlgorithm)0, 1, 1>" in source
    assert "cub::BlockScan<int, 128, (cub::BlockScanAlgorithm)2, 1, 1>" in source
    assert "::cuda::maximum<>{}" in source
    assert "cub::LoadDirectBlocked<int, 4, int *>(" in source
    assert "cub::StoreDirectStriped<128, int, 4, int *>(" in source


def test_an_array_length_numba_does_not_know_is_asked_for(cub):
    from numba import int32
    from numba.core.errors import TypingError
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    load = cub.LoadDirectBlocked

    def kernel(src):
        items = cuda.local.array(4, int32)
        load(cuda.threadIdx.x, src, items)  # ItemsPerThread not given

    with pytest.raises(TypingError, match="give ItemsPerThread="):
        link_kernel(kernel, (types.int32[::1],), cub._bindings.bundle)


@pytest.mark.gpu
@pytest.mark.skipif(
    not cuda.is_available(),
    reason="needs a CUDA GPU",
)
def test_cub_block_scan_and_reduce_on_the_gpu(cub):
    kernel = cuda.jit(_kernel(cub))
    data = np.random.default_rng(3).integers(-50, 50, 128).astype(np.int32)
    inclusive, exclusive, total = (np.zeros(n, np.int32) for n in (128, 128, 2))
    wide_in = np.arange(512, dtype=np.int32) * 3
    wide_out, striped = np.zeros(512, np.int32), np.zeros(512, np.int32)
    kernel[1, 128](data, inclusive, exclusive, total, wide_in, wide_out, striped)
    np.testing.assert_array_equal(inclusive, np.cumsum(data))
    np.testing.assert_array_equal(exclusive, np.concatenate([[0], np.cumsum(data)[:-1]]))
    assert total.tolist() == [data.sum(), data.max()]
    np.testing.assert_array_equal(wide_out, wide_in + 1)  # blocked load, +1, blocked store
    # thread t's items are wide_in[4t : 4t + 4]; striped, item j goes to striped[128 j + t]
    np.testing.assert_array_equal(striped, wide_in.reshape(128, 4).T.ravel())


def test_static_cub_module_needs_neither_libclang_nor_numbast(tmp_path):
    """The emitted CUB module imports and compiles a kernel (to LTO-IR, with its shims through
    NVRTC) in a process where `clang` and `numbast` cannot be imported."""
    import subprocess
    import sys

    text, _ = emit_module(ir.load(IR_FILE), IR_FILE.read_bytes(), "test", load_config(CONFIG))
    (tmp_path / "cub_bindings.py").write_text(text)
    write_runtime(tmp_path)
    code = f"""
import sys
class Block:
    def find_spec(self, name, *args):
        if name.split(".")[0] in ("numbast", "clang"):
            raise ImportError("hidden: " + name)
sys.meta_path.insert(0, Block())
sys.path.insert(0, {str(tmp_path)!r})
from numba import cuda, int32
from numba.cuda import types
from numba.cuda.cudadrv import nvrtc
import cub_bindings as m
BlockScan = m.BlockScan
def kernel(data, out):
    i = cuda.threadIdx.x
    out[i] = BlockScan(T=int32, BlockDimX=128).InclusiveSum(data[i])
arr = types.int32[::1]
cuda.compile(kernel, (arr, arr), cc=(9, 0), device=False, abi="numba", output="ltoir")
bundle = m._bindings.bundle
nvrtc.compile(bundle.source(bundle.used), "shims.cu", (9, 0), ltoir=True)
print("ok", "numbast" in sys.modules, "clang" in sys.modules)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["ok", "False", "False"]
