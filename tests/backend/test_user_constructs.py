"""C++ that ordinary library headers use (tests/data/user_constructs.cuh, with the intents of
tests/data/user_constructs.toml), bound as C++ behaves: references written through by
function, member and class templates; defaulted template parameters; keyword arguments by
C++ parameter name; an ambiguous call rejected with its candidates; vector-type operators
numba-cuda lacks.

Without a GPU every kernel is compiled and linked for sm_90 in both modes (CI); on a GPU the
same kernel runs against the same C++ compiled by NVRTC, value for value. The IR is
committed (tests/data/ir/user_constructs.json: `canopy dump tests/data/user_constructs.cuh
-o tests/data/ir/user_constructs.json`), so GPU machines need no libclang.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import DATA

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
IR_FILE = DATA / "ir" / "user_constructs.json"
CONFIG = DATA / "user_constructs.toml"
OUT = 16  # float results of the kernel (and 3 doubles)


@pytest.fixture(scope="module", params=["static", "dynamic"])
def uc(request, tmp_path_factory):
    import numbast
    from bind_helpers import import_file
    from numbast import ir
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module, write_module
    from numbast.backend.includes import Places

    if request.param == "dynamic":
        return numbast.bind(IR_FILE, config=CONFIG)
    tmp = tmp_path_factory.mktemp("uc")
    places = Places(config_folder=CONFIG.parent, module_folder=tmp)
    text, plan = emit_module(ir.load(IR_FILE), b"", "t", load_config(CONFIG), places=places)
    assert plan.skipped == []
    write_module(tmp / "uc.py", text)
    return import_file(tmp / "uc.py")


def _kernel(uc):
    """A kernel using every construct: x holds inputs, out the float results, n the ints."""
    from numba import float32, float64
    from numba.cuda import float32x2

    accumulate, split, times_n, widened = uc.accumulate, uc.split, uc.times_n, uc.widened
    Accum, mix, Span, Scaled = uc.Accum, uc.mix, uc.Span, uc.Scaled

    def kernel(x, out, n, d):
        acc = cuda.local.array(1, float32)
        acc[0] = x[0]
        accumulate(acc, x[1])  # T & under inout_ptr: a local array
        out[0] = acc[0]
        whole, frac = split(x[2])  # T & under out_return
        out[1] = whole
        out[2] = frac
        out[3] = times_n(x[1])  # N = 7 left to C++
        out[4] = times_n(x[1], N=3)
        d[0] = widened(x[1])  # U = double
        a = Accum(T=float32)
        a.add(x[0])
        a.add(x[1])
        a.read(out[5:])  # class template member, T & under out_ptr
        out[6] = a.read_twice()  # under out_return
        a.read_as(n)  # member template, U & under out_ptr (U = int32)
        out[7] = a.scaled(x[1])  # member template, default argument left to C++
        out[8] = a.scaled(x[1], x[0])
        d[1] = a.scaled(float64(x[1]))
        out[9] = mix(x[0], x[1], t=x[3])  # keyword arguments by C++ name
        out[10] = mix(x[0], t=x[3], b=x[1])
        out[11] = Span(x[0], high=x[1]).hi
        out[12] = Span(high=x[1], low=x[0]).lo
        v = float32x2(x[0], x[1]) + float32x2(x[2], x[3])  # float2 operator+
        w = v * x[1]  # float2 operator*(float2, float)
        out[13] = v.x
        out[14] = w.y
        out[15] = Scaled(x[0], scale=x[1]).get()  # a class template's constructor by name
        d[2] = Scaled(scale=float64(x[1]), v=float64(x[0]), T=float64).get()

    return kernel


def _argtypes():
    from numba.cuda import types

    return (types.float32[::1], types.float32[::1], types.int32[::1], types.float64[::1])


def _bundles():
    """The shim bundles of every module of this process: operators on Numba's own types are
    registered once per process, by the first module that binds them."""
    from numbast.backend.runtime import bindings

    bundles = [b.bundle for b in bindings._MODULES.values()]
    for bundle in bundles:  # what earlier tests of this process compiled is not this kernel's
        bundle.used.clear()
    return bundles


def test_every_construct_compiles_and_links(uc, monkeypatch, tmp_path):
    """No GPU needed: numba-cuda, NVRTC and nvJitLink build the kernel for sm_90, from
    another working directory (the IR finds the header itself)."""
    from numbast.backend.check import link_kernel

    monkeypatch.chdir(tmp_path)
    source = link_kernel(_kernel(uc), _argtypes(), _bundles())
    assert "times_n<float>(" in source  # N left to C++'s default
    assert "times_n<float, 3>(" in source
    assert "accumulate<float>(**static_cast<float **>" in source.replace("float * *", "float **")


def test_ambiguous_call_names_the_candidates(uc):
    from numba.core.errors import TypingError

    from numbast.backend.check import link_kernel

    which = uc.which

    def kernel(x, out):
        out[0] = which(x[0])

    from numba.cuda import types

    with pytest.raises(TypingError) as err:
        link_kernel(kernel, (types.float32[::1], types.int32[::1]), _bundles())
    message = str(err.value)
    assert "ambiguous call" in message
    assert "int which(T x)" in message and "int which(const T & x)" in message


_CPP = r"""
#include "{header}"
extern "C" __global__ void ref(const float *x, float *out, int *n, double *d) {{
  float acc = x[0];
  accumulate(acc, x[1]);
  out[0] = acc;
  float frac;
  out[1] = split(x[2], frac);
  out[2] = frac;
  out[3] = times_n(x[1]);
  out[4] = times_n<float, 3>(x[1]);
  d[0] = widened(x[1]);
  Accum<float> a;
  a.add(x[0]);
  a.add(x[1]);
  a.read(out[5]);
  float twice;
  a.read_twice(twice);
  out[6] = twice;
  a.read_as(n[0]);
  out[7] = a.scaled(x[1]);
  out[8] = a.scaled(x[1], x[0]);
  d[1] = a.scaled((double)x[1]);
  out[9] = mix(x[0], x[1], x[3]);
  out[10] = mix(x[0], x[1], x[3]);
  out[11] = Span(x[0], x[1]).hi;
  out[12] = Span(x[0], x[1]).lo;
  float2 v = make_float2(x[0], x[1]) + make_float2(x[2], x[3]);
  float2 w = v * x[1];
  out[13] = v.x;
  out[14] = w.y;
  out[15] = Scaled<float>(x[0], x[1]).get();
  d[2] = Scaled<double>((double)x[0], (double)x[1]).get();
}}
"""


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_constructs_against_cpp(uc):
    from bind_helpers import cpp_kernel

    x = np.array([1.5, 2.25, 3.75, 0.25], np.float32)
    ours = [np.zeros(OUT, np.float32), np.zeros(1, np.int32), np.zeros(3, np.float64)]
    d_ours = [cuda.to_device(a) for a in ours]
    cuda.jit(_kernel(uc))[1, 1](cuda.to_device(x), *d_ours)
    out, n, d = (a.copy_to_host() for a in d_ours)
    a, b, c, t = (float(v) for v in x)
    expected = [a + b, 3.0, 0.75, b * 7, b * 3, None, (a + b) * 2, (a + b) * b + 1]
    expected += [(a + b) * b + a, a + t * (b - a), a + t * (b - a), b, a, a + c, (b + t) * b]
    expected += [a * b]
    for k, e in enumerate(expected):
        if e is not None:
            assert out[k] == pytest.approx(e, rel=1e-6), k
    assert out[5] == a + b and n[0] == int(a + b)
    assert d[0] == b * 2 and d[1] == pytest.approx((a + b) * b + 1) and d[2] == a * b

    cp, ref = cpp_kernel(_CPP.format(header=DATA / "user_constructs.cuh"), "ref")
    theirs = [cp.zeros(OUT, cp.float32), cp.zeros(1, cp.int32), cp.zeros(3, cp.float64)]
    ref((1,), (1,), (cp.asarray(x), *theirs))
    for mine, cpp in zip((out, n, d), theirs, strict=True):
        np.testing.assert_array_equal(mine, cp.asnumpy(cpp))  # value for value
