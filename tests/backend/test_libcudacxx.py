"""libcu++ headers bound as a user binds them: `cuda/std/complex` (a header that forwards to
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
