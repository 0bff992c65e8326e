"""runtime.overloads: the constructor C++ overload resolution would choose."""

from __future__ import annotations

import pytest

pytest.importorskip("numba.cuda", reason="the runtime needs numba-cuda")

from numba.cuda import types  # noqa: E402

from numbast.backend.runtime import overloads  # noqa: E402


class C:
    def __init__(self, *params):
        self.params = list(params)
        self.label = "(" + ", ".join(map(str, params)) + ")"


# The constructors of __nv_fp8_e5m2 (CUDA 13), as Numba types.
FP8 = [
    C(types.float16),
    C(types.float32),
    C(types.float64),
    C(types.uint16),
    C(types.uint32),
    C(types.uint64),
    C(types.int16),
    C(types.int32),
    C(types.int64),
]
if hasattr(types, "bfloat16"):
    FP8.append(C(types.bfloat16))


@pytest.mark.parametrize(
    "arg, chosen",
    [
        (types.int8, types.int32),  # integral promotion
        (types.uint8, types.int32),
        (types.boolean, types.int32),
        (types.int16, types.int16),  # exact beats promotion
        (types.uint16, types.uint16),
        (types.int64, types.int64),
        (types.float16, types.float16),  # a class in C++: only its own constructor is exact
        (types.float32, types.float32),
        (types.float64, types.float64),
        (types.IntegerLiteral(3), types.int32),  # `3` is an int in C++
        (types.IntegerLiteral(2**40), types.int64),
        (types.BooleanLiteral(True), types.int32),
    ],
)
def test_choice(arg, chosen):
    hit = overloads.best(FP8, (arg,))
    assert not isinstance(hit, tuple) and hit.params == [chosen]


def test_ambiguous_calls_list_the_candidates():
    both = [C(types.float32), C(types.float64)]
    hit = overloads.best(both, (types.int32,))  # int -> float and int -> double: both conversions
    assert isinstance(hit, tuple) and hit[0] == "ambiguous" and len(hit[1]) == 2
    # Each better in one argument, worse in the other: ambiguous in C++ too.
    crossed = [C(types.float32, types.int32), C(types.float64, types.int64)]
    hit = overloads.best(crossed, (types.float32, types.int64))
    assert isinstance(hit, tuple) and len(hit[1]) == 2


def test_no_viable_candidate():
    assert overloads.best([C(types.CPointer(types.int32))], (types.float32,)) is None
    assert overloads.best([C(types.int32)], (types.int32, types.int32)) is None
