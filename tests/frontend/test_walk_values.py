"""frontend/walk/values.py: enums, typedefs and aliases, variables and their constant
values, object-like macros."""

from __future__ import annotations

import pytest

from helpers import by_name, one

HEADER = r"""
#define ANSWER 42
#define HALF 0.5f
#define NAME "numbast"
#define FLAGS (1u << 3)
#define NOT_A_CONSTANT(x) ((x) + 1)
#define EMPTY
enum Color { Red, Green = 5, Blue };
enum class Scoped : unsigned char { Low = 1, High = 200 };
enum Negative : long long { Min = -9000000000LL, Zero = 0 };
typedef float real_t;
using index_t = long;
typedef Color palette_t;
constexpr int kLimit = 8;
constexpr bool kEnabled = true;
const double kPi = 3.25;
static const unsigned kMask = 0xFFu;
__device__ int counter;
extern __device__ float gains[4];
"""


@pytest.fixture(scope="module")
def doc(snippet):
    return snippet(HEADER)


def test_unscoped_enum(doc):
    color = one(doc, "Color", "enum")
    assert [(e.name, e.value) for e in color.enumerators] == [
        ("Red", 0),
        ("Green", 5),
        ("Blue", 6),
    ]
    assert not color.scoped and color.underlying.spelling == "unsigned int"


def test_scoped_enum_with_underlying_type(doc):
    s = one(doc, "Scoped", "enum")
    assert s.scoped and s.underlying.spelling == "unsigned char"
    assert [(e.name, e.value) for e in s.enumerators] == [("Low", 1), ("High", 200)]


def test_negative_and_wide_enumerators(doc):
    n = one(doc, "Negative", "enum")
    assert [(e.name, e.value) for e in n.enumerators] == [("Min", -9000000000), ("Zero", 0)]


@pytest.mark.parametrize(
    "name, using, target",
    [("real_t", False, "float"), ("index_t", True, "long"), ("palette_t", False, "Color")],
)
def test_typedefs(doc, name, using, target):
    t = one(doc, name, "typedef")
    assert (t.using, t.target.spelling) == (using, target)


def test_typedef_of_a_declared_type_has_an_edge(doc):
    palette, color = one(doc, "palette_t"), one(doc, "Color")
    assert {(e.target, e.kind) for e in doc.edges if e.source == palette.id} == {
        (color.id, "aliases")
    }


@pytest.mark.parametrize(
    "name, kind, value, constexpr",
    [
        ("kLimit", "int", "8", True),
        ("kEnabled", "bool", "true", True),
        ("kPi", "float", "3.25", False),
        ("kMask", "int", "255", False),
    ],
)
def test_constant_variables(doc, name, kind, value, constexpr):
    v = one(doc, name, "variable")
    assert (v.value.kind, v.value.value, v.constexpr) == (kind, value, constexpr)


def test_variables_without_a_constant_value(doc):
    counter = one(doc, "counter", "variable")
    assert counter.value is None and counter.type.spelling == "int"
    gains = one(doc, "gains", "variable")
    assert gains.type.kind == "array" and gains.type.count == 4
    assert one(doc, "kMask", "variable").static


@pytest.mark.parametrize(
    "name, kind, value",
    [("ANSWER", "int", "42"), ("HALF", "float", "0.5"), ("NAME", "string", '"numbast"')],
)
def test_constant_macros(doc, name, kind, value):
    m = one(doc, name, "macro")
    assert (m.value.kind, m.value.value) == (kind, value)
    assert m.id == f"c:@macro@{name}"


def test_macros_that_are_not_one_literal_are_left_out(doc):
    for name in ("NOT_A_CONSTANT", "EMPTY", "FLAGS"):
        assert by_name(doc, name) == []
