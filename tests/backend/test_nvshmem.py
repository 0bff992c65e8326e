"""NVSHMEM's device API through the bindings, on one GPU as one PE (`nvidia-nvshmem-cu13`).

The four device headers nvshmem4py binds are dumped from the installed wheel and emitted with
the shipped config (examples/configs/nvshmem.toml, narrowed to the functions used here); its
module setup hands each loaded library to `nvshmemx_culibrary_init`. A kernel calling
`my_pe`, `n_pes`, a put and a get to itself, `barrier_all`, an atomic fetch-add and a
block-scoped sum reduction is checked against the expected values and against the same kernel
in C++ (NVRTC, loaded and initialised the same way). Linking runs without a GPU."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import nvshmem_host
import pytest

from bind_helpers import import_file
from helpers import EXAMPLES, dump_header
from numbast import ir
from numbast.backend import load_config
from numbast.backend.emit import emit_module, write_runtime

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")

HEADERS = (
    "device/nvshmem_defines.h",
    "device/nvshmemx_defines.h",
    "device/nvshmem_coll_defines.cuh",
    "device/nvshmemx_coll_defines.cuh",
)
USED = (
    "nvshmem_my_pe",
    "nvshmem_n_pes",
    "nvshmem_int_p",
    "nvshmem_int_g",
    "nvshmem_int_put",
    "nvshmem_int_get",
    "nvshmem_quiet",
    "nvshmem_barrier_all",
    "nvshmem_int_atomic_fetch_add",
    "nvshmemx_int_sum_reduce_block",
)
N = 128  # threads of the one block, and ints reduced
TEAM_WORLD = 0  # NVSHMEM_TEAM_WORLD (an enumerator of a header the dump does not retain)


def _document(include: Path) -> ir.APIDocument:
    """The four headers' IR: dumped here, or (where the frontend is absent) the one
    $NUMBAST_TEST_NVSHMEM_IR names, dumped elsewhere from the same release."""
    given = os.environ.get("NUMBAST_TEST_NVSHMEM_IR")
    if given:
        return ir.loads(
            gzip.decompress(Path(given).read_bytes())
            if given.endswith(".gz")
            else Path(given).read_bytes()
        )
    pytest.importorskip("clang.cindex", reason="dumping the headers needs the frontend")
    return dump_header(
        *(include / h for h in HEADERS),
        include_dirs=[str(include)],
        defines=["__NVSHMEM_NUMBA_SUPPORT__"],
    )


@pytest.fixture(scope="module")
def shmem(tmp_path_factory):
    try:
        include = nvshmem_host.wheel() / "include"
    except ImportError:
        pytest.skip("needs nvidia-nvshmem-cu13")
    if nvshmem_host.version() < (3, 8):
        found = ".".join(map(str, nvshmem_host.version()))
        pytest.skip(
            f"needs NVSHMEM 3.8 or newer, found {found} (NVSHMEM_HOME may name another): "
            "3.4.5's device headers include infiniband/mlx5dv.h under NVRTC"
        )
    tmp = tmp_path_factory.mktemp("nvshmem")
    doc = _document(include)
    shipped = (EXAMPLES / "nvshmem.toml").read_text()
    config = tmp / "nvshmem.toml"
    # the headers where this NVSHMEM is, whichever folders the IR recorded
    shipped = shipped.replace("[shim]\n", f"[shim]\ninclude_dirs = [{str(include)!r}]\n", 1)
    config.write_text(
        f"include = {list(USED)!r}\n{shipped}\n"
        '[module]\nimports = ["nvshmem_host"]\nsetup = "nvshmem_host.culibrary_init"\n'
    )
    api = tmp / "nvshmem.json"
    ir.save(doc, api)
    text, plan = emit_module(doc, api.read_bytes(), "test", load_config(config))
    (tmp / "nvshmem_device.py").write_text(text)
    write_runtime(tmp)
    module = import_file(tmp / "nvshmem_device.py")
    return module, include


def test_the_used_functions_bind_under_nvshmem4py_names(shmem):
    module, _ = shmem
    names = {u.removeprefix("nvshmemx_").removeprefix("nvshmem_") for u in USED}
    assert names <= set(module.__all__)


def kernel_of(m):
    from numba import int32

    def kernel(sym, counter, src, dst, out):
        i = cuda.threadIdx.x
        me = m.my_pe()
        npes = m.n_pes()
        if i == 0:
            m.int_p(sym, int32(40 + me), me)  # a put of one int to itself
            m.quiet()
            out[0] = m.int_g(sym, me)
            out[1] = me
            out[2] = npes
        m.barrier_all()
        old = m.int_atomic_fetch_add(counter, 1, me)  # every thread, one PE
        out[8 + i] = old
        if i == 0:
            m.int_put(dst, src, N, me)
        m.quiet()
        m.int_sum_reduce_block(TEAM_WORLD, dst, src, N)
        m.barrier_all()

    return kernel


CPP = r"""
#include <nvshmem.h>
#include <nvshmemx.h>
extern "C" __global__ void kernel(int *sym, int *counter, int *src, int *dst, int *out) {
    int i = threadIdx.x;
    int me = nvshmem_my_pe();
    int npes = nvshmem_n_pes();
    if (i == 0) {
        nvshmem_int_p(sym, 40 + me, me);
        nvshmem_quiet();
        out[0] = nvshmem_int_g(sym, me);
        out[1] = me;
        out[2] = npes;
    }
    nvshmem_barrier_all();
    out[8 + i] = nvshmem_int_atomic_fetch_add(counter, 1, me);
    if (i == 0) nvshmem_int_put(dst, src, COUNT, me);
    nvshmem_quiet();
    nvshmemx_int_sum_reduce_block(NVSHMEM_TEAM_WORLD, dst, src, COUNT);
    nvshmem_barrier_all();
}
"""


def test_kernel_compiles_and_links(shmem):
    from numba import int32

    from numbast.backend.check import link_kernel

    module, _ = shmem
    array = int32[::1]
    link_kernel(kernel_of(module), (array,) * 5, module._bindings.bundle)


def _symmetric(n: int):
    """n int32 of NVSHMEM's symmetric heap, zeroed, as a Numba device array."""
    ptr = nvshmem_host.malloc(4 * n)
    array = cuda.from_cuda_array_interface(
        {"shape": (n,), "typestr": "<i4", "data": (ptr, False), "version": 3},
        owner=None,
        sync=False,
    )
    array.copy_to_device(np.zeros(n, np.int32))
    return array


