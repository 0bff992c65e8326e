"""Static data members of class templates (`numeric_limits<T>::digits`): their value depends
on the template arguments, so they are no module constants (they were: the primary
template's value, under a bare name, and every specialization's collided). They are read on
a specialization, `limits(T=float32).digits`, C++ giving the type and the value, inherited
ones too."""

from __future__ import annotations

import pytest

from helpers import dump_header

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
pytest.importorskip("clang.cindex", reason="dumping the sample needs the frontend")

HEADER = """
enum round_style { toward_zero = 0, to_nearest = 1 };
template <class T>
struct limits_impl {
  static constexpr int digits = 0;
  static constexpr bool is_signed = false;
  static constexpr round_style rounds = toward_zero;
  __device__ static T max() { return T(); }
};
template <>
struct limits_impl<float> {
  static constexpr int digits = 24;
  static constexpr bool is_signed = true;
  static constexpr round_style rounds = to_nearest;
  __device__ static float max() { return 3.4e38f; }
};
template <class T>
struct limits : public limits_impl<T> {};
"""


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    from bind_helpers import import_file
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module, write_module

    tmp = tmp_path_factory.mktemp("statics")
    (tmp / "limits.cuh").write_text(HEADER)
    (tmp / "limits.toml").write_text('[check]\n"limits" = [{ T = "float32" }, { T = "int32" }]\n')
    config = load_config(tmp / "limits.toml")
    text, plan = emit_module(dump_header(tmp / "limits.cuh"), b"", "test", config)
    write_module(tmp / "limits_bindings.py", text)
    return import_file(tmp / "limits_bindings.py"), plan


def test_statics_are_members_of_the_template_not_module_constants(lib):
    module, plan = lib
    assert not {"digits", "is_signed"} & set(module.__all__)
    statics = {t.name: t.statics for t in plan.tables.class_templates}
    assert statics["limits"] == ("digits", "is_signed", "rounds")  # inherited from limits_impl
    assert plan.tables.required_version() == (1, 7)
    skipped = dict(plan.skipped)
    reason = "static member of class template limits_impl (read on a specialization)"
    assert skipped["limits_impl<float>::digits"] == reason


def test_a_static_is_read_on_a_specialization(lib):
    from numba import float32, int32

    from numbast.backend.check import link_kernel

    module, _ = lib
    limits = module.limits

    def kernel(out, flags):
        f = limits(T=float32)
        out[0] = f.digits
        out[1] = limits(T=int32).digits
        flags[0] = f.is_signed

    source = link_kernel(kernel, (int32[::1], int32[::1]), module._bindings.bundle)
    assert "::new (out) int(limits<float>::digits);" in source
    assert "::new (out) int(limits<int>::digits);" in source
    assert "::new (out) bool(limits<float>::is_signed);" in source

    def enum_valued(out):
        out[0] = limits(T=float32).rounds  # an enum's value, read as its integer

    source = link_kernel(enum_valued, (int32[::1],), module._bindings.bundle)
    assert "::new (out) int(+limits<float>::rounds);" in source


def test_check_reads_every_static_of_each_specialization(lib):
    from numbast.backend.check import check_loaded

    module, _ = lib
    report = check_loaded(module)
    results = {r.label: r.ok for r in report.results}
    for spec in ("limits<T=float32>", "limits<T=int32>"):
        for name in ("digits", "is_signed", "rounds"):
            assert results[f"{spec}.{name}"], report.results
