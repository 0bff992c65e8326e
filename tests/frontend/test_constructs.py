"""Each C++ construct's sample header: the whole IR compared with a reviewed golden file,
plus the facts each golden file must show, asserted by name so a careless regeneration fails."""

from __future__ import annotations

import msgspec
import pytest

from helpers import assert_golden, by_name, one
from numbast import ir

SAMPLES = [
    "functions",
    "operators",
    "records",
    "enums",
    "typedefs",
    "constants",
    "templates",
    "macro_decls",
    "includes_other",
]


@pytest.mark.parametrize("name", SAMPLES)
def test_golden_ir(sample, name):
    doc = sample(name)
    body = msgspec.to_builtins({"declarations": doc.declarations, "edges": doc.edges})
    assert_golden(name, body)
    assert ir.check(doc) == []


def _param_types(f):
    return [p.type.spelling for p in f.params]


def test_functions(sample):
    doc = sample("functions")
    adds = by_name(doc, "add", "function")
    assert sorted(tuple(_param_types(f)) for f in adds) == [
        ("double", "double"),
        ("float", "float"),
        ("int", "int"),
    ]
    assert len({f.id for f in adds}) == 3
    spaces = {f.name: f.exec_space for f in doc.declarations}
    assert spaces["host_only"] == "host" and spaces["implicit_host"] == "host"
    assert spaces["kernel"] == "global" and spaces["scale"] == "device"
    add_d = next(f for f in adds if f.return_type.spelling == "double")
    assert add_d.exec_space == "host_device"
    assert [(p.has_default, p.default) for p in add_d.params] == [(False, None), (True, "1.0")]
    scale = one(doc, "scale")
    assert scale.noexcept and scale.inline and "always_inline" in scale.attributes
    assert one(doc, "sum_all").variadic
    assert one(doc, "removed").deleted
    assert one(doc, "square").constexpr
    assert one(doc, "internal_helper").static
    assert one(doc, "fill").params[2].default == "int(3) + 4"
    assert [p.name for p in one(doc, "unnamed_param").params] == ["", ""]
    assert sorted(f.mangled_name for f in adds) == ["_Z3adddd", "_Z3addff", "_Z3addii"]


def test_operators(sample):
    doc = sample("operators")
    vec = one(doc, "Vec2", "record")
    ops = {m.operator: m for m in vec.methods}
    assert set(ops) == {"-", "+=", "[]", "=="}
    assert ops["-"].const and not ops["-"].params
    friend = one(doc, "operator*")
    assert friend.friend_of == vec.id and friend.operator == "*"
    assert {f.operator for f in doc.declarations if isinstance(f, ir.Function)} == {
        "*",
        "+",
        "<<",
        "<",
    }
    assert ir.Edge(source=friend.id, target=vec.id, kind="member_of") in doc.edges


def test_records(sample):
    doc = sample("records")
    plain = one(doc, "Plain")
    assert (plain.size, plain.align) == (24, 8)
    assert [(f.name, f.offset) for f in plain.fields] == [("c", 0), ("d", 64), ("i", 128)]
    assert one(doc, "Bits").tag == "union"
    flags = one(doc, "Flags")
    assert [(f.name, f.bitfield_width, f.offset) for f in flags.fields] == [
        ("ready", 1, 0),
        ("mode", 3, 1),
        ("", 0, 32),
        ("count", 12, 32),
    ]
    counter = one(doc, "Counter")
    assert counter.tag == "class"
    kinds = [(c.ctor_kind, c.explicit, len(c.params)) for c in counter.constructors]
    assert kinds == [
        ("default", False, 0),
        ("other", True, 1),
        ("copy", False, 1),
        ("move", False, 1),
        ("other", False, 2),
    ]
    assert counter.destructor is not None and counter.destructor.role == "destructor"
    m = {x.name: x for x in counter.methods}
    assert m["value"].const and m["take"].ref_qualifier == "rvalue" and m["zero"].static
    assert m["bump"].params[0].default == "1"
    assert m["operator int"].role == "conversion" and m["operator int"].explicit
    assert not m["operator bool"].explicit
    assert [(f.name, f.access, f.mutable) for f in counter.fields] == [
        ("step_", "protected", False),
        ("value_", "private", False),
        ("reads_", "private", True),
    ]
    assert counter.trivially_copyable is False
    assert plain.trivially_copyable and plain.trivially_destructible
    shape = one(doc, "Shape")
    assert shape.abstract and shape.destructor.virtual and shape.methods[0].pure
    square = one(doc, "Square")
    assert square.bases[0].type.decl == shape.id
    impl = one(doc, "Impl")
    crtp = impl.bases[0].type
    assert crtp.spelling == "Base<Impl>"
    base_inst = next(d for d in doc.declarations if d.id == crtp.decl)
    assert base_inst.specializes == one(doc, "Base", "class_template").id
    outer = one(doc, "Outer")
    names = [f.name for f in outer.fields]
    assert names == ["inner", "anon_union_0", "halves", "mode"]
    anon = one(doc, "Outer::anon_union_0")
    assert anon.anonymous and anon.tag == "union" and anon.parent == outer.id
    assert outer.fields[2].type.spelling == "struct Outer::anon_struct_1"
    assert set(outer.nested) >= {one(doc, "Outer::Inner").id, one(doc, "Outer::Mode").id}
    assert one(doc, "Opaque").size is None


