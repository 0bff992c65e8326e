"""cuRAND's device API (curand_kernel.h) through bindings, against the same C++ compiled by
NVRTC: for every generator state that a kernel can set up, the same seed, subsequence and
offset give the same numbers, bit for bit (raw draws, uniform, normal, normal pairs, doubles,
log-normal, Poisson, after skipahead).

The module is emitted from committed IR (CUDA 13.5's headers; GPU tests need no libclang):
    canopy dump curand_kernel.h --retain curand_philox4x32_x.h --retain curand_mrg32k3a.h \\
        --retain curand_mtgp32.h --retain curand_mtgp32_kernel.h --retain curand_uniform.h \\
        --retain curand_normal.h --retain curand_lognormal.h --retain curand_poisson.h \\
        --retain curand_discrete.h --retain curand_discrete2.h -o tests/data/ir/curand_kernel.json
MTGP32 is bound (its draws take `curandStateMtgp32_t *`) but its state is made on the host by
the cuRAND library (`curandMakeMTGP32KernelState`), so no kernel can start one here.
"""

from __future__ import annotations

import numpy as np
import pytest

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
from numba import types  # noqa: E402

THREADS = 64
SEED, OFFSET = 1234, 7
# Counter-based and recurrence states: curand_init(seed, subsequence, offset, state).
SEEDED = ["XORWOW", "MRG32k3a", "Philox4_32_10"]
# Quasi-random states: curand_init(direction vectors[, scramble], offset, state).
SOBOL = {
    "Sobol32": (32, False),
    "ScrambledSobol32": (32, True),
    "Sobol64": (64, False),
    "ScrambledSobol64": (64, True),
}
N_U32, N_F32, N_F64 = 4, 6, 4


@pytest.fixture(scope="module")
def curand(tmp_path_factory):
    from bind_helpers import module_from_ir

    return module_from_ir(tmp_path_factory.mktemp("curand"), "curand_kernel")


def seeded_kernel(m, state_name: str):
    """Per thread: init, then the draws in the order `CPP_DRAWS` makes them."""
    State = getattr(m, f"curandState{state_name}")
    curand_init, curand, skipahead = m.curand_init, m.curand, m.skipahead
    uniform, normal, normal2 = m.curand_uniform, m.curand_normal, m.curand_normal2
    uniform_d, normal_d = m.curand_uniform_double, m.curand_normal_double
    log_normal, poisson = m.curand_log_normal, m.curand_poisson

    def kernel(u32, f32, f64):
        i = cuda.grid(1)
        st = cuda.local.array(1, State)
        curand_init(SEED, i, OFFSET, st)
        u32[i, 0] = curand(st)
        u32[i, 1] = curand(st)
        f32[i, 0] = uniform(st)
        f32[i, 1] = normal(st)
        pair = normal2(st)
        f32[i, 2] = pair.x
        f32[i, 3] = pair.y
        f32[i, 4] = log_normal(st, np.float32(0.5), np.float32(1.5))
        f64[i, 0] = uniform_d(st)
        f64[i, 1] = normal_d(st)
        u32[i, 2] = poisson(st, 4.0)
        skipahead(1000, st)
        u32[i, 3] = curand(st)
        f32[i, 5] = uniform(st)

    return kernel


CPP_SEEDED = r"""
#include <curand_kernel.h>
extern "C" __global__ void draws(unsigned *u32, float *f32, double *f64) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    STATE st;
    curand_init(SEED, i, OFFSET, &st);
    u32[i * 4 + 0] = curand(&st);
    u32[i * 4 + 1] = curand(&st);
    f32[i * 6 + 0] = curand_uniform(&st);
    f32[i * 6 + 1] = curand_normal(&st);
    float2 pair = curand_normal2(&st);
    f32[i * 6 + 2] = pair.x;
    f32[i * 6 + 3] = pair.y;
    f32[i * 6 + 4] = curand_log_normal(&st, 0.5f, 1.5f);
    f64[i * 4 + 0] = curand_uniform_double(&st);
    f64[i * 4 + 1] = curand_normal_double(&st);
    u32[i * 4 + 2] = curand_poisson(&st, 4.0);
    skipahead(1000ull, &st);
    u32[i * 4 + 3] = curand(&st);
    f32[i * 6 + 5] = curand_uniform(&st);
}
"""


