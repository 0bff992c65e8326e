"""Time from the first call of a new cub::BlockScan specialization to a finished kernel:
through our bindings (typing, NVRTC layout query, shim NVRTC compile, Numba compile, LTO link,
launch), against CCCL's own `cuda.coop` route when it is importable, else against the same
kernel written in CUDA C++ and compiled with NVRTC (CuPy RawKernel). Fresh processes each.

Run on a machine with a CUDA GPU: python benchmarks/template_bench.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IR_FILE = ROOT / "tests" / "data" / "ir" / "cub_block.json"
CONFIG = ROOT / "tests" / "data" / "cub_block.toml"

OURS = """
    import time, numpy as np
    from numba import cuda, int32, float32
    import cub_bindings as m
    data = cuda.to_device(np.arange(128, dtype=np.int32)); out = cuda.device_array_like(data)
    fdata = cuda.to_device(np.ones(128, np.float32)); fout = cuda.device_array_like(fdata)
    cuda.synchronize()
    t0 = time.perf_counter()
    @cuda.jit
    def scan_int(d, o):
        i = cuda.threadIdx.x
        o[i] = m.BlockScan(T=int32, BlockDimX=128).InclusiveSum(d[i])
    scan_int[1, 128](data, out); cuda.synchronize()
    t1 = time.perf_counter()
    @cuda.jit
    def scan_float(d, o):
        i = cuda.threadIdx.x
        o[i] = m.BlockScan(T=float32, BlockDimX=256).InclusiveSum(d[i])
    scan_float[1, 256](fdata, fout); cuda.synchronize()
    t2 = time.perf_counter()
    assert (out.copy_to_host() == np.cumsum(np.arange(128))).all()
    print(t1 - t0, t2 - t1)
"""

CPP = r"""
#include <cub/block/block_scan.cuh>
extern "C" __global__ void scan_int(const int *d, int *o) {
    using Scan = cub::BlockScan<int, 128>;
    __shared__ typename Scan::TempStorage storage;
    int x;
    Scan(storage).InclusiveSum(d[threadIdx.x], x);
    o[threadIdx.x] = x;
}
"""

CPP_RUN = """
    import time, numpy as np, cupy as cp
    from cuda import pathfinder
    cccl = pathfinder.locate_nvidia_header_directory("cccl").abs_path
    d = cp.arange(128, dtype=cp.int32); o = cp.empty_like(d); cp.cuda.Device().synchronize()
    t0 = time.perf_counter()
    k = cp.RawKernel(SRC, "scan_int", options=("-std=c++17", "-I" + cccl))
    k((1,), (128,), (d, o)); cp.cuda.Device().synchronize()
    t1 = time.perf_counter()
    assert (cp.asnumpy(o) == np.cumsum(np.arange(128))).all()
    print(t1 - t0)
"""


def _run(code: str, cwd: Path, env=None) -> list[float]:
    r = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
    )
    if r.returncode:
        raise RuntimeError(r.stderr[-2000:])
    return [float(v) for v in r.stdout.split()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    from numbast import ir
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module, write_module

    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        text, _ = emit_module(ir.load(IR_FILE), IR_FILE.read_bytes(), "bench", load_config(CONFIG))
        write_module(cwd / "cub_bindings.py", text)
        # One discarded run first: the rows then all start with the headers and NVRTC in the
        # OS file cache (else the first row alone pays for reading them from disk).
        _run(OURS, cwd, dict(os.environ, XDG_CACHE_HOME=str(cwd / "cache-warmup")))
        rows = []
        runs_of = (
            ("empty caches", False, {}),
            (
                "empty caches, NVRTC precompiled headers off (before)",
                False,
                {"NUMBAST_NVRTC_PCH": "0"},
            ),
            ("warm caches", True, {}),
        )
        for label, shared, extra in runs_of:
            runs = []
            for k in range(args.repeat):
                cache = cwd / ("cache-warm" if shared else f"cache-{label}-{k}")
                env = dict(os.environ, XDG_CACHE_HOME=str(cache), **extra)
                if shared and k == 0:
                    _run(OURS, cwd, env)  # fill the cache
                runs.append(_run(OURS, cwd, env))
            first = statistics.median(r[0] for r in runs)
            second = statistics.median(r[1] for r in runs)
            rows.append((label, first))
            print(
                f"binding ({label}): first BlockScan<int,128> kernel {first:.3f} s (fresh "
                f"process), a second specialization BlockScan<float,256> {second:.3f} s"
            )
        try:
            import cuda.coop  # noqa: F401

            have_coop = True
        except ImportError:
            have_coop = False
        cpp = []
        for k in range(args.repeat):  # a fresh CuPy kernel cache each time: a real compile
            env = dict(os.environ, CUPY_CACHE_DIR=str(cwd / f"cupy-cache-{k}"))
            cpp.append(_run(CPP_RUN.replace("SRC", repr(CPP)), cwd, env)[0])
        label = "CUDA C++ via NVRTC (CuPy RawKernel)"
        if have_coop:
            label += "; cuda.coop is importable but not measured by this script"
        reference = statistics.median(cpp)
        print(f"{label}: {reference:.3f} s compile + first launch")
        for row, first in rows:
            print(f"  binding ({row}) / C++: {first / reference:.2f}")
        print("targets: empty caches <= 1.5, warm caches <= 1.0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
