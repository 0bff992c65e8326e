"""libcu++ headers bound as a user binds them: `cuda/std/bit` (function templates whose
constraints CCCL's `_CCCL_TEMPLATE`/`_CCCL_REQUIRES` macros spell as defaulted non-type
template parameters, left to C++), `cuda/std/complex` (a header that forwards to
its parts in `__complex/`), its class template constructed in kernels by argument deduction
(its constructor takes `const value_type &`, a member typedef of the template parameter),
and its functions and operators over `const complex<_Tp> &` (abs, conj, exp, `*`, `+`, ...)
deducing `_Tp` from the argument's specialization, C++'s more specialized overload winning
over `conj(_Tp)`."""

from __future__ import annotations

import numpy as np
import pytest

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


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_complex_in_a_kernel(cplx):
    out = np.zeros(13, np.float32)
    cuda.jit(_kernel(cplx))[1, 1](out)
    np.testing.assert_allclose(out, np.array(_expected(), np.float32), rtol=2e-6, atol=1e-6)


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


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_bit_functions_in_a_kernel(bit):
    rng = np.random.default_rng(3)
    x = np.concatenate([[0, 1, 2, 3, 64, 0xFFFFFFFF], rng.integers(0, 1 << 32, 250)])
    x = x.astype(np.uint32)
    out = np.zeros((x.size, 6), np.uint32)
    cuda.jit(_bit_kernel(bit)).forall(x.size)(x, out)
    np.testing.assert_array_equal(out, _bit_expected(x))
