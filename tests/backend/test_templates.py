"""Function templates: deduction from Numba argument types, explicit template arguments as
keywords, defaults, explicit specializations chosen by C++, overloads by arity, ambiguity.
CI compiles and links (NVRTC + LTO-IR + nvJitLink); the GPU test runs them."""

from __future__ import annotations

import numpy as np
import pytest

from bind_helpers import (
    bind_both_ways,
    emit_file,
    import_file,
    links_without_a_gpu,
    one_thread_results,
)
from helpers import DATA
from numbast.backend.runtime import tables as T

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
CONFIG = f'[shim]\ninclude_dirs = ["{DATA}"]\n'


@pytest.fixture(scope="module", params=["static", "dynamic"])
def bound(request, tmp_path_factory):
    """The bindings from the committed IR, as an emitted module and through numbast.bind."""
    return bind_both_ways(
        request.param, tmp_path_factory.mktemp("bind_templates"), "bind_templates", CONFIG
    )


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    path, plan = emit_file(
        tmp_path_factory.mktemp("tmpl"), DATA / "bind_templates.cuh", "bind_templates", CONFIG
    )
    return import_file(path), plan


def _kernel(m):
    from numba import float64

    clamp_to, halve, scale_by, pick, either = m.clamp_to, m.halve, m.scale_by, m.pick, m.either
    twice, power, bump, fill_n, sum_n = m.twice, m.power, m.bump, m.fill_n, m.sum_n

    def kernel(out):
        out[0] = clamp_to(5, 0, 3)  # T deduced as int64
        out[1] = clamp_to(np.float32(5.0), np.float32(0.0), np.float32(3.0))  # specialization
        out[2] = clamp_to(7.5, 0.0, 3.0)  # T = double
        out[3] = halve(3)  # U from its default (float)
        out[4] = halve(3, U=float64)  # U given explicitly
        out[5] = scale_by(np.float32(1.5), 4)  # a template parameter beside a concrete one
        out[6] = pick(np.int32(9))  # overloads chosen by arity
        out[7] = pick(np.int32(2), np.int32(8))
        out[8] = twice(np.float32(1.25))  # decltype(x + x) asked of NVRTC: float
        out[9] = power(np.int32(3), N=4)  # an integer template argument as a keyword
        out[10] = bump(np.int32(5))  # the plain function
        out[11] = bump(np.int32(5), N=10)  # the template of the same name
        buf = cuda.local.array(3, float64)
        fill_n(buf, 3, 2.5)  # `T *` from a local array: T is its dtype (and the value's)
        out[12] = sum_n(buf, 3)

    del either
    return kernel


EXPECTED = [3, 42, 3, 1.5, 1.5, 6, 9, 8, 2.5, 81, 6, 15, 7.5]


def test_plan(templates):
    _, plan = templates
    tmpl = {f.name: f.overloads for f in plan.tables.function_templates}
    assert set(tmpl) == {
        "clamp_to",
        "halve",
        "scale_by",
        "pick",
        "either",
        "twice",
        "power",
        "bump",
        "fill_n",
        "sum_n",
    }
    assert "bump" in {f.name for f in plan.tables.functions}  # the plain function of the name
    assert len(tmpl["pick"]) == 2
    assert tmpl["halve"][0].tparams == (T.TypeParam("T"), T.TypeParam("U", T.Scalar("float32")))
    assert tmpl["power"][0].tparams == (T.TypeParam("N", kind="int"), T.TypeParam("T"))
    (twice,) = tmpl["twice"]
    assert twice.params == (T.TemplateArg("T", forwarding=True),)
    assert twice.result == T.FromCpp()
    assert tmpl["sum_n"][0].params[0] == T.PointerTo("T")  # `const T *`
    why = "explicit specialization (C++ picks it when the template is called)"
    assert ("clamp_to", why) in plan.skipped


def test_instantiations_compile_and_link(templates):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    m, _ = templates
    source = link_kernel(_kernel(m), (types.float64[::1],), m._bindings.bundle)
    assert "clamp_to<long long>(" in source and "clamp_to<float>(" in source
    assert "halve<long long, float>(" in source and "halve<long long, double>(" in source
    # T deduced through `T &&` from an lvalue is `float &`, as C++ deduces it.
    assert "::new (out) float(twice<float &>(" in source
    assert "power<4, int>(" in source and "bump<10>(" in source
    assert "sum_n<double>(*static_cast<double * *>(a0)" in source


def test_a_result_type_cpp_rejects_is_a_typing_error(templates):
    from numba.core.errors import TypingError
    from numba.cuda import types

    twice = templates[0].twice

    float32x2 = cuda.float32x2

    def kernel(out):
        v = twice(float32x2(1.0, 2.0))  # CUDA's float2 has no operator+
        out[0] = v.x

    with pytest.raises(TypingError, match=r"C\+\+ rejects twice<float2 &>: .*no instance"):
        cuda.compile(
            kernel,
            (types.float64[::1],),
            cc=(9, 0),
            device=False,
            abi="numba",
            output="ltoir",
        )


def test_ambiguous_call_is_a_typing_error(templates):
    from numba.cuda import types

    either = templates[0].either

    def kernel(out):
        out[0] = either(np.int32(2))

    with pytest.raises(
        Exception,
        match=r"ambiguous call: template <typename T> T either\(T a\), "
        r"template <typename T> T either\(const T & a\)",
    ):
        cuda.compile(
            kernel, (types.float64[::1],), cc=(9, 0), device=False, abi="numba", output="ltoir"
        )


@pytest.mark.gpu
@pytest.mark.skipif(
    not cuda.is_available(),
    reason="needs a CUDA GPU",
)
def test_templates_on_the_gpu(bound):
    assert one_thread_results(_kernel(bound), len(EXPECTED)) == EXPECTED


def test_both_modes_compile_and_link(bound):
    """The same kernel through the static module and through numbast.bind (no GPU)."""
    assert links_without_a_gpu(_kernel(bound), bound)
