"""runtime.tables: the binding-table contract (plain Python, no Numba)."""

from __future__ import annotations

import pytest

from numbast.backend import runtime
from numbast.backend.runtime import tables as T


def test_rows_are_values():
    a = T.Overload("nbst_1", T.Scalar("int32"), (T.Scalar("int32"),), decl="int f(int)")
    b = T.Overload(
        shim="nbst_1", result=T.Scalar("int32"), args=(T.Scalar("int32"),), decl="int f(int)"
    )
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a.self_result is False and a.source == ""  # defaults
    assert T.Scalar("int32") != T.Vector("int32")  # the kind is part of the value
    assert T.replace(a, decl="") != a and T.replace(a, decl="").shim == "nbst_1"
    with pytest.raises(AttributeError):
        a.shim = "x"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: T.Overload("s"), "missing field 'result'"),
        (lambda: T.Scalar("a", "b"), "too many arguments"),
        (lambda: T.Scalar(nme="a"), "bad or repeated field 'nme'"),
        (lambda: T.Scalar("a", name="b"), "bad or repeated field 'name'"),
    ],
)
def test_bad_rows_are_refused(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_module_lists_exports_and_shims():
    ov = T.Overload("nbst_a", T.Scalar("void"), (), source="extern ...")
    m = T.Module(
        version=T.TABLE_VERSION,
        ir_digest="0" * 64,
        prelude="",
        functions=(T.Function("f", (ov,)),),
        constants=(T.Constant("K", 3),),
    )
    assert m.exports() == ["K", "f"]
    assert m.shims() == {"nbst_a": "extern ..."}


def test_unknown_table_versions_fail_with_what_to_regenerate():
    major, minor = T.TABLE_VERSION
    runtime.require((major, minor), "m")
    with pytest.raises(
        ImportError, match=r"^m: binding tables .* regenerate m with `numbast emit`"
    ):
        runtime.require((major, minor + 1), "m")
    with pytest.raises(ImportError, match="regenerate m"):
        runtime.require((major + 1, 0), "m")
