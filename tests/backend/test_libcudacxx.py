"""libcu++ headers bound as a user binds them: `cuda/std/complex` (a header that forwards to
its parts in `__complex/`), its class template constructed in kernels by argument deduction
(its constructor takes `const value_type &`, a member typedef of the template parameter)."""

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
    complex_ = m.complex

    def kernel(out):
        c = complex_(np.float32(3.0), np.float32(4.0))  # cuda::std::complex<float>
        out[0] = c.real()
        out[1] = c.imag()

    return kernel


def test_complex_is_constructed_from_its_value_type(cplx):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    source = link_kernel(_kernel(cplx), (types.float32[::1],), cplx._bindings.bundle)
    assert "cuda::std::complex<float>" in source


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_complex_in_a_kernel(cplx):
    out = np.zeros(2, np.float32)
    cuda.jit(_kernel(cplx))[1, 1](out)
    assert out.tolist() == [3.0, 4.0]
