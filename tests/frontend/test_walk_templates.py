"""frontend/walk/templates.py: template parameters (kinds, packs, defaults as written),
arguments of specializations, and the text helpers behind them."""

from __future__ import annotations

import pytest

from helpers import by_name, one
from numbast.frontend.walk.templates import split_arguments, split_default

HEADER = r"""
template <typename T> struct Tag {};
template <typename T, typename U = int, int N = 4, bool B = (N > 2)>
__device__ T convert(U u);
template <typename... Ts> __device__ int count(Ts... ts);
template <template <typename> class Box, typename T = float> struct Holder { Box<T> box; };
template <typename T, unsigned N = sizeof(T) * 8> struct Bits { T word; };
template <typename T> using Ptr = T *;
template <> __device__ float convert<float, int, 4, true>(int u);
template <typename T> __device__ T twice(T x);
template <typename T> struct Box { T value; template <typename U> __device__ U as() const; };
"""


@pytest.fixture(scope="module")
def doc(snippet):
    return snippet(HEADER)


def _params(d):
    return [(p.kind, p.name, p.pack, p.default) for p in d.template_params]


def test_function_template_parameters_and_defaults_as_written(doc):
    f = one(doc, "convert", "function_template")
    assert _params(f) == [
        ("type", "T", False, None),
        ("type", "U", False, "int"),
        ("non_type", "N", False, "4"),
        ("non_type", "B", False, "(N > 2)"),
    ]
    assert [p.type.spelling for p in f.template_params[2:]] == ["int", "bool"]
    assert f.return_type.kind == "template_parameter"


def test_parameter_pack(doc):
    f = one(doc, "count", "function_template")
    assert _params(f) == [("type", "Ts", True, None)]


def test_template_template_parameter(doc):
    h = one(doc, "Holder", "class_template")
    box, t = h.template_params
    assert (box.kind, box.name, box.default) == ("template", "Box", None)
    assert [(p.kind, p.name) for p in box.params] == [("type", "")]
    assert (t.kind, t.name, t.default) == ("type", "T", "float")


def test_default_that_is_an_expression(doc):
    bits = one(doc, "Bits", "class_template")
    assert bits.template_params[1].default == "sizeof(T) * 8"


def test_alias_template(doc):
    ptr = one(doc, "Ptr", "alias_template")
    assert _params(ptr) == [("type", "T", False, None)]
    assert ptr.target.kind == "pointer"


def test_explicit_specialization_of_a_function_template(doc):
    tmpl = one(doc, "convert", "function_template")
    (spec,) = by_name(doc, "convert", "function")
    assert spec.specializes == tmpl.id
    assert [(a.kind, a.spelling) for a in spec.template_args] == [
        ("type", "float"),
        ("type", "int"),
        ("integral", "4"),
        ("integral", "1"),
    ]
    assert spec.mangled_name  # a specialization is a real function: it has a symbol
    assert tmpl.mangled_name is None  # a template has none


def test_member_template_of_a_class_template(doc):
    box = one(doc, "Box", "class_template")
    (as_,) = [m for m in box.methods if m.name == "as"]
    assert [p.name for p in as_.template_params] == ["U"]
    assert as_.const and as_.mangled_name is None


@pytest.mark.parametrize(
    "text, default",
    [
        ("typename T", None),
        ("typename T = int", "int"),
        ("int N = 4", "4"),
        ("bool B = (N > 2)", "(N > 2)"),
        ("typename Op = Less<T, (N >= 2)>", "Less<T, (N >= 2)>"),
        ("int N = a == b", "a == b"),
        ("int x", None),
    ],
)
def test_split_default(text, default):
    assert split_default(text) == default


@pytest.mark.parametrize(
    "inner, parts",
    [
        ("T, 1", ["T", "1"]),
        ("Pair<int, 2>, float", ["Pair<int, 2>", "float"]),
        ("f(a, b), (1, 2)", ["f(a, b)", "(1, 2)"]),
        ("", []),
    ],
)
def test_split_arguments(inner, parts):
    assert split_arguments(inner) == parts
