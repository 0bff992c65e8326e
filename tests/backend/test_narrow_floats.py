"""The narrow float types of CUDA (cuda_fp8.h: e4m3, e5m2, e8m0; cuda_fp6.h: e2m3, e3m2;
cuda_fp4.h: e2m1) through their bindings, against an independent reference: ml_dtypes.

float32 -> type (every representable value, and a dense sweep with NaN, ±inf, overflow,
subnormals and ties; both saturation modes) compared bit for bit as stored encodings;
type -> half/bf16 over every encoding; the x2 and x4 packed types against the scalar ones;
`float32(fp8_e4m3(x))` (a record constructed and cast the Numba way); and bf16/fp16 <-> every
integer type. The modules are emitted from committed IR (CUDA 13.5 headers) with `--use` of the
fp16 and bf16 modules. Compiling and linking every kernel runs without a GPU."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest

from bind_helpers import import_file
from helpers import DATA
from numbast import ir
from numbast.backend.emit import emit_module, write_runtime
from numbast.backend.plan import UsedModule

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
ml_dtypes = pytest.importorskip("ml_dtypes", reason="ml_dtypes is the reference")
gpu = pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")

NOSAT, SATFINITE = 0, 1
E4M3, E5M2 = 0, 1  # __nv_fp8_interpretation_t
E2M3, E3M2 = 0, 1  # __nv_fp6_interpretation_t
E2M1 = 0  # __nv_fp4_interpretation_t
ROUND_NEAREST, ROUND_ZERO, ROUND_UP = 0, 1, 2  # cudaRoundMode
FORMATS = {  # name -> (module, ml_dtypes type, interpretation, bits)
    "e4m3": ("fp8", ml_dtypes.float8_e4m3fn, E4M3, 8),
    "e5m2": ("fp8", ml_dtypes.float8_e5m2, E5M2, 8),
    "e2m3": ("fp6", ml_dtypes.float6_e2m3fn, E2M3, 6),
    "e3m2": ("fp6", ml_dtypes.float6_e3m2fn, E3M2, 6),
    "e2m1": ("fp4", ml_dtypes.float4_e2m1fn, E2M1, 4),
}


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    """The five modules, fp8/fp6/fp4 using fp16 and bf16's records."""
    tmp = tmp_path_factory.mktemp("narrow")
    docs = {
        n: ir.load(DATA / "ir" / f"cuda_{n}.json") for n in ("fp16", "bf16", "fp8", "fp6", "fp4")
    }
    uses = [UsedModule(docs["fp16"], "narrow_fp16"), UsedModule(docs["bf16"], "narrow_bf16")]
    for name, doc in docs.items():
        text, _ = emit_module(doc, b"", "test", None, [] if name in ("fp16", "bf16") else uses)
        (tmp / f"narrow_{name}.py").write_text(text)
    write_runtime(tmp)
    sys.path.insert(0, str(tmp))
    mods = {name: import_file(tmp / f"narrow_{name}.py") for name in ("fp8", "fp6", "fp4")}
    mods["fp16"], mods["bf16"] = (importlib.import_module(f"narrow_{n}") for n in ("fp16", "bf16"))
    yield mods
    sys.path.remove(str(tmp))


# -- inputs and references ------------------------------------------------------------------


def sweep(dtype) -> np.ndarray:
    """Every representable value, the midpoints between neighbours (ties), values just beside
    them, a log-spaced sweep through subnormals and overflow, and the specials."""
    info = ml_dtypes.finfo(dtype)
    codes = np.arange(1 << info.bits, dtype=np.uint8)
    values = codes.view(dtype).astype(np.float32) if info.bits == 8 else _decode(dtype, info.bits)
    finite = np.unique(values[np.isfinite(values)])
    mids = (finite[:-1].astype(np.float64) + finite[1:]) / 2
    near = np.concatenate(
        [
            np.nextafter(mids.astype(np.float32), np.float32(np.inf)),
            np.nextafter(mids.astype(np.float32), np.float32(-np.inf)),
        ]
    )
    top = float(info.max)
    logs = np.geomspace(float(info.smallest_subnormal) / 4, top * 4, 4000)
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, top, top * 1.01, top * 2, 1e30]
    out = np.concatenate([finite, mids, near, logs, -logs, specials]).astype(np.float32)
    return out


