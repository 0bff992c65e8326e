"""cuda_fp8.h bound alone (no `--use` of the fp16/bf16 modules): its conversions over
`__half_raw` and `__nv_bfloat16_raw` take and return Numba's own float16 and bfloat16 (the
same bits), as the README promises for `__half` and `__nv_bfloat16`; their pairs
(`__half2_raw`, `__nv_bfloat162_raw`: unsigned shorts x and y) are Numba's uint16x2. Checked
against ml_dtypes over every e4m3 and e5m2 encoding on a GPU; compiled and linked without
one."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import DATA

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
ml_dtypes = pytest.importorskip("ml_dtypes", reason="ml_dtypes is the reference")
E4M3, E5M2 = 0, 1  # __nv_fp8_interpretation_t


@pytest.fixture(scope="module")
def fp8(tmp_path_factory):
    from bind_helpers import import_file
    from numbast import ir
    from numbast.backend.emit import emit_module, write_module

    tmp = tmp_path_factory.mktemp("raw")
    text, plan = emit_module(ir.load(DATA / "ir" / "cuda_fp8.json"), b"", "test")
    skipped = dict(plan.skipped)
    for name in (
        "__nv_cvt_fp8_to_halfraw",
        "__nv_cvt_fp8_to_bf16raw",
        "__nv_cvt_fp8x2_to_halfraw2",
    ):
        assert name not in skipped
    write_module(tmp / "fp8_alone.py", text)
    return import_file(tmp / "fp8_alone.py")


def _kernel(fp8, bits: bool = True, bf16: bool = True):
    """The conversions; `bits` stores the bfloat16 values' bits through numba-cuda's own
    bf16 module (the same Numba type), which brings a link file of its own; without `bf16`,
    only those to and from halves."""
    from numba import uint16
    from numba.cuda.bf16 import bfloat16_as_ushort

    to_half, to_bf16 = fp8.__nv_cvt_fp8_to_halfraw, fp8.__nv_cvt_fp8_to_bf16raw
    from_bf16 = fp8.__nv_cvt_bfloat16raw_to_fp8
    to_half2 = fp8.__nv_cvt_fp8x2_to_halfraw2

    def kernel(codes, kind, halves, bf16s, back, pairs):
        i = cuda.grid(1)
        if i < codes.size:
            halves[i] = to_half(codes[i], kind)
            if bf16:
                b = to_bf16(codes[i], kind)
                if bits:
                    bf16s[i] = bfloat16_as_ushort(b)
                back[i] = from_bf16(b, 0, kind)  # __NV_NOSAT
            # The pair (x: codes[i], y: its complement) as two halves' bits.
            h2 = to_half2(uint16(codes[i]) | (uint16(255 - codes[i]) << 8), kind)
            pairs[i, 0] = h2.x
            pairs[i, 1] = h2.y

    return kernel


def _headers_here_lack(name: str) -> str:
    """Why this machine's cuda_fp8.h cannot run `name` (the committed IR was dumped from
    newer CUDA headers than some machines have), or ""."""
    import os

    from numbast.backend.runtime.environment import cuda_include_dirs, cuda_toolkit_version

    for folder in cuda_include_dirs():
        found = [os.path.join(folder, f) for f in ("cuda_fp8.h", "cuda_fp8.hpp")]
        found = [f for f in found if os.path.isfile(f)]
        if found:
            if any(name in open(f, encoding="utf-8").read() for f in found):
                return ""
            return f"this machine's CUDA {cuda_toolkit_version()} cuda_fp8.h lacks {name}"
    return ""


def test_raw_conversions_link_without_a_gpu(fp8):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    argtypes = (
        types.uint8[::1],
        types.int32,
        types.float16[::1],
        types.uint16[::1],
        types.uint8[::1],
        types.uint16[:, ::1],
    )
    source = link_kernel(_kernel(fp8, bits=False), argtypes, fp8._bindings.bundle)
    assert "__nv_bfloat16_raw" in source and "__half_raw" in source  # C++'s own types


KINDS = [(E4M3, "float8_e4m3fn"), (E5M2, "float8_e5m2")]


def _run(fp8, kind, dtype, bf16: bool):
    codes = np.arange(256, dtype=np.uint8)
    values = codes.view(getattr(ml_dtypes, dtype)).astype(np.float32)
    halves = np.zeros(256, np.float16)
    bf16s = np.zeros(256, np.uint16)
    back = np.zeros(256, np.uint8)
    pairs = np.zeros((256, 2), np.uint16)
    d = [cuda.to_device(a) for a in (halves, bf16s, back, pairs)]
    cuda.jit(_kernel(fp8, bf16=bf16)).forall(256)(cuda.to_device(codes), kind, *d)
    halves, bf16s, back, pairs = (a.copy_to_host() for a in d)
    return codes, values, halves, bf16s, back, pairs


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("kind, dtype", KINDS)
def test_raw_half_conversions_against_ml_dtypes(fp8, kind, dtype):
    codes, values, halves, _, _, pairs = _run(fp8, kind, dtype, bf16=False)
    np.testing.assert_array_equal(pairs[:, 0], halves.view(np.uint16))
    np.testing.assert_array_equal(pairs[:, 1], halves.view(np.uint16)[255 - codes])
    finite = np.isfinite(values)
    np.testing.assert_array_equal(halves[finite], values[finite].astype(np.float16))
    assert np.isnan(halves[~finite & np.isnan(values)]).all()


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("kind, dtype", KINDS)
def test_raw_bf16_conversions_against_ml_dtypes(fp8, kind, dtype):
    lack = _headers_here_lack("__nv_cvt_fp8_to_bf16raw")
    if lack:
        pytest.skip(lack)
    codes, values, halves, bf16s, back, _ = _run(fp8, kind, dtype, bf16=True)
    finite = np.isfinite(values)
    np.testing.assert_array_equal(halves[finite], values[finite].astype(np.float16))
    np.testing.assert_array_equal(
        bf16s.view(np.uint16)[finite], values[finite].astype(ml_dtypes.bfloat16).view(np.uint16)
    )
    # fp8 -> bf16 is exact, so converting back gives every finite encoding again.
    np.testing.assert_array_equal(back[finite], codes[finite])
