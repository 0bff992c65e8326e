"""Kernels calling emitted bindings, run on a GPU and checked against numpy / hand-computed values.

The modules are emitted from IR files committed under tests/data/ir/ (GPU tests need no
libclang): bind_sample.json from tests/data/bind_sample.cuh (a CI test keeps it current) and
cuda_bf16.json from CUDA 13.5's cuda_bf16.h.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from helpers import DATA

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to run bindings")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(
        not cuda.is_available(),
        reason="needs a CUDA GPU",
    ),
]
IR = DATA / "ir"


def _module(tmp: Path, name: str, config_text: str | None = None):
    from bind_helpers import module_from_ir

    return module_from_ir(tmp, name, config_text)


@pytest.fixture(scope="module", params=["static", "dynamic"])
def sample(request, tmp_path_factory):
    """The sample's bindings as an emitted module and as `numbast.bind` builds them in memory:
    the two modes share one code path and must behave the same."""
    from bind_helpers import SAMPLE_CONFIG, bind_both_ways

    return bind_both_ways(
        request.param, tmp_path_factory.mktemp("gpu"), "bind_sample", SAMPLE_CONFIG
    )


@pytest.fixture(scope="module")
def bf16(tmp_path_factory):
    return _module(tmp_path_factory.mktemp("gpu"), "cuda_bf16")


def test_sample_constructs(sample):
    m = sample
    add, scale, Counter, Vec2 = m.add, m.scale, m.Counter, m.Vec2
    length2, color_code, mode_bits = m.length2, m.color_code, m.mode_bits
    Color, Mode, Flags, read_counter = m.Color, m.Mode, m.Flags, m.read_counter
    twice_distance, counter_zero = m.twice_distance, m.Counter_zero
    warp, limit = m.kWarpSize, m.SAMPLE_LIMIT
    Triple, Meters, vec2_t, real_t = m.Triple, m.Meters, m.vec2_t, m.real_t

    @cuda.jit
    def kernel(out):
        out[0] = add(2, 3)  # int overload
        out[1] = add(np.float32(1.0), np.float32(2.0))  # float overload adds 0.5
        out[2] = scale(3.0)  # default argument
        out[3] = scale(3.0, 3.0)
        c = Counter(5)
        c.bump(2)  # a method that modifies its object
        out[4] = c.value()
        c.bump()
        out[5] = c.value()
        c += 10  # in-place operator of a by-reference record
        out[6] = c.value()
        v = Vec2(np.float32(1.0), np.float32(2.0))
        w = Vec2(np.float32(3.0), np.float32(4.0))
        out[7] = v.dot(w)
        u = v + w  # free operator
        out[8] = u.x + u.y * 10  # field access
        n = -v  # member unary operator
        out[9] = n.x
        s = v * np.float32(2.0)  # hidden friend operator
        out[10] = s.y
        out[11] = 1.0 if v == v else 0.0  # member comparison
        out[12] = length2(v)
        out[13] = color_code(Color.Blue)  # enums as arguments
        out[14] = mode_bits(Mode.Exact)
        out[15] = warp + limit  # constexpr and macro constants
        out[16] = counter_zero() + c.zero() * 2  # a static method, called on an object too
        out[17] = twice_distance(np.float32(2.5)).value  # implicit converting constructor
        f = Flags(1, 5)  # opaque (bitfield) record by value
        out[18] = f.packed()
        out[19] = read_counter(c)  # by-reference record passed by value
        t = Triple(1, 2, 4)
        out[20] = t.sum()
        out[21] = t.v[2]  # a fixed array field read as a tuple
        out[22] = add(c, 1)  # explicit `operator int` as a cast: 18 + 1
        out[23] = add(Meters(np.float32(2.0)), np.float32(1.0))  # `operator float`: 2 + 1 + .5
        out[24] = vec2_t(real_t(0.5), real_t(2.0)).x  # typedefs alias the record and float

    out = np.zeros(25, dtype=np.float64)
    kernel[1, 1](out)
    expected = [
        5,
        3.5,
        6,
        9,
        7,
        8,
        18,
        11,
        64,
        -1,
        4,
        1,
        5,
        60,
        32,
        1056,
        0,
        5,
        11,
        18,
        7,
        4,
        19,
        3.5,
        0.5,
    ]
    assert out.tolist() == expected


def test_sample_pointers(sample):
    fill = sample.fill

    @cuda.jit
    def kernel(buf):
        fill(buf, 4, np.float32(1.5))  # a device array passed as `float *`

    buf = cuda.to_device(np.zeros(4, np.float32))
    kernel[1, 1](buf)
    assert buf.copy_to_host().tolist() == [1.5, 2.5, 3.5, 4.5]


def test_sample_intents(sample):
    swap_values, divide, sincos_pair = sample.swap_values, sample.divide, sample.sincos_pair
    store_double, Counter = sample.store_double, sample.Counter

    @cuda.jit
    def kernel(ints, out):
        swap_values(ints[0:1], ints[1:2])  # inout_ptr: the callee writes through the pointers
        q, r = divide(17, 5)  # out_return: (return value, remainder)
        s, c = sincos_pair(np.float32(1.5))  # void function, two out_return results
        out[0], out[1], out[2], out[3] = q, r, s, c
        store_double(21, ints[2:3])  # out_ptr: the callee writes the pointed-to value
        counter = Counter(7)
        out[4] = counter.read_into()  # out_return on a method

    ints = cuda.to_device(np.array([1, 2, 0], np.int32))
    out = cuda.to_device(np.zeros(5, np.float32))
    kernel[1, 1](ints, out)
    assert ints.copy_to_host().tolist() == [2, 1, 42]
    assert out.copy_to_host().tolist() == [3, 2, 3.0, 4.5, 7]


def _to_bf16(x: np.ndarray) -> np.ndarray:
    """Round float32 to the nearest bfloat16 (ties to even), returned as float32."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(np.float32)


