"""CUDA's atomics (device_atomic_functions.h, sm_20/sm_60_atomic_functions.h) through bindings,
under contention: 2^24 threads add, take the maximum and count into the same few words; the
totals must be exact and equal to what the same C++ kernel, compiled by NVRTC, computes.

The module is emitted from committed IR (CUDA 13.5's headers):
    canopy dump device_atomic_functions.h sm_20_atomic_functions.h sm_60_atomic_functions.h \\
        -o tests/data/ir/atomics.json
"""

from __future__ import annotations

import numpy as np
import pytest

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
from numba import types  # noqa: E402

N = 1 << 24
BLOCK = 256


@pytest.fixture(scope="module")
def atomics(tmp_path_factory):
    from bind_helpers import module_from_ir

    return module_from_ir(tmp_path_factory.mktemp("atomics"), "atomics")


def contention_kernel(m):
    atomicAdd, atomicMax, atomicCAS = m.atomicAdd, m.atomicMax, m.atomicCAS

    def kernel(count, total, biggest, fsum, dsum, cas):
        i = cuda.grid(1)
        atomicAdd(count, np.uint32(1))
        atomicAdd(total, np.uint64(i))
        atomicMax(biggest, np.int32(i % 1000003))
        atomicAdd(fsum, np.float32(1.0))
        atomicAdd(dsum, 0.5)
        if i % 64 == 0:  # a CAS loop: increments that retry under contention
            old = cas[0]
            while True:
                seen = atomicCAS(cas, old, old + np.uint32(1))
                if seen == old:
                    break
                old = seen

    return kernel


CPP = r"""
extern "C" __global__ void kernel(unsigned *count, unsigned long long *total, int *biggest,
                                  float *fsum, double *dsum, unsigned *cas) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    atomicAdd(count, 1u);
    atomicAdd(total, (unsigned long long)i);
    atomicMax(biggest, (int)(i % 1000003));
    atomicAdd(fsum, 1.0f);
    atomicAdd(dsum, 0.5);
    if (i % 64 == 0) {
        unsigned old = *cas;
        while (true) {
            unsigned seen = atomicCAS(cas, old, old + 1u);
            if (seen == old) break;
            old = seen;
        }
    }
}
"""


def _buffers():
    return [
        np.zeros(1, np.uint32),
        np.zeros(1, np.uint64),
        np.zeros(1, np.int32),
        np.zeros(1, np.float32),
        np.zeros(1, np.float64),
        np.zeros(1, np.uint32),
    ]


def test_contention_kernel_compiles_and_links(atomics):
    from numbast.backend.check import link_kernel

    argtypes = (
        types.uint32[::1],
        types.uint64[::1],
        types.int32[::1],
        types.float32[::1],
        types.float64[::1],
        types.uint32[::1],
    )
    link_kernel(contention_kernel(atomics), argtypes, atomics._bindings.bundle)


@pytest.mark.gpu
def test_totals_under_contention_are_exact_and_match_cpp(atomics):
    from bind_helpers import cpp_kernel

    cp, kernel = cpp_kernel(CPP, "kernel")
    dev = [cuda.to_device(b) for b in _buffers()]
    cuda.jit(contention_kernel(atomics))[N // BLOCK, BLOCK](*dev)
    ours = [d.copy_to_host()[0] for d in dev]
    expected = [N, N * (N - 1) // 2, 1000002, float(N), N * 0.5, N // 64]
    assert [int(ours[0]), int(ours[1]), int(ours[2])] == expected[:3]
    assert float(ours[3]) == expected[3] and float(ours[4]) == expected[4]
    assert int(ours[5]) == expected[5]

    ref = [cp.asarray(b) for b in _buffers()]
    kernel((N // BLOCK,), (BLOCK,), tuple(ref))
    theirs = [cp.asnumpy(r)[0] for r in ref]
    assert [x.tobytes() for x in ours] == [x.tobytes() for x in theirs]
