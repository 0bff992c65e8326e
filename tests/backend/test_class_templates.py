"""Class templates: specializations made in kernels (template arguments as keywords, defaults,
deduction from constructor arguments), their layout asked of NVRTC without a GPU."""

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
EXPECTED = [4.0, 4, 8.0, 8, 3, 2.5, 3.0, 0.5, 6.0, 7, 4.0, 3, 9.0, 5, 3.5, 1, 0, -3, 2.0]


@pytest.fixture(scope="module", params=["static", "dynamic"])
def bound(request, tmp_path_factory):
    """The bindings from the committed IR, as an emitted module and through numbast.bind."""
    return bind_both_ways(
        request.param,
        tmp_path_factory.mktemp("bind_class_templates"),
        "bind_class_templates",
        CONFIG,
    )


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    path, plan = emit_file(
        tmp_path_factory.mktemp("ctmpl"),
        DATA / "bind_class_templates.cuh",
        "bind_class_templates",
        CONFIG,
    )
    return import_file(path), plan


def _kernel(m):
    from numba import float32

    Accum, Pair, Meter, make_meter = m.Accum, m.Pair, m.Meter, m.make_meter
    first_of = m.first_of

    def kernel(out):
        acc = Accum(T=float32)  # N from its default (4)
        acc.add(np.float32(1.5), 0)  # a method that modifies the specialization
        acc.add(np.float32(2.5), 5)
        out[0] = acc.sum()
        out[1] = acc.size()
        acc8 = Accum(np.float32(1.0), N=8)  # T deduced from the constructor, N given
        out[2] = acc8.sum()
        out[3] = acc8.size()
        p = Pair(np.int32(3), np.float32(2.5))  # both parameters deduced
        out[4] = p.get_first()
        out[5] = p.get_second()
        meter = Meter(np.float32(2.0))
        out[6] = meter.scale(np.float32(1.5))  # a method of the base class template
        out[7] = meter.times(0.25)  # a member template: float * double is double
        out[8] = make_meter(3.0).scale(2.0)  # Meter<double>, a result NVRTC named
        out[9] = meter.tagged(7).get_second()  # Pair<float, int>, a result NVRTC named
        w = cuda.local.array(8, float32)
        for j in range(8):
            w[j] = 0.5
        out[10] = acc8.dot(w)  # `const T *` from a local array of T
        out[11] = first_of(p)  # `const Pair<A, B> &`: A, B from p; not first_of(T)
        out[12] = first_of(np.float32(9.0))  # first_of(T)
        q = p + Pair(np.int32(2), np.float32(1.0))  # operator+ over Pair<A, B>
        out[13] = q.get_first()
        out[14] = q.get_second()
        out[15] = 1 if p == p else 0
        out[16] = 1 if p == q else 0
        r = -p
        out[17] = r.get_first()
        out[18] = (-q).get_second() + 5.5

    return kernel


def test_plan(module):
    _, plan = module
    tmpl = {c.name: c for c in plan.tables.class_templates}
    assert tmpl["Accum"].tparams == (
        T.ClassTemplateParam("T", "type"),
        T.ClassTemplateParam("N", "int", 4),
    )
    assert tmpl["Accum"].by_ref and not tmpl["Pair"].by_ref
    assert {name for name, _ in tmpl["Accum"].methods} == {"add", "sum", "size", "dot"}
    # What the tables cannot describe is left to C++: the base's methods, a member template,
    # a result that names another specialization.
    assert tmpl["Meter"].cpp_methods == (
        ("scale", "scale"),
        ("tagged", "tagged"),
        ("times", "times"),
    )


def test_layout_from_nvrtc(module):
    m, _ = module
    assert m._bindings.query_layout("Accum<float, 8>") == (32, 4)
    assert m._bindings.query_layout("Pair<int, double>") == (16, 8)


def test_specializations_compile_and_link(module):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    m, _ = module
    source = link_kernel(_kernel(m), (types.float64[::1],), m._bindings.bundle)
    assert "::new (out) Accum<float, 8>(*static_cast<float *>(a0));" in source
    assert "static_cast<Pair<int, float> *>(a0)->get_second()" in source
    assert "first_of<int, float>(" in source and "operator+<int, float>(" in source


def test_functions_and_operators_over_a_specialization(module):
    _, plan = module
    t = plan.tables
    (first_of,) = [f for f in t.function_templates if f.name == "first_of"]
    slots = [o.params[0] for o in first_of.overloads]
    assert T.SpecializationOf(slots[0].template, ("A", "B")) in slots
    assert {o.op for o in t.operator_templates} == {"+", "==", "u-"}


@pytest.mark.gpu
@pytest.mark.skipif(
    not cuda.is_available(),
    reason="needs a CUDA GPU",
)
def test_class_templates_on_the_gpu(bound):
    assert one_thread_results(_kernel(bound), len(EXPECTED)) == EXPECTED


def test_both_modes_compile_and_link(bound):
    """The same kernel through the static module and through numbast.bind (no GPU)."""
    assert links_without_a_gpu(_kernel(bound), bound)


def test_nvrtc_answers_are_cached_on_disk(module, tmp_path, monkeypatch):
    """A second process asks NVRTC nothing: layouts, specializations and result types come
    from the disk cache."""
    import importlib

    m, _ = module
    rt = m._bindings
    package = type(rt).__module__.rpartition(".")[0]  # the runtime the module loaded
    layout = importlib.import_module(package + ".layout")
    compiler = importlib.import_module(package + ".compiler")
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "numbast"))
    call = "static_cast<Scaled<float> *>(a0)->times(*static_cast<double *>(a1))"

    def ask():
        return (
            rt.query_layout("Accum<double, 2>"),
            rt.query_specialization("Pair<int,double>"),
            rt.query_result(call, 2),
        )

    layout.forget_memory()
    first = ask()
    assert first == ((16, 8), (16, 8, "Pair<int, double>"), ("type", "double"))
    assert (tmp_path / "numbast" / "layouts.json").exists()
    layout.forget_memory()

    def no_nvrtc(*args, **kwargs):
        raise AssertionError("NVRTC asked again")

    monkeypatch.setattr(compiler, "compile_ltoir", no_nvrtc)
    assert ask() == first


def test_a_call_cpp_rejects_is_answered_with_the_compiler_error(module):
    m, _ = module
    kind, text = m._bindings.query_result("static_cast<Pair<int, int> *>(a0)->missing()", 1)
    assert kind == "error" and 'has no member "missing"' in text


def test_cpp_spellings_of_results_map_to_numba_types(module):
    from numba.cuda import types

    m, _ = module
    b = m._bindings
    assert b.type_from_cpp("unsigned int") == types.uint32
    assert b.type_from_cpp("const float &") == types.float32  # a reference copies its value
    assert b.type_from_cpp("long long &&") == types.int64
    assert b.type_from_cpp("void") == types.void
    assert b.type_from_cpp("void *") == types.voidptr
    assert b.type_from_cpp("double *") == types.CPointer(types.float64)
    assert b.type_from_cpp("NoSuchType") is None
    pair = b.type_from_cpp("Pair<float, Pair<int, int> >")  # nested, as the demangler spells
    assert pair.template_args == {"A": types.float32, "B": b.type_from_cpp("Pair<int, int>")}
