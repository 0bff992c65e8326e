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
template <class T>
struct limits_impl {
  static constexpr int digits = 0;
  static constexpr bool is_signed = false;
  __device__ static T max() { return T(); }
};
template <>
struct limits_impl<float> {
  static constexpr int digits = 24;
  static constexpr bool is_signed = true;
  __device__ static float max() { return 3.4e38f; }
};
template <class T>
struct limits : public limits_impl<T> {};
"""


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    from bind_helpers import import_file
    from numbast.backend.emit import emit_module, write_module

    tmp = tmp_path_factory.mktemp("statics")
    (tmp / "limits.cuh").write_text(HEADER)
    text, plan = emit_module(dump_header(tmp / "limits.cuh"), b"", "test")
    write_module(tmp / "limits_bindings.py", text)
    return import_file(tmp / "limits_bindings.py"), plan


def test_statics_are_members_of_the_template_not_module_constants(lib):
    module, plan = lib
    assert not {"digits", "is_signed"} & set(module.__all__)
    statics = {t.name: t.statics for t in plan.tables.class_templates}
    assert statics["limits"] == ("digits", "is_signed")  # inherited from limits_impl
    assert plan.tables.required_version() == (1, 7)
    skipped = dict(plan.skipped)
    assert (
        "read on a specialization, `limits_impl(...).digits`"
        in skipped["limits_impl<float>::digits"]
    )


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