def test_enums(sample):
    doc = sample("enums")
    color = one(doc, "Color")
    assert not color.scoped
    assert [(e.name, e.value) for e in color.enumerators] == [("Red", 0), ("Green", 5), ("Blue", 6)]
    rnd = one(doc, "Round")
    assert rnd.scoped and rnd.underlying.spelling == "unsigned char"
    assert one(doc, "Big").enumerators[0].value == 2**64 - 1
    assert one(doc, "Signed").enumerators[0].value == -3
    anon = one(doc, "anon_enum_0")
    assert anon.anonymous and [e.name for e in anon.enumerators] == ["AnonA", "AnonB"]


def test_typedefs(sample):
    doc = sample("typedefs")
    targets = {d.name: d.target for d in doc.declarations if isinstance(d, ir.Typedef)}
    assert targets["pair_t"].kind == "record"
    assert targets["float_ptr"].kind == "pointer" and targets["float_ptr"].pointee.kind == "builtin"
    assert (targets["array4"].kind, targets["array4"].count) == ("array", 4)
    cb = targets["callback"]
    assert cb.kind == "pointer" and cb.pointee.kind == "function"
    assert [p.spelling for p in cb.pointee.params] == ["int", "float"]
    handle = targets["handle"]
    assert handle.pointee.const and handle.pointee.typedef == one(doc, "pair_t", "typedef").id
    assert one(doc, "handle").using and not one(doc, "pair_t", "typedef").using
    assert targets["int_ref"].kind == "lvalue_reference"
    wrapped = one(doc, "wrapped_t", "record")
    assert wrapped.fields[0].name == "w" and not wrapped.anonymous


def test_constants(sample):
    doc = sample("constants")
    values = {d.name: d.value for d in doc.declarations if isinstance(d, (ir.Variable, ir.Macro))}
    assert values["kWarp"] == ir.Constant(kind="int", value="32")
    assert values["kHalf"] == ir.Constant(kind="float", value="0.5")
    assert float(values["kPi"].value) == 3.141592653589793
    assert values["kEnabled"].kind == "bool" and values["kEnabled"].value == "true"
    assert values["kAllOnes"].value == str(2**64 - 1)
    assert values["kStatic"].value == "-7"
    assert values["SAMPLE_INT"].value == "42"
    assert values["SAMPLE_HEX"].value == "32640" and values["SAMPLE_HEX"].spelling == "0x7F80U"
    assert values["SAMPLE_NEG"].value == "-1"
    assert values["SAMPLE_FLOAT"].value == "1500.0"
    assert values["SAMPLE_STRING"].kind == "string"
    assert values["SAMPLE_CHAR"].kind == "char"
    assert values["SAMPLE_BOOL"].kind == "bool"
    # Not literals: expressions, function-like and empty macros.
    assert not {"SAMPLE_EXPR", "SAMPLE_FUNC", "SAMPLE_EMPTY"} & set(values)
    assert one(doc, "kWarp").constexpr and not one(doc, "kStatic").constexpr


