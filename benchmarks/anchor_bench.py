"""The main job, header -> verified bindings module, timed as whole processes against NVIDIA
Numbast 0.10.1 (the anchor: its static generator, `python -m numbast --cfg-path`, installed
from PyPI into a venv of the benchmark's own) on the same header of one CUDA installation:

- ours "cold": `canopy dump` + `numbast emit` (verified, the default) with an empty user cache;
- ours "warm": the same commands again, the user cache filled by an earlier run;
- the anchor: its generator on a config with the keys numba-cuda's own bf16/fp16 configs use
  (it does not verify: every binding is written, compiled or not).

Time is the sum of our two processes, memory the larger peak RSS of the two. Then our figures
without an anchor: emit cold and warm of curand_kernel.h (the census's retains) and
cooperative_groups.h (its shipped config), NVSHMEM's device API when `--nvshmem DIR` names the
wheel's include folder, and `numbast check` of the bf16 module with a warm cache, all on the
installed toolkit's headers (the pip wheels first).

Run: python benchmarks/anchor_bench.py [--repeat N] [--cuda-home DIR] [--no-anchor]
     [--nvshmem DIR]
The CUDA installation (default $CUDA_HOME, else /usr/local/cuda) must have include/, bin/ and
nvvm/: clang, inside the anchor, asks for one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from peers import venv_python

ROOT = Path(__file__).resolve().parents[1]
ANCHOR = ["numbast==0.10.1", "ast-canopy==0.10.1"]
# Types and data models as numba-cuda's configs/cuda_bf16.yml and cuda_fp16.yml give them.
ANCHOR_TYPES = {
    "cuda_bf16.h": {
        "__nv_bfloat16_raw": ("Number", "PrimitiveModel"),
        "__nv_bfloat16": ("Number", "PrimitiveModel"),
        "nv_bfloat16": ("Number", "PrimitiveModel"),
        "__nv_bfloat162_raw": ("Type", "StructModel"),
        "__nv_bfloat162": ("Type", "StructModel"),
        "nv_bfloat162": ("Type", "StructModel"),
    },
    "cuda_fp16.h": {
        "__half_raw": ("Number", "PrimitiveModel"),
        "__half": ("Number", "PrimitiveModel"),
        "half": ("Number", "PrimitiveModel"),
        "__half2_raw": ("Type", "StructModel"),
        "__half2": ("Type", "StructModel"),
        "half2": ("Type", "StructModel"),
    },
}
NVSHMEM_HEADERS = [
    "device/nvshmem_defines.h",
    "device/nvshmemx_defines.h",
    "device/nvshmem_coll_defines.cuh",
    "device/nvshmemx_coll_defines.cuh",
]


def run(cmd: list[str], env: dict, cwd: Path) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of one whole process; raises on a non-zero exit."""
    import time

    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd[:4])}...: {err.decode()[-600:]}")
    return seconds, usage.ru_maxrss // 1024


def steps(steps_: list[list[str]], env: dict, cwd: Path) -> tuple[float, int]:
    """Commands in turn: the sum of their times, the largest of their peaks."""
    total, peak = 0.0, 0
    for cmd in steps_:
        seconds, rss = run(cmd, env, cwd)
        total, peak = total + seconds, max(peak, rss)
    return total, peak


