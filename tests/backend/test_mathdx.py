"""cuFFTDx (MathDx, `pip install nvidia-mathdx`) through the shipped config: a fixed FFT
description named in a header (examples/configs/include/cufftdx_block_fft.cuh: `using
fft128_c2c_forward = decltype(Size<128>() + ... + Block())`) is a specialization of cuFFTDx's
class template `fft_block_execution<class... Operators>`; the typedef's Python class constructs
it in a kernel, its `execute` is resolved by C++ and its static members read. A 128-point block
FFT from a Numba kernel is checked against numpy's FFT and the same C++.

MathDx is found through MATHDX_HOME (a folder with include/ and external/cutlass/include), or
the installed nvidia-mathdx wheel."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from helpers import EXAMPLES

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")

N, EPT, STRIDE = 128, 8, 16  # the description's size, elements a thread, threads


def _mathdx() -> Path | None:
    if os.environ.get("MATHDX_HOME"):
        return Path(os.environ["MATHDX_HOME"])
    try:
        import nvidia.mathdx
    except ImportError:
        return None
    return Path(list(nvidia.mathdx.__path__)[0])


MATHDX = _mathdx()
pytestmark = pytest.mark.skipif(
    MATHDX is None or not (MATHDX / "include" / "cufftdx.hpp").exists(),
    reason="needs nvidia-mathdx (pip install nvidia-mathdx) or MATHDX_HOME",
)


def _includes() -> list[str]:
    return [str(MATHDX / "include"), str(MATHDX / "external" / "cutlass" / "include")]


@pytest.fixture(scope="module")
def fft(tmp_path_factory):
    pytest.importorskip("clang.cindex", reason="dumping the header needs the frontend")
    from bind_helpers import import_file
    from helpers import dump_header
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module, write_module

    tmp = tmp_path_factory.mktemp("mathdx")
    doc = dump_header(
        EXAMPLES / "include" / "cufftdx_block_fft.cuh",
        include_dirs=_includes(),
        retain=["cufftdx/detail/fft_execution.hpp"],
    )
    text, plan = emit_module(doc, b"", "test", load_config(EXAMPLES / "cufftdx_block_fft.toml"))
    (alias,) = [a for a in plan.tables.aliases if a.name == "fft128_c2c_forward"]
    assert alias.specialization.startswith("cufftdx::detail::fft_block_execution<")
    (t,) = [c for c in plan.tables.class_templates if c.name == "fft_block_execution"]
    assert t.tparams[-1].kind == "pack" and "execute" in dict(t.cpp_methods)
    assert {"shared_memory_size", "block_dim", "elements_per_thread"} <= set(t.statics)
    write_module(tmp / "block_fft.py", text)
    return import_file(tmp / "block_fft.py")


def _kernel(m):
    from numba.cuda.vector_types import vector_types

    FFT, F2, f2 = m.fft128_c2c_forward, vector_types["float32x2"], cuda.float32x2

    def kernel(x, out, stats):
        data = cuda.local.array(EPT, F2)  # the FFT's value type: 8 bytes, aligned to 8
        smem = cuda.shared.array(N, F2)
        t, row = cuda.threadIdx.x, cuda.blockIdx.x
        for i in range(EPT):  # thread t holds elements t, t + STRIDE, ...
            k = t + i * STRIDE
            data[i] = f2(x[row, 2 * k], x[row, 2 * k + 1])
        fft = FFT()
        fft.execute(data, smem)
        for i in range(EPT):
            k = t + i * STRIDE
            out[row, 2 * k] = data[i].x
            out[row, 2 * k + 1] = data[i].y
        if t == 0 and row == 0:
            stats[0] = fft.shared_memory_size
            stats[1] = fft.elements_per_thread
            stats[2] = fft.block_dim.x
            stats[3] = fft.storage_size

    return kernel


def test_description_executes_and_links(fft):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    argtypes = (types.float32[:, ::1], types.float32[:, ::1], types.int64[::1])
    source = link_kernel(_kernel(fft), argtypes, fft._bindings.bundle)
    assert "cufftdx::FFTsPerBlock<1>, commondx::SM<900>, cufftdx::Block> *>(a0)->execute(" in source
    assert "cufftdx::Block>::shared_memory_size);" in source


CPP_FFT = r"""
#include <cufftdx_block_fft.cuh>
using FFT = block_fft::fft128_c2c_forward;
extern "C" __global__ void kernel(const float *x, float *out, long long *stats) {
    using value_type = typename FFT::value_type;
    value_type data[FFT::storage_size];
    __shared__ value_type smem[128];
    const float *row_in = x + blockIdx.x * 256;
    float *row_out = out + blockIdx.x * 256;
    for (int i = 0; i < 8; ++i) {
        int k = threadIdx.x + i * 16;
        data[i] = value_type{row_in[2 * k], row_in[2 * k + 1]};
    }
    FFT().execute(data, smem);
    for (int i = 0; i < 8; ++i) {
        int k = threadIdx.x + i * 16;
        row_out[2 * k] = data[i].x;
        row_out[2 * k + 1] = data[i].y;
    }
    if (threadIdx.x == 0 && blockIdx.x == 0) {
        stats[0] = FFT::shared_memory_size;
        stats[1] = FFT::elements_per_thread;
        stats[2] = FFT::block_dim.x;
        stats[3] = FFT::storage_size;
    }
}
"""


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_block_fft_against_numpy_and_cpp(fft):
    from bind_helpers import cpp_kernel

    rows = 64
    rng = np.random.default_rng(3)
    z = (rng.uniform(-1, 1, (rows, N)) + 1j * rng.uniform(-1, 1, (rows, N))).astype(np.complex64)
    x = z.view(np.float32)  # interleaved real, imaginary
    out, stats = np.zeros_like(x), np.zeros(4, np.int64)
    cuda.jit(_kernel(fft))[rows, STRIDE](x, out, stats)
    got = out.view(np.complex64)
    want = np.fft.fft(z.astype(np.complex128), axis=1)
    # float32 arithmetic over 7 radix-2 stages: within 1e-5 of the spectrum's largest value.
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5 * np.abs(want).max())
    cp, cpp = cpp_kernel(
        CPP_FFT, "kernel", *(f"-I{d}" for d in _includes()), f"-I{EXAMPLES / 'include'}"
    )
    c_out, c_stats = cp.zeros_like(cp.asarray(x)), cp.zeros(4, cp.int64)
    cpp((rows,), (STRIDE,), (cp.asarray(x), c_out, c_stats))
    assert stats.tolist() == c_stats.get().tolist() and stats[2] == STRIDE
    np.testing.assert_allclose(
        got, c_out.get().view(np.complex64), rtol=0, atol=1e-6 * np.abs(want).max()
    )