def sobol_kernel(m, state_name: str, scrambled: bool):
    State = getattr(m, f"curandState{state_name}")
    curand_init, curand = m.curand_init, m.curand
    uniform, normal, uniform_d = m.curand_uniform, m.curand_normal, m.curand_uniform_double
    log_normal, poisson = m.curand_log_normal, m.curand_poisson

    # Two kernels, not one calling a device function: typing such a call needs a GPU, and the
    # CI test compiles these without one.
    def scrambled_kernel(dirs, scramble, raw, f32, f64, u32):
        i = cuda.grid(1)
        st = cuda.local.array(1, State)
        curand_init(dirs, scramble, OFFSET + i, st)
        raw[i, 0] = curand(st)
        raw[i, 1] = curand(st)
        f32[i, 0] = uniform(st)
        f32[i, 1] = normal(st)
        f32[i, 2] = log_normal(st, np.float32(0.5), np.float32(1.5))
        f64[i] = uniform_d(st)
        u32[i] = poisson(st, 4.0)

    def kernel(dirs, scramble, raw, f32, f64, u32):
        i = cuda.grid(1)
        st = cuda.local.array(1, State)
        curand_init(dirs, OFFSET + i, st)
        raw[i, 0] = curand(st)
        raw[i, 1] = curand(st)
        f32[i, 0] = uniform(st)
        f32[i, 1] = normal(st)
        f32[i, 2] = log_normal(st, np.float32(0.5), np.float32(1.5))
        f64[i] = uniform_d(st)
        u32[i] = poisson(st, 4.0)

    return scrambled_kernel if scrambled else kernel


CPP_SOBOL = r"""
#include <curand_kernel.h>
extern "C" __global__ void draws(WORD *dirs, WORD scramble, WORD *raw, float *f32, double *f64,
                                 unsigned *u32) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    STATE st;
    INIT;
    raw[i * 2 + 0] = curand(&st);
    raw[i * 2 + 1] = curand(&st);
    f32[i * 3 + 0] = curand_uniform(&st);
    f32[i * 3 + 1] = curand_normal(&st);
    f32[i * 3 + 2] = curand_log_normal(&st, 0.5f, 1.5f);
    f64[i] = curand_uniform_double(&st);
    u32[i] = curand_poisson(&st, 4.0);
}
"""


def _direction_vectors(bits: int) -> np.ndarray:
    """Sobol's first dimension (v_k = 2^(bits-1-k)), as curandGetDirectionVectors gives it."""
    dtype = np.uint32 if bits == 32 else np.uint64
    return np.array([1 << (bits - 1 - k) for k in range(bits)], dtype=dtype)


def test_every_state_kernel_compiles_and_links(curand):
    """CI (no GPU): each state's kernel types, compiles and links with its shims, and calls
    the overloads for its own state (they differ only in the state pointer's type)."""
    from numbast.backend.check import link_kernel

    bundle = curand._bindings.bundle
    states = [*SEEDED, *SOBOL, "Mtgp32"]

    def link(kernel, argtypes, state):
        bundle.used.clear()
        source = link_kernel(kernel, argtypes, bundle)
        assert f"curandState{state}_t *" in source
        assert not [s for s in states if s != state and f"curandState{s}_t *" in source]

    for name in SEEDED:
        argtypes = (types.uint32[:, ::1], types.float32[:, ::1], types.float64[:, ::1])
        link(seeded_kernel(curand, name), argtypes, name)
    for name, (bits, scrambled) in SOBOL.items():
        word = types.uint32 if bits == 32 else types.uint64
        argtypes = (
            word[::1],
            word,
            word[:, ::1],
            types.float32[:, ::1],
            types.float64[::1],
            types.uint32[::1],
        )
        link(sobol_kernel(curand, name, scrambled), argtypes, name)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.gpu