def test_templates(sample):
    doc = sample("templates")
    clamp = one(doc, "clamp", "function_template")
    assert [p.kind for p in clamp.template_params] == ["type"]
    assert clamp.return_type.kind == "template_parameter"
    assert clamp.mangled_name is None
    sum_ = one(doc, "sum", "function_template")
    assert [(p.name, p.default) for p in sum_.template_params] == [("T", None), ("N", "4")]
    assert not sum_.params[0].has_default
    assert one(doc, "count", "function_template").template_params[0].pack
    spec = one(doc, "clamp", "function")
    assert spec.specializes == clamp.id and spec.template_args[0].spelling == "float"
    storage = one(doc, "Storage", "class_template")
    assert [(p.kind, p.name, p.default) for p in storage.template_params] == [
        ("type", "T", None),
        ("non_type", "N", None),
        ("type", "Alloc", "void"),
    ]
    member_tmpl = next(m for m in storage.methods if m.name == "as")
    assert [p.name for p in member_tmpl.template_params] == ["U"]
    partial = one(doc, "Storage<T, 1>")
    assert isinstance(partial, ir.ClassTemplatePartialSpecialization)
    assert partial.specializes == storage.id
    assert [a.spelling for a in partial.template_args] == ["T", "1"]
    explicit = one(doc, "Storage<bool, 8>")
    assert explicit.specializes == storage.id and not explicit.implicit and explicit.size == 1
    f3 = one(doc, "Storage<float, 3>")
    assert f3.implicit and [a.spelling for a in f3.template_args] == ["float", "3", "void"]
    assert one(doc, "F3").target.decl == f3.id
    apply_ = one(doc, "Apply")
    assert apply_.template_params[0].kind == "template"
    config = one(doc, "Config")
    assert config.template_params[0].type.kind == "enum"
    assert config.template_params[0].default == "Algo::Fast"
    quad = one(doc, "Quad")
    assert isinstance(quad, ir.AliasTemplate) and quad.target.spelling == "Storage<T, 4>"


def test_macro_made_declarations(sample):
    doc = sample("macro_decls")
    assert {d.name for d in doc.declarations} == {"neg", "twice", "Boxed"}
    assert one(doc, "Boxed").size == 8


def test_default_retain_excludes_included_headers_but_the_enums_they_use(sample):
    """An included header of the same library is not retained, but an enum a retained
    signature names comes with it (NVSHMEM's `nvshmemx_smem_amount_t`)."""
    doc = sample("includes_other")
    found = {d.name: d for d in doc.declarations}
    assert sorted(found) == ["Color", "next_color"]
    assert found["next_color"].params[0].type.decl == "c:@E@Color" == found["Color"].id
    assert found["Color"].location.file == "enums.cuh"


def test_toolkit_enums_a_signature_uses_are_described(tmp_path):
    """cudaError_t in a user function's signature: the runtime's enum, described (values and
    underlying type) where it is used, as records of other headers are; one nothing uses
    (cudaMemcpyKind) stays out."""
    from helpers import dump_header

    header = tmp_path / "status.cuh"
    header.write_text("__device__ inline cudaError_t ok() { return cudaSuccess; }\n")
    doc = dump_header(header)
    assert sorted(d.name for d in doc.declarations) == ["cudaError", "ok"]
    err = one(doc, "cudaError", "enum")
    assert ("cudaSuccess", 0) in [(e.name, e.value) for e in err.enumerators]
    assert one(doc, "ok").return_type.decl == err.id


def test_arch_guards(sample):
    doc = sample("arch_guards")
    guards = {d.name: d.arch_guard for d in doc.declarations}
    assert guards == {
        "everywhere": None,
        "ampere_and_newer": "defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 800)",
        "hopper_or_host": "!defined(__CUDA_ARCH__) || (__CUDA_ARCH__ >= 900)",
    }  # sm_90: `fallback` and `extra` are not compiled at all


def test_arch_guards_follow_the_target(tmp_path):
    from helpers import DATA, dump_header

    doc = dump_header(DATA / "arch_guards.cuh", arch="sm_75")
    assert {d.name: d.arch_guard for d in doc.declarations}["fallback"] == (
        "!(defined(__CUDA_ARCH__) && (__CUDA_ARCH__ >= 800))"
    )


def test_forwarding_headers_are_followed_however_deep():
    """top.hpp includes lib/all.hpp, which includes lib/detail/real.hpp (and cuda_fp16.h):
    the API is retained two levels down, the toolkit's header is not followed into."""
    from helpers import DATA, dump_header

    doc = dump_header(DATA / "forwarding" / "top.hpp")
    assert [d.qualified_name for d in doc.declarations] == ["lib::twice"]
    (note,) = [d for d in doc.header.diagnostics if "only includes other headers" in d.message]
    assert note.message.endswith("followed into lib/all.hpp, lib/detail/real.hpp")


