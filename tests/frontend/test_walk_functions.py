"""frontend/walk/functions.py: functions and member functions, fact by fact, on one header."""

from __future__ import annotations

import pytest

from helpers import one

HEADER = r"""
#define DEFAULT_SCALE 2
#define DECLARE_TWICE(name) __device__ int name(int v = DEFAULT_SCALE)
__device__ int plain(int a, float b = 1.5f);
__host__ __device__ inline float both(float x) noexcept;
__global__ void kern(int *out);
int host_only(int);
constexpr __device__ int cexpr(int v) { return v; }
__device__ void deleted_fn(double) = delete;
__device__ int scaled(int v, int s = DEFAULT_SCALE);
__device__ int sum(int n, ...);
__device__ __attribute__((noinline)) int slow(int);
static __device__ int file_local(int);
DECLARE_TWICE(from_macro);
struct Vec {
    float x;
    __device__ Vec();
    __device__ Vec(const Vec &);
    __device__ Vec(Vec &&);
    __device__ Vec(float);
    __device__ explicit Vec(float, float);
    __device__ ~Vec();
    __device__ Vec operator+(const Vec &o) const;
    __device__ Vec &operator+=(const Vec &o);
    __device__ explicit operator float() const;
    __device__ static int count();
    __device__ float get() const &;
    __device__ float take() &&;
    __device__ virtual float vf();
    __device__ float vol() volatile;
};
__device__ bool operator==(const Vec &, const Vec &);
"""


@pytest.fixture(scope="module")
def doc(snippet):
    return snippet(HEADER)


@pytest.mark.parametrize(
    "name, field, expected",
    [
        ("plain", "exec_space", "device"),
        ("plain", "mangled_name", "_Z5plainif"),
        ("both", "exec_space", "host_device"),
        ("both", "noexcept", True),
        ("both", "inline", True),
        ("kern", "exec_space", "global"),
        ("host_only", "exec_space", "host"),
        ("cexpr", "constexpr", True),
        ("plain", "constexpr", False),
        ("deleted_fn", "deleted", True),
        ("plain", "deleted", False),
        ("sum", "variadic", True),
        ("plain", "variadic", False),
        ("file_local", "static", True),
        ("plain", "static", False),
    ],
)
def test_function_facts(doc, name, field, expected):
    assert getattr(one(doc, name, "function"), field) == expected


def test_parameters_and_defaults_as_written(doc):
    plain = one(doc, "plain")
    assert [(p.name, p.type.spelling, p.default) for p in plain.params] == [
        ("a", "int", None),
        ("b", "float", "1.5f"),
    ]
    assert [p.has_default for p in plain.params] == [False, True]
    # A default is kept as the header spells it, macro and all.
    assert one(doc, "scaled").params[1].default == "DEFAULT_SCALE"


def test_a_declaration_spelled_by_a_macro_keeps_its_default(doc):
    """clang's extent of such a parameter is the macro call: the default is the AST's,
    evaluated (a call can leave the parameter out)."""
    (v,) = one(doc, "from_macro").params
    assert (v.name, v.has_default, v.default) == ("v", True, "2")


def test_attributes_other_than_execution_spaces(doc):
    attrs = one(doc, "slow").attributes
    assert "noinline" in attrs and not {"device", "host", "global"} & set(attrs)


@pytest.mark.parametrize(
    "params, role, ctor_kind, explicit",
    [
        ([], "constructor", "default", False),
        (["const Vec &"], "constructor", "copy", False),
        (["Vec &&"], "constructor", "move", False),
        (["float"], "constructor", "converting", False),
        (["float", "float"], "constructor", "other", True),
    ],
)
def test_constructor_kinds(doc, params, role, ctor_kind, explicit):
    vec = one(doc, "Vec", "record")
    (ctor,) = [c for c in vec.constructors if [p.type.spelling for p in c.params] == params]
    assert (ctor.role, ctor.ctor_kind, ctor.explicit) == (role, ctor_kind, explicit)


@pytest.mark.parametrize(
    "name, role, facts",
    [
        ("operator+", "operator", {"operator": "+", "const": True}),
        ("operator+=", "operator", {"operator": "+=", "const": False}),
        ("operator float", "conversion", {"operator": None, "explicit": True}),
        ("count", "method", {"static": True}),
        ("get", "method", {"ref_qualifier": "lvalue", "const": True}),
        ("take", "method", {"ref_qualifier": "rvalue", "const": False}),
        ("vf", "method", {"virtual": True, "pure": False}),
        ("vol", "method", {"volatile": True}),
    ],
)
def test_method_roles_and_qualifiers(doc, name, role, facts):
    (m,) = [m for m in one(doc, "Vec", "record").methods if m.name == name]
    assert m.role == role
    assert {k: getattr(m, k) for k in facts} == facts


def test_destructor_and_member_ids(doc):
    vec = one(doc, "Vec", "record")
    assert vec.destructor is not None and vec.destructor.role == "destructor"
    members = [*vec.constructors, *vec.methods, vec.destructor]
    # Every member has its own id, and none is also a free declaration.
    assert len({m.id for m in members}) == len(members)
    assert not {m.id for m in members} & {d.id for d in doc.declarations}


def test_free_operator_and_its_edges(doc):
    eq = one(doc, "operator==", "function")
    vec = one(doc, "Vec", "record")
    assert eq.operator == "==" and eq.return_type.spelling == "bool"
    edges = {(e.target, e.kind) for e in doc.edges if e.source == eq.id}
    assert edges == {(vec.id, "param_type")}


def test_member_functions_are_members_of_their_record(doc):
    vec = one(doc, "Vec", "record")
    member_of = {e.source for e in doc.edges if e.target == vec.id and e.kind == "member_of"}
    assert {m.id for m in vec.methods} <= member_of