def median_of(fn, repeat: int) -> tuple[float, int]:
    runs = [fn() for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def anchor_python() -> Path | None:
    """The Python of a venv holding the anchor, with the NVRTC, nvJitLink and runtime wheels
    of our own environment's versions."""
    wheels = list(ANCHOR)
    for dist in ("nvidia-cuda-nvrtc", "nvidia-nvjitlink", "nvidia-cuda-runtime"):
        try:
            wheels.append(f"{dist}=={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    return venv_python("bench-anchor-venv", wheels)


def anchor_config(header: Path, folder: Path) -> Path:
    from numbast.frontend.inputs import SHIM_INCLUDE

    types = ANCHOR_TYPES[header.name]
    lines = [
        f"Name: {header.stem}",
        "Version: 0.0.1",
        f"Entry Point: {header}",
        "File List:",
        f"    - {header}",
        "Exclude: {}",
        "GPU Arch:",
        "    - sm_90",
        "Types:",
        *(f"    {name}: {kind}" for name, (kind, _) in types.items()),
        "Data Models:",
        *(f"    {name}: {model}" for name, (_, model) in types.items()),
        # clang's CUDA wrapper includes a header the toolkit's wheels lack: ours stands in.
        "Clang Include Paths:",
        f"    - {SHIM_INCLUDE}",
    ]
    path = folder / f"{header.stem}.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


def ours(header: str, dump_args: list[str], emit_args: list[str], cuda_include: Path, work: Path):
    """The two commands of the main job, writing into `work`."""
    py = sys.executable
    ir = work / "api.json"
    module = work / "bindings.py"
    dump = [py, "-m", "numbast.tools.canopy", "dump", header, *dump_args, "-o", str(ir)]
    if cuda_include is not None:  # else the installed toolkit's (pip wheels first)
        dump += ["--cuda-include", str(cuda_include)]
    emit = [py, "-m", "numbast.tools.numbast_cli", "emit", str(ir), *emit_args]
    emit += ["-o", str(module)]
    return dump, emit, module


def clean(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def job(header, dump_args, emit_args, cuda_include, repeat, base_env):
    """(cold seconds, cold MB, warm seconds, warm MB, emit-only cold, emit-only warm)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dump, emit, module = ours(header, dump_args, emit_args, cuda_include, work)
        ir = work / "api.json"

        def cold():
            with tempfile.TemporaryDirectory() as cache:
                clean(ir, module)
                return steps([dump, emit], dict(base_env, NUMBAST_CACHE_DIR=cache), work)

        def cold_emit():
            with tempfile.TemporaryDirectory() as cache:
                clean(module)
                return run(emit, dict(base_env, NUMBAST_CACHE_DIR=cache), work)

        warm_cache = work / "cache"
        env = dict(base_env, NUMBAST_CACHE_DIR=str(warm_cache))
        clean(ir, module)
        steps([dump, emit], env, work)

        def warm():
            clean(ir, module)
            return steps([dump, emit], env, work)

        def warm_emit():
            clean(module)
            return run(emit, env, work)

        return (
            *median_of(cold, repeat),
            *median_of(warm, repeat),
            *median_of(cold_emit, repeat),
            *median_of(warm_emit, repeat),
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cuda-home", default=os.environ.get("CUDA_HOME", "/usr/local/cuda"))
    ap.add_argument("--no-anchor", action="store_true", help="skip NVIDIA Numbast")
    ap.add_argument("--nvshmem", help="nvidia-nvshmem-cu13's include folder (slow: minutes)")
    args = ap.parse_args()
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    cuda_home = Path(args.cuda_home).resolve()
    include = cuda_home / "include"
    if not (include / "cuda_bf16.h").exists():
        print(f"{include}: no cuda_bf16.h (give --cuda-home)")
        return 2
    # Bytecode as in an installed package; no NVRTC caches of an earlier run.
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    anchor = None if args.no_anchor else anchor_python()
    import clang

    anchor_env = dict(
        base,
        CUDA_HOME=str(cuda_home),
        ASTCANOPY_CLANG_RESOURCE_DIR=str(Path(clang.__file__).parent / "native" / "resource"),
    )
    print(
        f"{'header':14} {'cold s':>7} {'cold MB':>7} {'warm s':>7} {'warm MB':>7} "
        f"{'anchor s':>8} {'anchor MB':>9} {'cold/anchor':>11} {'warm/anchor':>11}"
    )
    for name in ("cuda_fp16.h", "cuda_bf16.h"):
        cold_s, cold_mb, warm_s, warm_mb, _, _, _, _ = job(
            str(include / name), [], [], include, args.repeat, base
        )
        a_s, a_mb = float("nan"), 0
        if anchor is not None:
            with tempfile.TemporaryDirectory() as tmp:
                cfg = anchor_config(include / name, Path(tmp))
                out = Path(tmp) / "out"
                out.mkdir()
                cmd = [str(anchor), "-m", "numbast", "--cfg-path", str(cfg), "--output-dir"]
                a_s, a_mb = median_of(
                    lambda cmd=cmd, out=out: run([*cmd, str(out)], anchor_env, Path(tmp)),
                    args.repeat,
                )
        print(
            f"{name:14} {cold_s:>7.2f} {cold_mb:>7} {warm_s:>7.2f} {warm_mb:>7} {a_s:>8.2f} "
            f"{a_mb:>9} {cold_s / a_s:>11.2f} {warm_s / a_s:>11.2f}"
        )
    print("targets: cold/anchor <= 1.0, warm/anchor <= 0.3, cold MB <= anchor MB")
    print()
    others = [
        ("curand_kernel.h", _census_args("curand_kernel.h"), []),
        (
            "cooperative_groups.h",
            _census_args("cooperative_groups.h"),
            ["--config", str(ROOT / "examples" / "configs" / "cooperative_groups.toml")],
        ),
    ]
    if args.nvshmem:
        nvs = Path(args.nvshmem).resolve()
        others.append(
            (
                str(nvs / NVSHMEM_HEADERS[0]),
                [*(str(nvs / h) for h in NVSHMEM_HEADERS[1:])]
                + ["-I", str(nvs), "-D", "__NVSHMEM_NUMBA_SUPPORT__"],
                ["--config", str(ROOT / "examples" / "configs" / "nvshmem.toml")],
            )
        )
    print(f"{'header (emit only)':22} {'cold s':>7} {'cold MB':>7} {'warm s':>7} {'warm MB':>7}")
    for header, dump_args, emit_args in others:
        repeat = 1 if "nvshmem" in header else args.repeat
        *_, ce_s, ce_mb, we_s, we_mb = job(header, dump_args, emit_args, None, repeat, base)
        print(f"{Path(header).name:22} {ce_s:>7.2f} {ce_mb:>7} {we_s:>7.2f} {we_mb:>7}")
    print("targets: curand_kernel.h and cooperative_groups.h cold <= 10 s, warm <= 1 s")
    print(f"numbast check of the bf16 module, warm: {check_bf16(args.repeat, base)}")
    return 0


def _census_args(header: str) -> list[str]:
    """The `canopy dump` options the census gives the header (retains, companions)."""
    import shlex

    for line in (ROOT / "benchmarks" / "census_headers.txt").read_text().splitlines():
        words = shlex.split(line)
        if words and words[0] == header:
            out, it = [], iter(words[1:])
            for w in it:
                if w == "--retain":
                    out += ["--retain", next(it)]
                elif w == "--also":
                    out.append(next(it))
                elif w in ("--config", "--use"):
                    next(it)
            return out
    return []


def check_bf16(repeat: int, base: dict) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        dump, emit, module = ours("cuda_bf16.h", [], [], None, work)
        env = dict(base, NUMBAST_CACHE_DIR=str(work / "cache"))
        steps([dump, emit], env, work)
        check = [sys.executable, "-m", "numbast.tools.numbast_cli", "check", str(module)]
        run(check, env, work)  # fills the shims' LTO-IR cache
        seconds, mb = median_of(lambda: run(check, env, work), repeat)
    return f"{seconds:.2f} s, {mb} MB (target <= 5 s)"


if __name__ == "__main__":
    sys.exit(main())