def test_bf16_arithmetic_comparisons_conversions_math(bf16):
    m = bf16
    f2b, b2f = m.__float2bfloat16, m.__bfloat162float
    hadd, hsub, hmul, hdiv, hfma = m.__hadd, m.__hsub, m.__hmul, m.__hdiv, m.__hfma
    heq, hlt, hgt = m.__heq, m.__hlt, m.__hgt
    hsqrt, hexp, hlog, hsin = m.hsqrt, m.hexp, m.hlog, m.hsin
    f2b_rz, b2i = m.__float2bfloat16_rz, m.__bfloat162int_rn
    hmax, habs = m.__hmax, m.__habs

    @cuda.jit
    def kernel(x, y, z, out, flags):
        i = cuda.grid(1)
        if i < x.size:
            a, b, c = f2b(x[i]), f2b(y[i]), f2b(z[i])
            out[0, i] = b2f(hadd(a, b))
            out[1, i] = b2f(hsub(a, b))
            out[2, i] = b2f(hmul(a, b))
            out[3, i] = b2f(hdiv(a, b))
            out[4, i] = b2f(hfma(a, b, c))
            out[5, i] = b2f(hsqrt(habs(a)))
            out[6, i] = b2f(hexp(c))
            out[7, i] = b2f(hlog(habs(b)))
            out[8, i] = b2f(hsin(a))
            out[9, i] = b2f(f2b_rz(x[i]))
            out[10, i] = b2i(a)
            out[11, i] = b2f(hmax(a, b))
            flags[0, i] = heq(a, a)
            flags[1, i] = hlt(a, b)
            flags[2, i] = hgt(a, b)

    rng = np.random.default_rng(7)
    n = 4096
    x = rng.uniform(-8, 8, n).astype(np.float32)
    y = rng.uniform(0.5, 4, n).astype(np.float32) * rng.choice([-1, 1], n).astype(np.float32)
    z = rng.uniform(-3, 3, n).astype(np.float32)
    out = np.zeros((12, n), dtype=np.float32)
    flags = np.zeros((3, n), dtype=np.bool_)
    kernel[(n + 127) // 128, 128](x, y, z, out, flags)

    a, b, c = _to_bf16(x), _to_bf16(y), _to_bf16(z)
    exact = {0: a + b, 1: a - b, 2: a * b, 3: a / b, 4: a * b + c, 11: np.maximum(a, b)}
    for row, ref in exact.items():  # correctly rounded in bf16
        np.testing.assert_array_equal(out[row], _to_bf16(ref), err_msg=f"row {row}")
    ulp = 2.0**-7  # one bf16 ulp, relative
    approx = {5: np.sqrt(np.abs(a)), 6: np.exp(c), 7: np.log(np.abs(b)), 8: np.sin(a)}
    for row, ref in approx.items():
        np.testing.assert_allclose(out[row], ref, rtol=2 * ulp, atol=2 * ulp, err_msg=f"row {row}")
    # round toward zero: never larger in magnitude than the input, within one ulp of it
    assert np.all(np.abs(out[9]) <= np.abs(x)) and np.all(np.abs(x - out[9]) <= np.abs(x) * ulp)
    np.testing.assert_array_equal(out[10], np.rint(a))
    assert flags[0].all()
    np.testing.assert_array_equal(flags[1], a < b)
    np.testing.assert_array_equal(flags[2], a > b)
    assert math.isfinite(float(out.sum()))


def test_local_and_shared_arrays_of_records(sample):
    """A record's class is a dtype: `cuda.local.array(n, Vec2)` of a struct-model record and
    `cuda.shared.array(n, Flags)` of an opaque (bitfield) one, filled by constructors."""
    m = sample
    Vec2, Flags = m.Vec2, m.Flags

    @cuda.jit
    def kernel(out):
        vs = cuda.local.array(2, Vec2)
        vs[0] = Vec2(np.float32(1.0), np.float32(2.0))
        vs[1] = Vec2(np.float32(3.0), np.float32(4.0))
        fs = cuda.shared.array(2, Flags)
        fs[0] = Flags(1, 5)
        fs[1] = Flags(0, 9)
        out[0] = vs[0].dot(vs[1])
        out[1] = vs[1].y
        out[2] = fs[0].packed()
        out[3] = fs[1].packed()

    out = cuda.to_device(np.zeros(4, np.float32))
    kernel[1, 1](out)
    assert out.copy_to_host().tolist() == [11.0, 4.0, 11.0, 18.0]


def test_arrays_of_by_reference_records_change_in_place(sample):
    """`Counter`'s methods modify it: an element of a local or shared array of Counters is
    a reference to the element, so `cs[0].bump()` changes the array, as in C++."""
    Counter = sample.Counter

    @cuda.jit
    def kernel(out):
        cs = cuda.local.array(2, Counter)
        cs[0] = Counter(5, 2)
        cs[1] = Counter(1)
        cs[0].bump()
        cs[0].bump(3)
        c = cs[1]  # the element itself
        c.bump()
        shared = cuda.shared.array(1, Counter)
        shared[0] = Counter(10, 10)
        shared[0].bump()
        out[0], out[1], out[2] = cs[0].value(), cs[1].value(), shared[0].value()

    out = cuda.to_device(np.zeros(3, np.int32))
    kernel[1, 1](out)
    assert out.copy_to_host().tolist() == [13, 2, 20]


def test_isinstance_of_bound_records(sample):
    """`isinstance(value, BoundRecord)` types in kernels and folds to a constant, a tuple of
    classes too, as numba-cuda does for its own types."""
    m = sample
    Vec2, Flags = m.Vec2, m.Flags

    @cuda.jit
    def kernel(out):
        v = Vec2(np.float32(1.0), np.float32(2.0))
        out[0] = 1 if isinstance(v, Vec2) else 0
        out[1] = 1 if isinstance(v, Flags) else 0
        out[2] = 1 if isinstance(v, (Flags, Vec2)) else 0

    out = cuda.to_device(np.zeros(3, np.int32))
    kernel[1, 1](out)
    assert out.copy_to_host().tolist() == [1, 0, 1]
