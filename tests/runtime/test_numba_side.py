"""The Numba side of the runtime on its own: numba_types, records, shims, calls, templates,
bindings (no GPU)."""

from __future__ import annotations

import sys
import types as pytypes

import pytest

from numbast.backend.runtime import tables as T

pytest.importorskip("numba.cuda", reason="the runtime needs numba-cuda")

from numba.cuda import types  # noqa: E402
from numba.cuda.vector_types import vector_types  # noqa: E402

from numbast.backend.runtime import (  # noqa: E402
    bindings,
    class_templates,
    numba_types,
    records,
    shims,
)


def test_table_types_resolve_to_numba_types():
    rec = records.new_record_type("R", "R", 8, 4, False)

    def lookup(ident):
        assert ident == "c:@S@R"
        return rec

    resolve = numba_types.resolve
    assert resolve(T.Scalar("bfloat16"), lookup) == types.bfloat16
    assert resolve(T.Pointer(T.Scalar("void")), lookup) == types.voidptr  # takes any array
    assert resolve(T.Vector("float32x2"), lookup) == vector_types["float32x2"]
    assert resolve(T.RecordRef("c:@S@R"), lookup) is rec
    assert resolve(T.EnumRef("Color", T.Scalar("int32"), False), lookup) == types.int32
    import enum

    Mode = enum.Enum("Mode", [("Fast", 1)])
    scoped = resolve(T.EnumRef("Mode", T.Scalar("uint8"), True), lookup, {"Mode": Mode}.get)
    assert scoped == types.EnumMember(Mode, types.int64)  # members only, never integers
    assert resolve(T.Array(T.Scalar("int8"), 3), lookup) == types.UniTuple(types.int8, 3)
    both = T.Results((T.Scalar("int32"), T.Scalar("float32")))
    assert resolve(both, lookup) == types.Tuple([types.int32, types.float32])
    with pytest.raises(TypeError, match="unknown scalar"):
        resolve(T.Scalar("int128"), lookup)


def test_cpp_spelling():
    spell = numba_types.cpp_spelling
    assert spell(types.int64) == "long long" and spell(types.float16) == "__half"
    assert spell(vector_types["uint32x4"]) == "uint4"
    assert spell(records.new_record_type("P", "ns::P", 4, 4, False)) == "ns::P"
    assert spell(types.complex64) is None


def test_natural_layout():
    f32 = types.float32
    assert records.natural_layout([("x", f32, 0), ("y", f32, 32)], 8, 4)
    assert not records.natural_layout([("x", f32, 0), ("y", f32, 64)], 12, 4)  # padding
    assert not records.natural_layout([("x", f32, 0)], 16, 16)  # over-aligned


def test_shim_bundle_compiles_only_what_is_used():
    bundle = shims.ShimBundle("#include <h>\n", {"b": "B\n", "a": "A\n", "c": "C\n"}, "m.cu")
    bundle.require("c")
    bundle.require("a")
    assert bundle.source() == "#include <h>\n\nA\n\nC\n"
    from numba.cuda.cudadrv.linkable_code import LTOIR

    assert bundle.kind in (LTOIR.kind, "cu")  # LTO-IR when nvJitLink links, else CUDA source
    assert bundle.add("d", "D\n") == "d" and bundle.source({"d"}) == "#include <h>\n\nD\n"


def test_template_arguments_from_keywords():
    tparams = (
        T.ClassTemplateParam("T", "type"),
        T.ClassTemplateParam("N", "int", 4),
        T.ClassTemplateParam("A", "int", 0, "ns::Algo", (("FAST", 0), ("EXACT", 1))),
    )
    kws = {"T": types.float32, "N": types.IntegerLiteral(8), "A": types.StringLiteral("EXACT")}
    args = class_templates._explicit_template_args(tparams, kws)
    assert args == {"T": types.float32, "N": 8, "A": 1}
    assert class_templates._explicit_template_args(tparams, {"Q": types.float32}) is None
    full = class_templates._complete_template_args(tparams, {"T": types.int32}, lambda t: t)
    assert full == {"T": types.int32, "N": 4, "A": 0}
    box = T.ClassTemplate("c:@ST>2#T#NI@Box", "Box", "ns::Box", tparams, ())
    assert class_templates._spell_specialization(box, args) == "ns::Box<float, 8, (ns::Algo)1>"


def _module(digest: str, uses=()) -> T.Module:
    return T.Module(version=T.TABLE_VERSION, ir_digest=digest, prelude="", uses=uses)


def test_modules_find_the_modules_they_use(monkeypatch):
    owner = bindings.bind_module(_module("a" * 64), "runtime_test_owner", None)
    use = T.Use("runtime_test_owner", "a" * 64, ())
    user = bindings.bind_module(_module("b" * 64, (use,)), "runtime_test_user", None)
    assert user.used == {} and owner.exports == {}
    missing = T.Use("runtime_test_owner", "a" * 64, ("c:@S@Nope",))
    with pytest.raises(ImportError, match="does not bind record 'c:@S@Nope'"):
        bindings.bind_module(_module("c" * 64, (missing,)), "runtime_test_user2", None)
    # An importable module of that name, made from another IR:
    monkeypatch.setitem(sys.modules, "runtime_test_owner", pytypes.ModuleType("runtime_test_owner"))
    other_ir = T.Use("runtime_test_owner", "d" * 64, ())
    with pytest.raises(ImportError, match="generated from another IR"):
        bindings.bind_module(_module("e" * 64, (other_ir,)), "runtime_test_user3", None)


def test_shim_ltoir_is_cached_on_disk(tmp_path, monkeypatch):
    """A second process (here: a cleared memory) takes the shims' LTO-IR from the disk."""
    from numbast.backend.runtime import compiler

    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path))
    source = 'extern "C" __device__ int nbst_t(void *out) { *(int *)out = 7; return 0; }\n'
    first = shims.ltoir(source, (9, 0))
    assert first and list((tmp_path / "shims").glob("*.ltoir"))

    def no_nvrtc(*args, **kwargs):
        raise AssertionError("NVRTC asked again")

    monkeypatch.setattr(compiler, "compile_ltoir", no_nvrtc)
    assert shims.ltoir(source, (9, 0)) == first
    with pytest.raises(AssertionError):  # another source (or device) compiles again
        shims.ltoir(source + "\n", (9, 0))
