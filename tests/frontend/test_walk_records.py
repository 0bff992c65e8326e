"""frontend/walk/records.py: records, their layout and members, triviality, anonymous
members, friends and the specializations a header names."""

from __future__ import annotations

import pytest

from helpers import by_name, one

HEADER = r"""
struct Plain { char c; int i; double d; };
struct Bits { unsigned a : 3; unsigned b : 5; int rest; };
class Access { public: int pub; protected: int prot; private: int priv; mutable int cache; };
union Word { int i; float f; };
struct Base1 { int x; };
struct Base2 { double y; };
struct Derived : Base1, private Base2 { int z; };
struct WithAnon { int tag; union { int i; float f; }; struct { short lo, hi; } named; };
struct Outer { struct Inner { int v; }; enum Mode { A, B }; typedef int count_t; Inner in; };
struct HasFriend { int v; friend __device__ int peek(const HasFriend &h); };
struct UserCopy { int v; __device__ UserCopy(const UserCopy &o); };
struct UserDtor { int v; __device__ ~UserDtor(); };
struct DefaultedCopy { int v; DefaultedCopy(const DefaultedCopy &) = default; };
struct Virtual { __device__ virtual int f(); };
struct Abstract { __device__ virtual int f() = 0; };
struct HoldsUserDtor { UserDtor inner; };
template <typename T, int N> struct Storage { T data[N]; };
typedef Storage<float, 3> F3;
typedef Storage<int, 2> I2;
struct UsesI2 { I2 v; };
template <typename T> struct Storage<T, 1> { T only; };
"""


@pytest.fixture(scope="module")
def doc(snippet):
    return snippet(HEADER)


@pytest.mark.parametrize(
    "name, tag, size, align",
    [
        ("Plain", "struct", 16, 8),
        ("Bits", "struct", 8, 4),
        ("Access", "class", 16, 4),
        ("Word", "union", 4, 4),
        ("Derived", "struct", 24, 8),
    ],
)
def test_tag_and_layout(doc, name, tag, size, align):
    r = one(doc, name, "record")
    assert (r.tag, r.size, r.align) == (tag, size, align)


def test_field_offsets_in_bits_and_bitfields(doc):
    plain = one(doc, "Plain", "record")
    assert [(f.name, f.type.spelling, f.offset) for f in plain.fields] == [
        ("c", "char", 0),
        ("i", "int", 32),
        ("d", "double", 64),
    ]
    bits = one(doc, "Bits", "record")
    assert [(f.name, f.bitfield_width, f.offset) for f in bits.fields] == [
        ("a", 3, 0),
        ("b", 5, 3),
        ("rest", None, 32),
    ]


def test_access_and_mutable(doc):
    fields = {f.name: f for f in one(doc, "Access", "record").fields}
    assert {n: f.access for n, f in fields.items()} == {
        "pub": "public",
        "prot": "protected",
        "priv": "private",
        "cache": "private",
    }
    assert fields["cache"].mutable and not fields["pub"].mutable


def test_bases_with_access_and_byte_offsets(doc):
    d = one(doc, "Derived", "record")
    assert [(b.type.spelling, b.access, b.offset) for b in d.bases] == [
        ("Base1", "public", 0),
        ("Base2", "private", 8),
    ]
    base_edges = {e.target for e in doc.edges if e.source == d.id and e.kind == "base"}
    assert base_edges == {one(doc, "Base1").id, one(doc, "Base2").id}


def test_anonymous_members_are_named_by_position(doc):
    w = one(doc, "WithAnon", "record")
    # The anonymous union is a member (a field of its derived name); the struct with a
    # declarator is a field of its own name.
    assert [f.name for f in w.fields] == ["tag", "anon_union_0", "named"]
    anon = one(doc, "anon_union_0", "record")
    assert anon.anonymous and anon.parent == w.id and anon.id == f"{w.id}@anon0"
    assert w.fields[1].offset == 32
    assert one(doc, "anon_struct_1", "record").anonymous


def test_nested_declarations(doc):
    outer = one(doc, "Outer", "record")
    nested = {d.id: d for d in doc.declarations if d.id in outer.nested}
    assert sorted(d.qualified_name for d in nested.values()) == [
        "Outer::Inner",
        "Outer::Mode",
        "Outer::count_t",
    ]
    assert all(d.parent == outer.id for d in nested.values())
    assert outer.fields[0].type.decl == one(doc, "Outer::Inner").id


def test_friend_function_is_a_free_function_of_its_record(doc):
    peek = one(doc, "peek", "function")
    holder = one(doc, "HasFriend", "record")
    assert peek.friend_of == holder.id and peek.qualified_name == "peek"
    assert any(e.source == peek.id and e.target == holder.id for e in doc.edges)


@pytest.mark.parametrize(
    "name, copyable, destructible",
    [
        ("Plain", True, True),
        ("UserCopy", False, True),
        ("UserDtor", False, False),
        ("DefaultedCopy", True, True),
        ("Virtual", False, True),
        ("HoldsUserDtor", False, False),  # through its field
        ("Derived", True, True),
    ],
)
def test_triviality(doc, name, copyable, destructible):
    r = one(doc, name, "record")
    assert (r.trivially_copyable, r.trivially_destructible) == (copyable, destructible)


def test_abstract(doc):
    assert one(doc, "Abstract", "record").abstract
    assert not one(doc, "Virtual", "record").abstract


def test_class_template_has_no_layout(doc):
    (tmpl,) = by_name(doc, "Storage", "class_template")
    assert tmpl.size is None and tmpl.align is None
    assert [(p.kind, p.name) for p in tmpl.template_params] == [("type", "T"), ("non_type", "N")]
    assert tmpl.fields[0].offset is None  # dependent: no offset before instantiation


def test_a_named_specialization_is_recorded(doc):
    """A typedef names a specialization: it is recorded, with its layout only where the
    header makes C++ instantiate it (a field of that type); a typedef alone does not."""
    (tmpl,) = by_name(doc, "Storage", "class_template")
    (f3,) = by_name(doc, "Storage<float, 3>", "record")
    (i2,) = by_name(doc, "Storage<int, 2>", "record")
    assert f3.implicit and f3.specializes == tmpl.id
    assert [a.spelling for a in f3.template_args] == ["float", "3"]
    assert (f3.size, i2.size, i2.align) == (None, 8, 4)
    assert any(e.source == f3.id and e.kind == "specializes" for e in doc.edges)


def test_partial_specialization_arguments_as_written(doc):
    (part,) = by_name(doc, "Storage<T, 1>", "class_template_partial")
    assert [a.spelling for a in part.template_args] == ["T", "1"]
    assert [f.name for f in part.fields] == ["only"]
