"""cuda_pipeline.h's asynchronous copies through bindings: a double-buffered loop copies tiles
of global memory into shared memory with `__pipeline_memcpy_async`, commits a batch per tile
and waits for all but the newest (`__pipeline_wait_prior(1)`) before reading a tile that other
threads copied; the result must equal numpy's and the same C++ kernel's, bit for bit.

The module is emitted from committed IR (CUDA 13.5's headers; GPU tests need no libclang):
    canopy dump cuda_pipeline.h --retain cuda_pipeline_primitives.h \\
        --retain cuda_pipeline_helpers.h -o tests/data/ir/cuda_pipeline.json
"""

from __future__ import annotations

import numpy as np
import pytest

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
from numba import float32, int32, types  # noqa: E402

TILE = 256
TILES = 16
BLOCKS = 64


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    from bind_helpers import module_from_ir

    return module_from_ir(tmp_path_factory.mktemp("pipeline"), "cuda_pipeline")


def copy_kernel(m):
    memcpy_async = m.__pipeline_memcpy_async
    commit, wait_prior = m.__pipeline_commit, m.__pipeline_wait_prior

    def kernel(src, dst, tiles):
        buf = cuda.shared.array((2, TILE), float32)
        t = cuda.threadIdx.x
        base = cuda.blockIdx.x * tiles * TILE
        memcpy_async(buf[0, t:], src[base + t :], 4)  # shared <- global, 4 bytes each
        commit()
        for k in range(tiles):
            if k + 1 < tiles:
                memcpy_async(buf[(k + 1) % 2, t:], src[base + (k + 1) * TILE + t :], 4)
            commit()
            wait_prior(1)  # every batch but the newest has landed: tile k is in
            cuda.syncthreads()
            dst[base + k * TILE + t] = buf[k % 2, TILE - 1 - t] * np.float32(2.0)
            cuda.syncthreads()

    return kernel


CPP = r"""
#include <cuda_pipeline.h>
extern "C" __global__ void kernel(const float *src, float *dst, int tiles) {
    __shared__ float buf[2][TILE];
    int t = threadIdx.x;
    long base = (long)blockIdx.x * tiles * TILE;
    __pipeline_memcpy_async(&buf[0][t], &src[base + t], 4);
    __pipeline_commit();
    for (int k = 0; k < tiles; ++k) {
        if (k + 1 < tiles)
            __pipeline_memcpy_async(&buf[(k + 1) % 2][t], &src[base + (k + 1) * TILE + t], 4);
        __pipeline_commit();
        __pipeline_wait_prior(1);
        __syncthreads();
        dst[base + k * TILE + t] = buf[k % 2][TILE - 1 - t] * 2.0f;
        __syncthreads();
    }
}
"""


def test_copy_kernel_compiles_and_links(pipeline):
    """CI (no GPU); arrays of any element type pass where C++ takes `void *`."""
    from numbast.backend.check import link_kernel

    argtypes = (types.float32[::1], types.float32[::1], int32)
    link_kernel(copy_kernel(pipeline), argtypes, pipeline._bindings.bundle)


@pytest.mark.gpu
def test_double_buffered_copy_matches_numpy_and_cpp(pipeline):
    from bind_helpers import cpp_kernel

    cp, kernel = cpp_kernel(CPP.replace("TILE", str(TILE)), "kernel")
    n = BLOCKS * TILES * TILE
    src = np.random.default_rng(3).standard_normal(n).astype(np.float32)
    dst = cuda.to_device(np.zeros(n, np.float32))
    cuda.jit(copy_kernel(pipeline))[BLOCKS, TILE](cuda.to_device(src), dst, TILES)
    ours = dst.copy_to_host()
    want = (src.reshape(-1, TILE)[:, ::-1] * np.float32(2.0)).ravel()
    assert ours.tobytes() == want.tobytes()

    ref = cp.zeros(n, cp.float32)
    kernel((BLOCKS,), (TILE,), (cp.asarray(src), ref, np.int32(TILES)))
    assert cp.asnumpy(ref).tobytes() == ours.tobytes()