def _decode(dtype, bits) -> np.ndarray:
    """Values of every encoding of a sub-byte type (ml_dtypes stores one per byte)."""
    return np.arange(1 << bits, dtype=np.uint8).view(dtype).astype(np.float32)


def encode(x: np.ndarray, dtype, saturate: bool) -> np.ndarray:
    """ml_dtypes' encoding of float32 values (saturating first when asked)."""
    x = x.astype(np.float32)
    if saturate:
        top = np.float32(ml_dtypes.finfo(dtype).max)
        x = np.where(np.isnan(x), x, np.clip(x, -top, top))
    with np.errstate(over="ignore", invalid="ignore"):
        return x.astype(dtype).view(np.uint8)


def assert_same_encodings(got, want, dtype, x):
    """Bit for bit; NaN encodings compare as NaN (formats have several)."""
    got_v = got.view(dtype).astype(np.float32)
    want_v = want.view(dtype).astype(np.float32)
    nan = np.isnan(want_v)
    assert np.array_equal(np.isnan(got_v), nan), x[np.isnan(got_v) != nan][:8]
    bad = (got != want) & ~nan
    assert not bad.any(), list(zip(x[bad][:8], got[bad][:8], want[bad][:8], strict=True))


# -- kernels --------------------------------------------------------------------------------


def to_storage_kernel(m, fmt: str, saturation: int):
    module, _, interp, bits = FORMATS[fmt]
    if module == "fp8":
        cvt = m["fp8"].__nv_cvt_float_to_fp8

        def kernel(x, out):
            i = cuda.grid(1)
            if i < x.size:
                out[i] = cvt(x[i], saturation, interp)

    else:
        cvt = getattr(m[module], f"__nv_cvt_float_to_{module}")

        def kernel(x, out):
            i = cuda.grid(1)
            if i < x.size:
                out[i] = cvt(x[i], interp, ROUND_NEAREST)

    return kernel


def to_half_kernel(m, fmt: str):
    module, _, interp, _ = FORMATS[fmt]
    back = getattr(m[module], f"__nv_cvt_{module}_to_halfraw")

    def kernel(codes, out):
        i = cuda.grid(1)
        if i < codes.size:
            out[i] = back(codes[i], interp).x

    return kernel


def packed_kernel(m, fmt: str):
    module, _, interp, _ = FORMATS[fmt]
    cvt2 = getattr(m[module], f"__nv_cvt_float2_to_{module}x2")
    from numba.cuda import float32x2

    if module == "fp8":

        def kernel(x, out):
            i = cuda.grid(1)
            if 2 * i + 1 < x.size:
                out[i] = cvt2(float32x2(x[2 * i], x[2 * i + 1]), SATFINITE, interp)

    else:

        def kernel(x, out):
            i = cuda.grid(1)
            if 2 * i + 1 < x.size:
                out[i] = cvt2(float32x2(x[2 * i], x[2 * i + 1]), interp, ROUND_NEAREST)

    return kernel


def quad_kernel(m, fmt: str):
    """The x4 record built from a float4 (`__nv_fp8x4_e4m3(float32x4(...))`), read as bits."""
    module = FORMATS[fmt][0]
    quad = getattr(m[module], f"__nv_{module}x4_{fmt}")
    from numba.cuda import float32x4

    def kernel(x, out):
        i = cuda.grid(1)
        if 4 * i + 3 < x.size:
            v = float32x4(x[4 * i], x[4 * i + 1], x[4 * i + 2], x[4 * i + 3])
            out[i] = quad(v).__x

    return kernel


def e8m0_kernel(m, saturation: int, rounding: int):
    cvt = m["fp8"].__nv_cvt_float_to_e8m0

    def kernel(x, out):
        i = cuda.grid(1)
        if i < x.size:
            out[i] = cvt(x[i], saturation, rounding)

    return kernel