def test_a_component_header_keeps_its_parts():
    """lib/widget declares a function itself and includes its parts from lib/__widget/
    (widget.h, which includes detail.h), the same component in the std namespace
    (lib/std/widget, its part in lib/std/__widget/: the base class) and another component,
    lib/gadget: the parts are retained, the other component is not. cuda/barrier is the
    real case (test_libcudacxx)."""
    from helpers import DATA, dump_header

    doc = dump_header("lib/widget", include_dirs=[str(DATA / "parts")])
    assert sorted(d.qualified_name for d in doc.declarations) == [
        "lib::detail_size",
        "lib::std_::widget_base",
        "lib::widget",
        "lib::widget_version",
    ]
    (note,) = [d for d in doc.header.diagnostics if "its parts retained" in d.message]
    assert note.message.endswith(
        "lib/__widget/detail.h, lib/__widget/widget.h, lib/std/__widget/base.h"
    )


def test_a_forwarding_header_keeps_the_part_of_the_library_it_stands_for():
    """parts.hpp includes parts/arg.hpp and parts/exp.hpp; the record they use is first
    included by arg.hpp from their own folder, so it is retained too; arg.hpp's include from
    another folder (parts/detail/) is not. cuda/std/complex is the real case."""
    from helpers import DATA, dump_header

    doc = dump_header(DATA / "forwarding" / "parts.hpp")
    assert [d.qualified_name for d in doc.declarations] == [
        "parts::arg",
        "parts::exp",
        "parts::Number",
    ]
    (note,) = [d for d in doc.header.diagnostics if "only includes other headers" in d.message]
    assert note.message.endswith("parts/arg.hpp, parts/exp.hpp, parts/number.hpp")
    real = dump_header("cuda/std/complex")
    kept = {d.qualified_name: ir.decl_kind(d) for d in real.declarations}
    assert kept["cuda::std::complex"] == "class_template"
    assert {"cuda::std::exp", "cuda::std::abs", "cuda::std::conj", "cuda::std::polar"} <= set(kept)


def test_a_trailing_template_argument_comma_is_read_as_absent():
    """nvcc accepts `type_list<First, Second, >`; clang stops there. The comma is read as a
    space (columns unchanged), the header dumps whole, and a warning says where."""
    from helpers import DATA, dump_header

    doc = dump_header(DATA / "trailing_comma.cuh")
    names = {d.name for d in doc.declarations}
    assert {"answer", "both", "First", "Second"} <= names
    (note,) = [d for d in doc.header.diagnostics if "trailing comma" in d.message]
    assert note.severity == "warning" and note.location == "trailing_comma.cuh:13"
    answer = next(d for d in doc.declarations if d.name == "answer")
    assert (answer.location.line, answer.location.column) == (16, 23)


def test_a_constant_in_an_address_space_is_a_warning(tmp_path):
    """NVSHMEM before 3.8 declares its device state for clang as
    `extern __attribute__((address_space(4))) __constant__`, which clang 21 on refuses and
    NVRTC never sees: the header dumps whole, with a warning naming the line."""
    from helpers import dump_header

    header = tmp_path / "state.cuh"
    header.write_text(
        "struct state_t { int pes; };\n"
        "extern __attribute__((address_space(4))) __constant__ state_t device_state;\n"
        "__device__ inline int n_pes() { return 1; }\n"
    )
    doc = dump_header(header)
    assert {"state_t", "n_pes"} <= {d.name for d in doc.declarations}
    (note,) = [d for d in doc.header.diagnostics if "address space" in d.message]
    assert note.severity == "warning" and note.location.startswith("state.cuh:2:")


def test_template_parameter_defaults_a_macro_spells(tmp_path):
    """CCCL's `_CCCL_TEMPLATE(T) _CCCL_REQUIRES(cond)` expands to `template <class T, bool
    __cccl_true_ = true, enable_if_t<cond && __cccl_true_, int> = 0>`: the defaults are read
    from the AST (the source shows only the macro call), so C++ can supply them."""
    from helpers import dump_header

    header = tmp_path / "requires.cuh"
    header.write_text(
        "#pragma once\n"
        "template <bool B, class T = void> struct enable_if {};\n"
        "template <class T> struct enable_if<true, T> { typedef T type; };\n"
        "#define MY_TEMPLATE(T) template <class T, bool my_true_ = true, "
        "typename enable_if<\n"
        "#define MY_REQUIRES(...) (__VA_ARGS__) && my_true_, int>::type = 0>\n"
        "MY_TEMPLATE(T) MY_REQUIRES(sizeof(T) == 4)\n"
        "__device__ int bits(T x) { return 32; }\n"
    )
    doc = dump_header(header)
    (bits,) = [d for d in doc.declarations if d.name == "bits"]
    assert [(tp.name, tp.default) for tp in bits.template_params] == [
        ("T", None),
        ("my_true_", "1"),  # its value
        ("", "0"),
    ]