def _buffers():
    sym, counter, src, dst = _symmetric(1), _symmetric(1), _symmetric(N), _symmetric(N)
    src.copy_to_device(np.arange(N, dtype=np.int32) * 3)
    return sym, counter, src, dst, cuda.to_device(np.full(8 + N, -1, np.int32))


def _expect(got_sym, got_counter, got_dst, got_out):
    assert got_out[1] == 0 and got_out[2] == 1  # PE 0 of 1
    assert got_sym[0] == 40 and got_out[0] == 40  # the put, and the get after it
    # the fetch-adds of 128 threads returned each old value once; the counter ends at 128
    assert sorted(got_out[8:]) == list(range(N)) and got_counter[0] == N
    # a sum over one PE is the source itself
    assert np.array_equal(got_dst, np.arange(N, dtype=np.int32) * 3)


@pytest.mark.gpu
def test_single_pe_kernel_against_cpp(shmem):
    if not cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    from cuda.core import Device, LaunchConfig, Program, ProgramOptions, launch

    module, include = shmem
    cuda.current_context()  # NVSHMEM takes the primary context Numba made current
    nvshmem_host.init()

    bufs = _buffers()
    kernel = cuda.jit(kernel_of(module))
    kernel[1, N](*bufs)
    cuda.synchronize()
    assert kernel.overloads[next(iter(kernel.overloads))].cooperative  # barrier_all
    sym, counter, _, dst, out = (b.copy_to_host() for b in bufs)
    _expect(sym, counter, dst, out)

    # The same kernel in C++: NVRTC with the wheel's headers, the library set up by NVSHMEM.
    from cuda import pathfinder

    found = [pathfinder.locate_nvidia_header_directory(lib) for lib in ("cudart", "cccl")]
    options = ProgramOptions(
        std="c++17",
        arch="sm_{}{}".format(*cuda.get_current_device().compute_capability),
        include_path=[str(include), *(f.abs_path for f in found if f is not None)],
        define_macro=["__NVSHMEM_NUMBA_SUPPORT__", f"COUNT={N}"],
    )
    code = Program(CPP, "c++", options).compile("cubin")
    nvshmem_host.culibrary_init(int(code.handle))
    cpp_bufs = _buffers()
    device = Device()
    stream = device.create_stream()
    args = [np.uint64(b.device_ctypes_pointer.value) for b in cpp_bufs]
    config = LaunchConfig(grid=1, block=N, is_cooperative=True)
    launch(stream, config, code.get_kernel("kernel"), *args)
    stream.sync()
    c_sym, c_counter, _, c_dst, c_out = (b.copy_to_host() for b in cpp_bufs)
    _expect(c_sym, c_counter, c_dst, c_out)
    assert np.array_equal(out[:3], c_out[:3]) and np.array_equal(dst, c_dst)
    assert sorted(out[8:]) == sorted(c_out[8:])
