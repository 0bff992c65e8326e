"""A library author's own header (tests/data/userlib/: a record, inline functions, functions
defined in the library's .cu, a macro given at dump time) called from kernels, in both
modes, against numpy and against the same C++ compiled by NVRTC.

The IR is committed (tests/data/ir/userlib.json, made by `canopy dump
tests/data/userlib/include/userlib.cuh -D USERLIB_SCALE=3 -o tests/data/ir/userlib.json`):
it records the header's folder relative to itself, so the bindings find the header with no
include folder of their own; the config (tests/data/userlib/userlib.toml) names the .cu.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import DATA

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to run bindings")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU"),
]
LIB = DATA / "userlib"
IR_FILE = DATA / "ir" / "userlib.json"
N = 4096


@pytest.fixture(scope="module", params=["static", "dynamic"])
def userlib(request, tmp_path_factory):
    import numbast
    from bind_helpers import import_file
    from numbast import ir
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module, write_module
    from numbast.backend.includes import Places

    config = LIB / "userlib.toml"
    if request.param == "dynamic":
        return numbast.bind(IR_FILE, config=config)
    tmp = tmp_path_factory.mktemp("userlib")
    places = Places(config_folder=LIB, module_folder=tmp)
    text, plan = emit_module(
        ir.load(IR_FILE), b"", "test", load_config(config), verify=True, places=places
    )
    assert plan.skipped == []
    write_module(tmp / "userlib_bound.py", text)
    return import_file(tmp / "userlib_bound.py")


def _inputs():
    rng = np.random.default_rng(7)
    x = rng.uniform(-4, 4, N).astype(np.float32)
    y = rng.uniform(-4, 4, N).astype(np.float32)
    a = rng.integers(1, 10_000, N).astype(np.int32)
    b = rng.integers(1, 10_000, N).astype(np.int32)
    return x, y, a, b


def _run_ours(lib, x, y, a, b):
    Point, dot, scaled, poly, gcd = lib.Point, lib.dot, lib.scaled, lib.poly, lib.gcd

    @cuda.jit
    def kernel(x, y, a, b, dots, sx, sy, polys, gcds):
        i = cuda.grid(1)
        if i < x.size:
            p = Point(x[i], y[i])
            q = Point(y[i], x[i])
            dots[i] = dot(p, q)
            s = scaled(p)
            sx[i] = s.x
            sy[i] = s.y
            polys[i] = poly(x[i])
            gcds[i] = gcd(a[i], b[i])

    outs = [np.zeros(N, np.float32) for _ in range(4)] + [np.zeros(N, np.int32)]
    d_outs = [cuda.to_device(o) for o in outs]
    kernel.forall(N)(*(cuda.to_device(v) for v in (x, y, a, b)), *d_outs)
    return [d.copy_to_host() for d in d_outs]


_CPP = r"""
#define USERLIB_SCALE 3
#include "{source}"
extern "C" __global__ void ref(const float *x, const float *y, const int *a, const int *b,
                               float *dots, float *sx, float *sy, float *polys, int *gcds,
                               int n) {{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {{
    Point p(x[i], y[i]), q(y[i], x[i]);
    dots[i] = dot(p, q);
    Point s = scaled(p);
    sx[i] = s.x;
    sy[i] = s.y;
    polys[i] = poly(x[i]);
    gcds[i] = gcd(a[i], b[i]);
  }}
}}
"""


def test_userlib_against_numpy_and_cpp(userlib):
    from bind_helpers import cpp_kernel

    x, y, a, b = _inputs()
    dots, sx, sy, polys, gcds = _run_ours(userlib, x, y, a, b)
    np.testing.assert_allclose(dots, x * y + y * x, rtol=1e-6)
    np.testing.assert_array_equal(sx, x * np.float32(3))
    np.testing.assert_array_equal(sy, y * np.float32(3))
    np.testing.assert_allclose(polys, 3 * x * x + 2 * x + 1, rtol=1e-5)
    np.testing.assert_array_equal(gcds, np.gcd(a, b))

    cp, ref = cpp_kernel(_CPP.format(source=LIB / "src" / "userlib.cu"), "ref")
    args = [cp.asarray(v) for v in (x, y, a, b)]
    outs = [cp.zeros(N, cp.float32) for _ in range(4)] + [cp.zeros(N, cp.int32)]
    ref(((N + 127) // 128,), (128,), (*args, *outs, np.int32(N)))
    for ours, theirs in zip((dots, sx, sy, polys, gcds), outs, strict=True):
        np.testing.assert_array_equal(ours, cp.asnumpy(theirs))  # bit for bit
