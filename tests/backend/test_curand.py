"""cuRAND's device API (curand_kernel.h) through bindings, against the same C++ compiled by
NVRTC: for every generator state that a kernel can set up, the same seed, subsequence and
offset give the same numbers, bit for bit (raw draws, uniform, normal, normal pairs, doubles,
log-normal, Poisson, after skipahead).

The module is emitted from committed IR (CUDA 13.5's headers; GPU tests need no libclang):
    canopy dump curand_kernel.h --retain curand_philox4x32_x.h --retain curand_mrg32k3a.h \\
        --retain curand_mtgp32.h --retain curand_mtgp32_kernel.h --retain curand_uniform.h \\
        --retain curand_normal.h --retain curand_lognormal.h --retain curand_poisson.h \\
        --retain curand_discrete.h --retain curand_discrete2.h -o tests/data/ir/curand_kernel.json
MTGP32's states are made on the host (`curandMakeMTGP32KernelState`, from the parameter table
of curand_mtgp32dc_p_11213.h): here a C++ kernel makes them the same way, and a bound kernel and
a C++ kernel draw from copies of them, a block of 256 threads per state as MTGP32 requires.
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


MTGP32_THREADS, MTGP32_STATES, MTGP32_ROUNDS = 256, 2, 3

# What curandMakeMTGP32Constants and curandMakeMTGP32KernelState (host functions of
# curand_mtgp32_host.h) do, in one thread of a kernel: `-default-device` makes the parameter
# table a device array.
CPP_MTGP32_SETUP = r"""
#include <curand_kernel.h>
#include <curand_mtgp32dc_p_11213.h>
extern "C" __global__ void setup(curandStateMtgp32_t *s, mtgp32_kernel_params_t *k, int n,
                                 unsigned long long seed) {
    const mtgp32_params_fast_t *p = mtgp32dc_params_fast_11213;
    k->mask[0] = p[0].mask;
    for (int i = 0; i < CURAND_NUM_MTGP32_PARAMS; i++) {
        k->pos_tbl[i] = p[i].pos;
        k->sh1_tbl[i] = p[i].sh1;
        k->sh2_tbl[i] = p[i].sh2;
        for (int j = 0; j < TBL_SIZE; j++) {
            k->param_tbl[i][j] = p[i].tbl[j];
            k->temper_tbl[i][j] = p[i].tmp_tbl[j];
            k->single_temper_tbl[i][j] = p[i].flt_tmp_tbl[j];
        }
    }
    seed = seed ^ (seed >> 32);
    for (int i = 0; i < n; i++) {  // mtgp32_init_state(s[i].s, &p[i], (unsigned)seed + i + 1)
        unsigned int *state = s[i].s;
        int size = p[i].mexp / 32 + 1;
        unsigned int hidden_seed = p[i].tbl[4] ^ (p[i].tbl[8] << 16);
        unsigned int tmp = hidden_seed;
        tmp += tmp >> 16;
        tmp += tmp >> 8;
        memset(state, tmp & 0xff, sizeof(unsigned int) * size);
        state[0] = (unsigned int)seed + i + 1;
        state[1] = hidden_seed;
        for (int j = 1; j < size; j++)
            state[j] ^= 1812433253u * (state[j - 1] ^ (state[j - 1] >> 30)) + j;
        s[i].offset = 0;
        s[i].pIdx = i;
        s[i].k = k;
    }
}
"""

CPP_MTGP32 = r"""
#include <curand_kernel.h>
extern "C" __global__ void draws(curandStateMtgp32_t *st, unsigned *u32, float *f32) {
    int i = threadIdx.x;
    for (int r = 0; r < ROUNDS; r++) {
        u32[(r * 2 + 0) * 256 + i] = curand(st);
        u32[(r * 2 + 1) * 256 + i] = curand(st);
        f32[(r * 2 + 0) * 256 + i] = curand_uniform(st);
        f32[(r * 2 + 1) * 256 + i] = curand_normal(st);
    }
}
"""


def mtgp32_kernel(m):
    """Every thread of the block draws from one state (MTGP32 updates it together). Not
    `curand_mtgp32_single`: it writes `s[t]` while other threads read the state, so its
    numbers change with the warps' timing (in C++ as well)."""
    curand, uniform, normal = m.curand, m.curand_uniform, m.curand_normal
    rounds = MTGP32_ROUNDS

    def kernel(st, u32, f32):
        i = cuda.threadIdx.x
        for r in range(rounds):
            u32[r * 2 + 0, i] = curand(st)
            u32[r * 2 + 1, i] = curand(st)
            f32[r * 2 + 0, i] = uniform(st)
            f32[r * 2 + 1, i] = normal(st)

    return kernel


def _mtgp32_signature(m):
    State = m.curandStateMtgp32._numba_type_
    return (types.CPointer(State), types.uint32[:, ::1], types.float32[:, ::1])


def test_mtgp32_kernel_compiles_and_links(curand):
    """CI (no GPU): a kernel taking a pointer to an MTGP32 state made elsewhere."""
    from numbast.backend.check import link_kernel

    source = link_kernel(mtgp32_kernel(curand), _mtgp32_signature(curand), curand._bindings.bundle)
    assert "curand_normal(" in source and "curandStateMtgp32_t *" in source


@pytest.mark.gpu
def test_mtgp32_matches_cpp_bit_for_bit(curand):
    from bind_helpers import cpp_kernel

    cp, setup = cpp_kernel(CPP_MTGP32_SETUP, "setup", "-default-device")
    _, draws = cpp_kernel(CPP_MTGP32.replace("ROUNDS", str(MTGP32_ROUNDS)), "draws")
    size = curand.curandStateMtgp32._numba_type_.size
    states = cp.zeros(MTGP32_STATES * size, dtype=cp.uint8)
    params = cp.zeros(1 << 16, dtype=cp.uint8)  # mtgp32_kernel_params_t: 40804 bytes
    setup((1,), (1,), (states, params, np.int32(MTGP32_STATES), np.uint64(SEED)))
    copy = states.copy()  # the C++ kernel draws from a copy of the same states

    kernel = cuda.jit(_mtgp32_signature(curand))(mtgp32_kernel(curand))
    shape_u = shape_f = (2 * MTGP32_ROUNDS, MTGP32_THREADS)
    for k in range(MTGP32_STATES):
        u32, f32 = (
            cuda.to_device(np.zeros(shape_u, np.uint32)),
            cuda.to_device(np.zeros(shape_f, np.float32)),
        )
        kernel[1, MTGP32_THREADS](states.data.ptr + k * size, u32, f32)
        ours = [u32.copy_to_host(), f32.copy_to_host()]

        ref = [cp.zeros(shape_u, cp.uint32), cp.zeros(shape_f, cp.float32)]
        draws((1,), (MTGP32_THREADS,), (copy[k * size :], *ref))
        theirs = [cp.asnumpy(r) for r in ref]
        for a, b in zip(ours, theirs, strict=True):
            assert _same_bits(a, b), (k, a.ravel()[:4], b.ravel()[:4])
        assert len(set(ours[0].ravel().tolist())) > 0.99 * ours[0].size  # not a constant stream
        assert 0.0 < ours[1][0].min() and ours[1][0].max() <= 1.0
    assert (states.get() == copy.get()).all()  # both advanced the states alike