@pytest.mark.parametrize("state", SEEDED)
def test_seeded_states_match_cpp_bit_for_bit(curand, state):
    from bind_helpers import cpp_kernel

    source = CPP_SEEDED.replace("STATE", f"curandState{state}_t")
    source = source.replace("SEED", f"{SEED}ull").replace("OFFSET", f"{OFFSET}ull")
    cp, kernel = cpp_kernel(source, "draws")
    outs = [
        np.zeros((THREADS, N_U32), np.uint32),
        np.zeros((THREADS, N_F32), np.float32),
        np.zeros((THREADS, N_F64), np.float64),
    ]
    dev = [cuda.to_device(o) for o in outs]
    cuda.jit(seeded_kernel(curand, state))[1, THREADS](*dev)
    ours = [d.copy_to_host() for d in dev]

    ref = [cp.asarray(o) for o in outs]
    kernel((1,), (THREADS,), tuple(ref))
    theirs = [cp.asnumpy(r) for r in ref]
    for a, b in zip(ours, theirs, strict=True):
        assert _same_bits(a, b), (state, a[:2], b[:2])
    assert len(set(ours[0][:, 0].tolist())) == THREADS  # each subsequence its own numbers
    assert 0.0 < ours[1][:, 0].min() and ours[1][:, 0].max() <= 1.0


@pytest.mark.gpu
@pytest.mark.parametrize("state", sorted(SOBOL))
def test_sobol_states_match_cpp_bit_for_bit(curand, state):
    from bind_helpers import cpp_kernel

    bits, scrambled = SOBOL[state]
    init = (
        f"curand_init(dirs, scramble, {OFFSET} + i, &st)"
        if scrambled
        else f"curand_init(dirs, {OFFSET} + i, &st)"
    )
    source = CPP_SOBOL.replace("STATE", f"curandState{state}_t").replace("INIT", init)
    source = source.replace("WORD", "unsigned int" if bits == 32 else "unsigned long long")
    cp, cpp = cpp_kernel(source, "draws")
    word = np.uint32 if bits == 32 else np.uint64
    dirs = _direction_vectors(bits)
    scramble = word(0x9E3779B9)
    outs = [
        np.zeros((THREADS, 2), word),
        np.zeros((THREADS, 3), np.float32),
        np.zeros(THREADS, np.float64),
        np.zeros(THREADS, np.uint32),
    ]
    dev = [cuda.to_device(o) for o in outs]
    kernel = cuda.jit(sobol_kernel(curand, state, scrambled))
    kernel[1, THREADS](cuda.to_device(dirs), scramble, *dev)
    ours = [d.copy_to_host() for d in dev]

    ref = [cp.asarray(o) for o in outs]
    cpp((1,), (THREADS,), (cp.asarray(dirs), scramble, *ref))
    theirs = [cp.asnumpy(r) for r in ref]
    for a, b in zip(ours, theirs, strict=True):
        assert _same_bits(a, b), (state, a[:2], b[:2])
    assert len(set(ours[0][:, 0].tolist())) == THREADS  # consecutive points of the sequence


def test_record_pointing_at_its_own_type(curand):
    """`curandDiscreteDistribution_st` holds a pointer to its own type: its Numba model is
    built without recursing, and `curand_discrete` compiles and links (CI, no GPU)."""
    from numbast.backend.check import link_kernel

    Dist, State = curand.curandDiscreteDistribution_st, curand.curandStateXORWOW
    discrete = curand.curand_discrete

    def kernel(out):
        st = cuda.local.array(1, State)
        dist = cuda.local.array(1, Dist)
        out[0] = discrete(st, dist)

    link_kernel(kernel, (types.uint32[::1],), curand._bindings.bundle)
