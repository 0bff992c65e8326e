"""libcu++ headers bound as a user binds them: `cuda/std/bit` (function templates whose
constraints CCCL's `_CCCL_TEMPLATE`/`_CCCL_REQUIRES` macros spell as defaulted non-type
template parameters, left to C++), `cuda/std/complex` (a header that forwards to
its parts in `__complex/`), its class template constructed in kernels by argument deduction
(its constructor takes `const value_type &`, a member typedef of the template parameter),
and its functions and operators over `const complex<_Tp> &` (abs, conj, exp, `*`, `+`, ...)
deducing `_Tp` from the argument's specialization, C++'s more specialized overload winning
over `conj(_Tp)`; `cuda/atomic`'s `cuda::atomic_ref` through the shipped config, its members
(fetch_add, load, ...) from the base C++ picks by the value type, resolved by C++."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import EXAMPLES

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")


@pytest.fixture(scope="module")
def cplx(tmp_path_factory):
    pytest.importorskip("clang.cindex", reason="dumping cuda/std/complex needs the frontend")
    from bind_helpers import import_file
    from helpers import dump_header
    from numbast.backend.emit import emit_module, write_module

    tmp = tmp_path_factory.mktemp("cplx")
    text, plan = emit_module(dump_header("cuda/std/complex"), b"", "test")
    assert "complex" in plan.tables.exports()
    write_module(tmp / "std_complex.py", text)
    return import_file(tmp / "std_complex.py")


def _kernel(m):
    complex_, abs_, arg, conj, exp, norm, polar = (
        m.complex,
        m.abs,
        m.arg,
        m.conj,
        m.exp,
        m.norm,
        m.polar,
    )

    def kernel(out):
        c = complex_(np.float32(3.0), np.float32(4.0))  # cuda::std::complex<float>
        out[0] = c.real()
        out[1] = c.imag()
        out[2] = abs_(c)
        out[3] = norm(c)
        out[4] = arg(c)
        out[5] = conj(c).imag()
        e = exp(complex_(np.float32(0.5), np.float32(1.0)))
        out[6] = e.real()
        out[7] = e.imag()
        p = polar(np.float32(2.0), np.float32(0.5))
        out[8] = p.real()
        out[9] = p.imag()
        q = c * e + np.float32(1.0)  # the free operator templates over complex<_Tp>
        out[10] = q.real()
        out[11] = (-q).imag()
        out[12] = 1 if c == c and c != e else 0

    return kernel


def _expected() -> list[float]:
    e, p = np.exp(np.complex64(0.5 + 1j)), np.float32(2.0) * np.exp(np.complex64(0.5j))
    q = np.complex64(3 + 4j) * e + 1
    return [3, 4, 5, 25, np.angle(3 + 4j), -4, e.real, e.imag, p.real, p.imag, q.real, -q.imag, 1]


def test_complex_is_constructed_from_its_value_type(cplx):
    from numba.cuda import types

    from numbast.backend.check import link_kernel
    from numbast.backend.runtime import tables as T

    (abs_,) = [f for f in cplx._bindings.tables.function_templates if f.name == "abs"]
    slots = {type(p) for o in abs_.overloads for p in o.params}
    assert T.SpecializationOf in slots  # abs(const complex<_Tp> &)
    source = link_kernel(_kernel(cplx), (types.float32[::1],), cplx._bindings.bundle)
    assert "cuda::std::complex<float>" in source
    assert "cuda::std::conj<float>(" in source and "cuda::std::abs<float>(" in source
    assert "cuda::std::operator*<float>(" in source


CPP_COMPLEX = r"""
#include <cuda/std/complex>
extern "C" __global__ void kernel(float *out) {
    using C = cuda::std::complex<float>;
    C c(3.0f, 4.0f);
    out[0] = c.real(); out[1] = c.imag(); out[2] = cuda::std::abs(c); out[3] = cuda::std::norm(c);
    out[4] = cuda::std::arg(c); out[5] = cuda::std::conj(c).imag();
    C e = cuda::std::exp(C(0.5f, 1.0f));
    out[6] = e.real(); out[7] = e.imag();
    C p = cuda::std::polar(2.0f, 0.5f);
    out[8] = p.real(); out[9] = p.imag();
    C q = c * e + 1.0f;
    out[10] = q.real(); out[11] = (-q).imag();
    out[12] = (c == c && c != e) ? 1 : 0;
}
"""


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_complex_in_a_kernel(cplx):
    from bind_helpers import cpp_kernel

    out = np.zeros(13, np.float32)
    cuda.jit(_kernel(cplx))[1, 1](out)
    np.testing.assert_allclose(out, np.array(_expected(), np.float32), rtol=2e-6, atol=1e-6)
    cp, cpp = cpp_kernel(CPP_COMPLEX, "kernel")
    c_out = cp.zeros(13, cp.float32)
    cpp((1,), (1,), (c_out,))
    # The same C++, its operators in separate shims here: within a float32 rounding or two.
    np.testing.assert_allclose(out, c_out.get(), rtol=3e-7, atol=1e-7)


@pytest.fixture(scope="module")
def bit(tmp_path_factory):
    pytest.importorskip("clang.cindex", reason="dumping cuda/std/bit needs the frontend")
    from bind_helpers import import_file
    from helpers import dump_header
    from numbast.backend.emit import emit_module, write_module

    tmp = tmp_path_factory.mktemp("bit")
    text, plan = emit_module(dump_header("cuda/std/bit"), b"", "test")
    assert {"popcount", "bit_width", "rotl", "countl_zero", "has_single_bit"} <= set(
        plan.tables.exports()
    )
    write_module(tmp / "std_bit.py", text)
    return import_file(tmp / "std_bit.py")


def _bit_kernel(m):
    popcount, bit_width, rotl, countl_zero = m.popcount, m.bit_width, m.rotl, m.countl_zero
    has_single_bit, bit_floor = m.has_single_bit, m.bit_floor

    def kernel(x, out):
        i = cuda.grid(1)
        if i < x.size:
            out[i, 0] = popcount(x[i])
            out[i, 1] = bit_width(x[i])
            out[i, 2] = rotl(x[i], 3)
            out[i, 3] = countl_zero(x[i])
            out[i, 4] = 1 if has_single_bit(x[i]) else 0
            out[i, 5] = bit_floor(x[i])

    return kernel


def _bit_expected(x: np.ndarray) -> np.ndarray:
    v = [int(a) for a in x]
    width = [a.bit_length() for a in v]
    return np.array(
        [
            [
                bin(a).count("1"),
                w,
                ((a << 3) | (a >> 29)) & 0xFFFFFFFF,
                32 - w,
                1 if a and not a & (a - 1) else 0,
                (1 << (w - 1)) if a else 0,
            ]
            for a, w in zip(v, width, strict=True)
        ],
        np.uint32,
    )


def test_bit_functions_deduce_and_link(bit):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    argtypes = (types.uint32[::1], types.uint32[:, ::1])
    source = link_kernel(_bit_kernel(bit), argtypes, bit._bindings.bundle)
    assert "cuda::std::popcount<unsigned int>(" in source
    assert "cuda::std::rotl<unsigned int>(" in source


CPP_BIT = r"""
#include <cuda/std/bit>
extern "C" __global__ void kernel(const unsigned *x, unsigned *out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        unsigned v = x[i], *o = out + 6 * i;
        o[0] = cuda::std::popcount(v); o[1] = cuda::std::bit_width(v);
        o[2] = cuda::std::rotl(v, 3); o[3] = cuda::std::countl_zero(v);
        o[4] = cuda::std::has_single_bit(v) ? 1 : 0; o[5] = cuda::std::bit_floor(v);
    }
}
"""


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_bit_functions_in_a_kernel(bit):
    from bind_helpers import cpp_kernel

    rng = np.random.default_rng(3)
    x = np.concatenate([[0, 1, 2, 3, 64, 0xFFFFFFFF], rng.integers(0, 1 << 32, 250)])
    x = x.astype(np.uint32)
    out = np.zeros((x.size, 6), np.uint32)
    cuda.jit(_bit_kernel(bit)).forall(x.size)(x, out)
    np.testing.assert_array_equal(out, _bit_expected(x))
    cp, cpp = cpp_kernel(CPP_BIT, "kernel")
    c_out = cp.zeros((x.size, 6), cp.uint32)
    cpp(((x.size + 127) // 128,), (128,), (cp.asarray(x), c_out, np.int32(x.size)))
    np.testing.assert_array_equal(out, c_out.get())


@pytest.fixture(scope="module")
def atomic(tmp_path_factory):
    pytest.importorskip("clang.cindex", reason="dumping cuda/atomic needs the frontend")
    from bind_helpers import import_file
    from helpers import dump_header
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module, write_module

    tmp = tmp_path_factory.mktemp("atomic")
    doc = dump_header("cuda/atomic")  # its parts: cuda/__atomic/, cuda/std/__atomic/
    config = load_config(EXAMPLES / "cuda_atomic.toml")
    text, plan = emit_module(doc, b"", "test", config)
    ref = next(t for t in plan.tables.class_templates if t.name == "atomic_ref")
    assert {"fetch_add", "load", "store", "exchange", "fetch_or"} <= dict(ref.cpp_methods).keys()
    write_module(tmp / "cuda_atomic.py", text)
    return import_file(tmp / "cuda_atomic.py")


COUNTERS = 4


def _atomic_kernel(m):
    from numba import float32, int32

    ref = m.atomic_ref

    def kernel(counts, total, olds):
        i = cuda.grid(1)
        if i < olds.size:
            c = ref(counts[i % COUNTERS :], _Sco="thread_scope_device")  # counts[i % COUNTERS]
            olds[i] = c.fetch_add(int32(1))
            t = ref(total, _Sco="thread_scope_device")
            t.fetch_add(float32(0.5))
            olds[i] += 0 * c.load()

    return kernel


def test_atomic_ref_members_resolve_and_link(atomic):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    argtypes = (types.int32[::1], types.float32[::1], types.int32[::1])
    source = link_kernel(_atomic_kernel(atomic), argtypes, atomic._bindings.bundle)
    assert "cuda::atomic_ref<int, (cuda::std::thread_scope)1>" in source
    assert "->fetch_add(" in source and "->load()" in source

    from numba.core.errors import TypingError

    device = atomic.thread_scope.thread_scope_device  # Numba types it without its value

    def by_enum_member(counts):
        atomic.atomic_ref(counts, _Sco=device).fetch_add(1)

    with pytest.raises(
        TypingError, match='give the enumerator by name as a string \\("thread_scope_'
    ):
        link_kernel(by_enum_member, (types.int32[::1],), atomic._bindings.bundle)


CPP_ATOMIC = r"""
#include <cuda/atomic>
extern "C" __global__ void kernel(int *counts, float *total, int *olds, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        cuda::atomic_ref<int, cuda::thread_scope_device> c(counts[i % 4]);
        olds[i] = c.fetch_add(1);
        cuda::atomic_ref<float, cuda::thread_scope_device> t(total[0]);
        t.fetch_add(0.5f);
    }
}
"""


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_atomic_ref_in_a_kernel_against_cpp(atomic):
    from bind_helpers import cpp_kernel

    n = 1 << 16
    counts, total = (
        cuda.to_device(np.zeros(COUNTERS, np.int32)),
        cuda.to_device(np.zeros(1, np.float32)),
    )
    olds = cuda.device_array(n, np.int32)
    cuda.jit(_atomic_kernel(atomic))[n // 256, 256](counts, total, olds)
    got_counts, got_total, got_olds = (
        counts.copy_to_host(),
        total.copy_to_host(),
        olds.copy_to_host(),
    )
    assert (got_counts == n // COUNTERS).all() and got_total[0] == n * 0.5
    for k in range(COUNTERS):  # each counter handed out every old value once
        assert np.array_equal(np.sort(got_olds[k::COUNTERS]), np.arange(n // COUNTERS))
    cp, cpp = cpp_kernel(CPP_ATOMIC, "kernel")
    c_counts, c_total = cp.zeros(COUNTERS, cp.int32), cp.zeros(1, cp.float32)
    c_olds = cp.zeros(n, cp.int32)
    cpp((n // 256,), (256,), (c_counts, c_total, c_olds, np.int32(n)))
    assert np.array_equal(got_counts, c_counts.get()) and got_total[0] == float(c_total.get()[0])
    assert np.array_equal(np.sort(got_olds), np.sort(c_olds.get()))


@pytest.fixture(scope="module")
def limits(tmp_path_factory):
    pytest.importorskip("clang.cindex", reason="dumping cuda/std/limits needs the frontend")
    from bind_helpers import import_file
    from helpers import dump_header
    from numbast.backend.emit import emit_module, write_module

    tmp = tmp_path_factory.mktemp("limits")
    text, plan = emit_module(dump_header("cuda/std/limits"), b"", "test")
    (nl,) = [t for t in plan.tables.class_templates if t.name == "numeric_limits"]
    assert {"digits", "is_signed", "is_integer", "max_exponent"} <= set(nl.statics)
    write_module(tmp / "std_limits.py", text)
    return import_file(tmp / "std_limits.py")


def _limits_kernel(m):
    from numba import float32, float64, int32

    nl = m.numeric_limits

    def kernel(f, ints):
        f32, f64, i32 = nl(_Tp=float32), nl(_Tp=float64), nl(_Tp=int32)
        f[0], f[1], f[2] = f32.max(), f32.epsilon(), f32.lowest()
        f[3], f[4] = f64.epsilon(), f32.denorm_min()
        ints[0], ints[1], ints[2] = f32.digits, f64.digits, i32.digits
        ints[3], ints[4] = i32.max(), f32.max_exponent
        ints[5], ints[6], ints[7] = f32.is_signed, i32.is_integer, f32.is_iec559

    return kernel


def test_numeric_limits_statics_and_functions_link(limits):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    argtypes = (types.float64[::1], types.int64[::1])
    source = link_kernel(_limits_kernel(limits), argtypes, limits._bindings.bundle)
    assert "cuda::std::numeric_limits<float>::digits" in source
    assert "cuda::std::numeric_limits<int>::is_integer" in source


CPP_LIMITS = r"""
#include <cuda/std/limits>
extern "C" __global__ void kernel(double *f, long long *ints) {
    using F = cuda::std::numeric_limits<float>;
    using D = cuda::std::numeric_limits<double>;
    using I = cuda::std::numeric_limits<int>;
    f[0] = F::max(); f[1] = F::epsilon(); f[2] = F::lowest(); f[3] = D::epsilon();
    f[4] = F::denorm_min();
    ints[0] = F::digits; ints[1] = D::digits; ints[2] = I::digits; ints[3] = I::max();
    ints[4] = F::max_exponent; ints[5] = F::is_signed; ints[6] = I::is_integer;
    ints[7] = F::is_iec559;
}
"""


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_numeric_limits_in_a_kernel_against_cpp(limits):
    from bind_helpers import cpp_kernel

    f, ints = np.zeros(5), np.zeros(8, np.int64)
    cuda.jit(_limits_kernel(limits))[1, 1](f, ints)
    f32, f64 = np.finfo(np.float32), np.finfo(np.float64)
    want_f = [f32.max, f32.eps, f32.min, f64.eps, f32.smallest_subnormal]
    assert np.array_equal(f, np.array(want_f, np.float64))
    assert list(ints) == [24, 53, 31, np.iinfo(np.int32).max, 128, 1, 1, 1]
    cp, cpp = cpp_kernel(CPP_LIMITS, "kernel")
    c_f, c_ints = cp.zeros(5), cp.zeros(8, cp.int64)
    cpp((1,), (1,), (c_f, c_ints))
    assert np.array_equal(f, c_f.get()) and np.array_equal(ints, c_ints.get())


@pytest.fixture(scope="module")
def barrier(tmp_path_factory):
    pytest.importorskip("clang.cindex", reason="dumping cuda/barrier needs the frontend")
    from bind_helpers import import_file
    from helpers import dump_header
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module, write_module

    tmp = tmp_path_factory.mktemp("barrier")
    doc = dump_header("cuda/barrier")  # with its parts: cuda/__barrier/, cuda/std/__barrier/
    kept = {i.path for i in doc.header.inputs}
    assert {"cuda/__barrier/barrier.h", "cuda/std/__barrier/barrier.h"} <= kept
    assert "cuda/ptx" not in kept  # another component, included but not its part
    config = load_config(EXAMPLES / "cuda_barrier.toml")
    text, plan = emit_module(doc, b"", "test", config)
    bar = next(t for t in plan.tables.class_templates if t.name == "barrier")
    assert {"arrive", "wait", "arrive_and_wait"} <= dict(bar.cpp_methods).keys()
    (init,) = [f for f in plan.tables.function_templates if f.name == "init"]
    assert all(o.friend and o.callee == "init" for o in init.overloads)
    write_module(tmp / "cuda_barrier.py", text)
    return import_file(tmp / "cuda_barrier.py")


ROUNDS = 5


def _barrier_kernel(m, Bar):
    from numba import int32

    init = m.init

    def kernel(x, out):
        bar = cuda.shared.array(1, Bar)  # __shared__ cuda::barrier<thread_scope_block> bar;
        buf = cuda.shared.array(256, int32)
        t, n = cuda.threadIdx.x, cuda.blockDim.x
        i = cuda.blockIdx.x * n + t
        if t == 0:
            init(bar, n)
        cuda.syncthreads()
        v = x[i]
        for _ in range(ROUNDS):  # each round adds the next thread's value: needs the barrier
            buf[t] = v
            token = bar[0].arrive()
            bar[0].wait(token)
            v += buf[(t + 1) % n]
            bar[0].arrive_and_wait()  # everyone has read before the next round writes
        out[i] = v

    return kernel


def test_barrier_in_shared_memory_links(barrier):
    """`barrier.specialize(...)` is a dtype: a shared array of it is the C++ `__shared__`
    barrier, `init(bar, n)` the hidden friend found through its argument, and
    `bar[0].wait(token)` passes the token as an rvalue, as `wait(arrival_token &&)` takes it."""
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    Bar = barrier.barrier.specialize(_Sco="thread_scope_block")
    assert Bar is barrier.barrier.specialize(_Sco=2)
    assert Bar._numba_type_.size == 8
    argtypes = (types.int32[::1], types.int32[::1])
    source = link_kernel(_barrier_kernel(barrier, Bar), argtypes, barrier._bindings.bundle)
    assert "  init(*static_cast<cuda::barrier<(cuda::std::thread_scope)2> *" in source
    assert "->wait(static_cast<unsigned long long &&>(" in source
    with pytest.raises(TypeError, match="_Scope is not a template parameter of cuda::barrier"):
        barrier.barrier.specialize(_Scope=2)


CPP_BARRIER = r"""
#include <cuda/barrier>
extern "C" __global__ void kernel(const int *x, int *out) {
    __shared__ cuda::barrier<cuda::thread_scope_block> bar;
    __shared__ int buf[256];
    int t = threadIdx.x, n = blockDim.x, i = blockIdx.x * n + t;
    if (t == 0) init(&bar, n);
    __syncthreads();
    int v = x[i];
    for (int r = 0; r < 5; ++r) {
        buf[t] = v;
        auto token = bar.arrive();
        bar.wait(std::move(token));
        v += buf[(t + 1) % n];
        bar.arrive_and_wait();
    }
    out[i] = v;
}
"""


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_barrier_in_a_kernel_against_cpp(barrier):
    from bind_helpers import cpp_kernel

    blocks, n = 64, 256
    x = np.random.default_rng(7).integers(-1000, 1000, blocks * n).astype(np.int32)
    out = np.zeros_like(x)
    Bar = barrier.barrier.specialize(_Sco="thread_scope_block")
    cuda.jit(_barrier_kernel(barrier, Bar))[blocks, n](x, out)
    want = x.reshape(blocks, n).astype(np.int64)
    for _ in range(ROUNDS):
        want = want + np.roll(want, -1, axis=1)
    assert np.array_equal(out, want.reshape(-1).astype(np.int32))
    cp, cpp = cpp_kernel(CPP_BARRIER, "kernel")
    c_out = cp.zeros(blocks * n, cp.int32)
    cpp((blocks,), (n,), (cp.asarray(x), c_out))
    assert np.array_equal(out, c_out.get())