def e8m0_enum_kernel(m):
    """The natural call: both modes as the module's IntEnums (cudaRoundMode is the runtime's
    enum, described in cuda_fp8.h's IR where its conversions use it)."""
    fp8 = m["fp8"]
    cvt, sat, mode = fp8.__nv_cvt_float_to_e8m0, fp8.__nv_saturation_t, fp8.cudaRoundMode

    def kernel(x, out):
        i = cuda.grid(1)
        if i < x.size:
            out[i] = cvt(x[i], sat.__NV_SATFINITE, mode.cudaRoundZero)

    return kernel


def test_round_mode_is_an_int_enum_of_the_module(m):
    import enum

    mode = m["fp8"].cudaRoundMode
    assert issubclass(mode, enum.IntEnum) and mode.cudaRoundZero == ROUND_ZERO
    assert {e.name for e in mode} >= {"cudaRoundNearest", "cudaRoundZero", "cudaRoundPosInf"}


def e8m0_back_kernel(m):
    back = m["fp8"].__nv_cvt_e8m0_to_bf16raw

    def kernel(codes, out):
        i = cuda.grid(1)
        if i < codes.size:
            out[i] = back(codes[i]).x

    return kernel


def record_kernel(m):
    """The Numba way: construct the record from a float32, convert back with float32(...)."""
    e4m3 = m["fp8"].__nv_fp8_e4m3
    from numba.cuda.types import float32

    def kernel(x, out):
        i = cuda.grid(1)
        if i < x.size:
            out[i] = float32(e4m3(x[i]))

    return kernel


INT_TYPES = ["int16", "uint16", "int32", "uint32", "int64", "uint64"]
_CPP_INT = {
    "int16": "short",
    "uint16": "ushort",
    "int32": "int",
    "uint32": "uint",
    "int64": "ll",
    "uint64": "ull",
}


def int_kernels(m, kind: str, int_type: str):
    """(int -> kind round-to-nearest, kind -> int round-toward-zero) for one integer type;
    halves travel as their bits."""
    mod = m["fp16" if kind == "half" else "bf16"]
    c, k = _CPP_INT[int_type], ("half" if kind == "half" else "bfloat16")
    to, back = getattr(mod, f"__{c}2{k}_rn"), getattr(mod, f"__{k}2{c}_rz")
    as_bits, from_bits = getattr(mod, f"__{k}_as_ushort"), getattr(mod, f"__ushort_as_{k}")

    def forward(x, out):
        i = cuda.grid(1)
        if i < x.size:
            out[i] = as_bits(to(x[i]))

    def backward(h, out):
        i = cuda.grid(1)
        if i < h.size:
            out[i] = back(from_bits(h[i]))

    return forward, backward


# -- no GPU: every kernel types, compiles and links --------------------------------------------


def test_kernels_compile_and_link(m):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    f32, u8, u16 = types.float32[::1], types.uint8[::1], types.uint16[::1]
    bundles = [m[k]._bindings.bundle for k in ("fp16", "bf16", "fp8", "fp6", "fp4")]
    for fmt, (module, _, _, _) in FORMATS.items():
        link_kernel(to_storage_kernel(m, fmt, SATFINITE), (f32, u8), bundles)
        link_kernel(to_half_kernel(m, fmt), (u8, u16), bundles)
        link_kernel(packed_kernel(m, fmt), (f32, u16 if module != "fp4" else u8), bundles)
        link_kernel(
            quad_kernel(m, fmt), (f32, u16 if module == "fp4" else types.uint32[::1]), bundles
        )
    link_kernel(e8m0_kernel(m, SATFINITE, ROUND_ZERO), (f32, u8), bundles)
    link_kernel(e8m0_enum_kernel(m), (f32, u8), bundles)
    link_kernel(e8m0_back_kernel(m), (u8, u16), bundles)
    link_kernel(record_kernel(m), (f32, f32), bundles)
    for kind in ("half", "bfloat16"):
        for t in INT_TYPES:
            fwd, bwd = int_kernels(m, kind, t)
            link_kernel(fwd, (getattr(types, t)[::1], u16), bundles)
            link_kernel(bwd, (u16, getattr(types, t)[::1]), bundles)


# -- on the GPU -------------------------------------------------------------------------------


