"""runtime.cxx: C++ names, operators and shim text, as data."""

from __future__ import annotations

import operator

from numbast.backend.runtime import cxx


def test_shim_source_and_names():
    name = cxx.shim_name("c:@F@add#I#I#|2")
    assert name == cxx.shim_name("c:@F@add#I#I#|2") != cxx.shim_name("c:@F@add#f#f#|2")
    assert name.startswith("nbst_") and len(name) == 25
    text = cxx.shim_source(name, 2, cxx.construct("int", "add(" + cxx.arg("int", 0) + ", 1)"))
    assert text == (
        f'extern "C" __device__ int {name}(void *out, void *a0, void *a1) {{\n'
        "  ::new (out) int(add(*static_cast<int *>(a0), 1));\n  return 0;\n}\n"
    )


def test_out_return_body():
    body = cxx.out_return_body("int", "divide(a, b, o2)", [("int", "o2")])
    assert body == (
        "int o2{}; struct R { int r; int o2; }; R *res = static_cast<R *>(out); "
        "res->r = divide(a, b, o2); res->o2 = o2;"
    )


def test_operators_name_python_functions():
    for op, name in cxx.OPERATORS.items():
        assert callable(getattr(operator, name)), op
    assert cxx.is_inplace("+=") and not cxx.is_inplace("==") and not cxx.is_inplace("<=")
    assert {cxx.UNARY[o] for o in "-+~"} <= set(cxx.OPERATORS)


def test_vector_names_round_trip():
    assert cxx.VECTORS["float2"] == "float32x2" and cxx.VECTOR_CPP["float32x2"] == "float2"
    assert cxx.VECTOR_CPP["int64x4"] == "longlong4"  # `long4` is the same Numba type
    assert cxx.VECTORS["double4_32a"] == "float64x4"
    assert set(cxx.SCALAR_CPP) <= set(cxx.BUILTINS.values()) | {"float16", "bfloat16"}


def test_first_error_skips_numbas_frame_of_a_typing_error():
    """A failed check shows the cause, not "Failed in cuda mode pipeline"."""
    from numbast.backend.runtime.compiler import first_error

    frame = (
        "Failed in cuda mode pipeline (step: nopython frontend)\n"
        "Unknown attribute 'rounds' of type limits<float>\n"
        "During: typing of get attribute at <probe> (3)\n"
    )
    assert first_error(Exception(frame)) == "Unknown attribute 'rounds' of type limits<float>"
    nvrtc = 'NVRTC compile: compilation log:\nx.cu(3): error: identifier "y" is undefined\n'
    assert first_error(Exception(nvrtc)) == 'x.cu(3): error: identifier "y" is undefined'