def run(kernel, x, out_dtype, n_out=None):
    out = np.zeros(n_out if n_out is not None else x.size, out_dtype)
    d_out = cuda.to_device(out)
    cuda.jit(kernel)[(out.size + 255) // 256, 256](cuda.to_device(x), d_out)
    return d_out.copy_to_host()


@gpu
@pytest.mark.gpu
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_float32_to_format_bit_for_bit(m, fmt):
    module, dtype, _, _ = FORMATS[fmt]
    x = sweep(dtype)
    modes = [(SATFINITE, True), (NOSAT, False)] if module == "fp8" else [(None, True)]
    for saturation, saturate in modes:
        if module != "fp8":
            x = x[np.isfinite(x)]  # no NaN or infinity in these formats: CUDA saturates them
        got = run(to_storage_kernel(m, fmt, saturation or 0), x, np.uint8)
        assert_same_encodings(got, encode(x, dtype, saturate), dtype, x)


@gpu
@pytest.mark.gpu
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_encoding_back_to_half(m, fmt):
    _, dtype, _, bits = FORMATS[fmt]
    codes = np.arange(1 << bits, dtype=np.uint8)
    got = run(to_half_kernel(m, fmt), codes, np.uint16).view(np.float16)
    want = codes.view(dtype).astype(np.float32).astype(np.float16)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    assert np.array_equal(got[~nan].view(np.uint16), want[~nan].view(np.uint16))


@gpu
@pytest.mark.gpu
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_packed_pairs_match_the_scalar_conversions(m, fmt):
    module, dtype, _, bits = FORMATS[fmt]
    x = sweep(dtype)
    x = x[np.isfinite(x)][: (x.size // 2) * 2]
    x = x[: (x.size // 2) * 2]
    scalar = run(to_storage_kernel(m, fmt, SATFINITE), x, np.uint8).astype(np.uint16)
    if module == "fp4":
        packed = run(packed_kernel(m, fmt), x, np.uint8, x.size // 2).astype(np.uint16)
        pairs = scalar[0::2] | (scalar[1::2] << 4)
    else:
        packed = run(packed_kernel(m, fmt), x, np.uint16, x.size // 2)
        pairs = scalar[0::2] | (scalar[1::2] << 8)
    assert np.array_equal(packed, pairs)


@gpu
@pytest.mark.gpu
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_quads_match_the_scalar_conversions(m, fmt):
    """The x4 types, constructed from a float4, against four scalar conversions."""
    module, dtype, _, _ = FORMATS[fmt]
    x = sweep(dtype)
    x = x[np.isfinite(x)]
    x = x[: (x.size // 4) * 4]
    s = run(to_storage_kernel(m, fmt, SATFINITE), x, np.uint8).astype(np.uint32)
    shift = 4 if module == "fp4" else 8
    want = s[0::4] | (s[1::4] << shift) | (s[2::4] << 2 * shift) | (s[3::4] << 3 * shift)
    got = run(quad_kernel(m, fmt), x, np.uint16 if module == "fp4" else np.uint32, x.size // 4)
    assert np.array_equal(got.astype(np.uint32), want)


@gpu
@pytest.mark.gpu
@pytest.mark.parametrize("rounding", [ROUND_ZERO, ROUND_UP])
def test_e8m0(m, rounding):
    """Positive finite inputs: a power of two, rounded toward zero or up, saturated or NaN."""
    x = np.unique(
        np.concatenate([np.geomspace(2.0**-126, 2.0**127, 6000), 2.0 ** np.arange(-126, 128)])
    )
    x = x.astype(np.float32)
    e = np.floor(np.log2(x.astype(np.float64)))
    if rounding == ROUND_UP:
        e = np.where(2.0**e == x, e, e + 1)
    for saturation in (SATFINITE, NOSAT):
        got = run(e8m0_kernel(m, saturation, rounding), x, np.uint8)
        top = 127 if saturation == SATFINITE else 128  # 2**128 has no encoding: NaN
        want = np.where(e > 127, top, e).astype(np.int64) + 127
        want = np.where(want > 254, 255, want).astype(np.uint8)
        assert_same_encodings(got, want, ml_dtypes.float8_e8m0fnu, x)
    if rounding == ROUND_ZERO:  # the same call with the modes as the module's IntEnums
        by_enum = run(e8m0_enum_kernel(m), x, np.uint8)
        assert np.array_equal(by_enum, run(e8m0_kernel(m, SATFINITE, rounding), x, np.uint8))
    codes = np.arange(256, dtype=np.uint8)
    back = run(e8m0_back_kernel(m), codes, np.uint16).astype(np.uint32) << 16
    want = codes.view(ml_dtypes.float8_e8m0fnu).astype(np.float32)
    got = back.view(np.float32)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.array_equal(got[ok], want[ok])


CPP_E8M0 = r"""
#include <cuda_fp8.h>
extern "C" __global__ void e8m0(const float *x, unsigned char *out, int n, int sat, int mode) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = __nv_cvt_float_to_e8m0(x[i], (__nv_saturation_t)sat, (cudaRoundMode)mode);
}
"""


@gpu
@pytest.mark.gpu
def test_e8m0_against_cpp(m):
    """Both saturations and both rounding modes the function takes, over 2**20 random
    float32 bit patterns and the special values: the binding's encodings are the C++
    function's, byte for byte."""
    from bind_helpers import cpp_kernel

    cp, cpp = cpp_kernel(CPP_E8M0, "e8m0")
    rng = np.random.default_rng(8)
    special = np.array(
        [0.0, -0.0, np.inf, -np.inf, np.nan, 2.0**-149, 2.0**127, 3.0e38], np.float32
    )
    x = np.concatenate([special, rng.integers(0, 2**32, 2**20, dtype=np.uint32).view(np.float32)])
    d_x = cp.asarray(x)
    for saturation in (SATFINITE, NOSAT):
        for rounding in (ROUND_ZERO, ROUND_UP):  # C++ asserts on any other mode
            want = cp.zeros(x.size, cp.uint8)
            args = (d_x, want, np.int32(x.size), np.int32(saturation), np.int32(rounding))
            cpp(((x.size + 255) // 256,), (256,), args)
            got = run(e8m0_kernel(m, saturation, rounding), x, np.uint8)
            assert np.array_equal(got, want.get()), (saturation, rounding)
    mode = m["fp8"].cudaRoundMode.cudaRoundZero  # the IntEnum call, against C++'s
    want = cp.zeros(x.size, cp.uint8)
    cpp(
        ((x.size + 255) // 256,),
        (256,),
        (d_x, want, np.int32(x.size), np.int32(SATFINITE), np.int32(mode)),
    )
    assert np.array_equal(run(e8m0_enum_kernel(m), x, np.uint8), want.get())


@gpu
@pytest.mark.gpu
def test_record_construction_and_cast(m):
    """float32(fp8_e4m3(x)): the constructor saturates to finite, the cast is exact."""
    dtype = ml_dtypes.float8_e4m3fn
    x = sweep(dtype)
    got = run(record_kernel(m), x, np.float32)
    want = encode(x, dtype, saturate=True).view(dtype).astype(np.float32)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.array_equal(got[ok], want[ok])


@gpu
@pytest.mark.gpu
@pytest.mark.parametrize("kind", ["half", "bfloat16"])
@pytest.mark.parametrize("int_type", INT_TYPES)
def test_half_and_bfloat16_from_and_to_integers(m, kind, int_type):
    target = np.float16 if kind == "half" else ml_dtypes.bfloat16
    info = np.iinfo(int_type)
    rng = np.random.default_rng(0)
    lo, hi = max(info.min, -(2**40)), min(info.max, 2**40)  # exact in float64: one rounding
    ints = np.concatenate([np.arange(max(lo, -3000), min(hi, 3000)), rng.integers(lo, hi, 20000)])
    ints = ints.astype(int_type)
    fwd, bwd = int_kernels(m, kind, int_type)
    got = run(fwd, ints, np.uint16)
    want = ints.astype(np.float64).astype(target).view(np.uint16)
    assert np.array_equal(got, want), ints[got != want][:8]
    # back: round toward zero, for values the integer type holds
    halves = want.view(target)
    fits = np.isfinite(halves.astype(np.float64))
    f = np.trunc(halves.astype(np.float64))
    fits &= (f >= info.min) & (f <= info.max)
    got_back = run(bwd, want[fits], int_type)
    assert np.array_equal(got_back, f[fits].astype(int_type))
