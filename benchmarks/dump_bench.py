"""Times `canopy dump` on real CUDA headers: in-process (clang parse and Python walk apart), as
a command (a cold Python each time) with an empty user cache ("first": the CUDA preamble is
precompiled too), with the preamble cached but not the dump ("cold", `--no-cache`), and
answered from the dump cache ("warm"); and NVIDIA's ast_canopy 0.10.1 (the peer, installed
from PyPI into a venv of the benchmark's own) on the same header.

Run: python benchmarks/dump_bench.py [--repeat N] [--no-peer]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peers import venv_python

from numbast.frontend import DumpOptions, DumpTimings, dump

HEADERS = [
    ("cuda_bf16.h", []),
    ("cuda_fp16.h", []),
    ("cub/block/block_scan.cuh", ["cub/block/block_scan.cuh"]),
]
PEER = "ast-canopy==0.10.1"
PEER_RUN = """
import sys
from ast_canopy import parse_declarations_from_source
h = sys.argv[1]
parse_declarations_from_source(h, [h], "sm_90", cudatoolkit_include_dirs=sys.argv[2:])
"""


def _seconds(cmd: list[str], repeat: int, env=None) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-peer", action="store_true", help="skip the ast_canopy comparison")
    args = ap.parse_args()
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    import clang

    from numbast.frontend.cuda import find_cuda_headers
    from numbast.frontend.inputs import SHIM_INCLUDE

    cuda = find_cuda_headers()
    peer = None if args.no_peer else venv_python("bench-peer-venv", [PEER])
    peer_env = dict(
        {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        ASTCANOPY_CLANG_RESOURCE_DIR=str(Path(clang.__file__).parent / "native" / "resource"),
    )
    print(
        f"{'header':26} {'decls':>6} {'parse s':>8} {'walk s':>7} {'first s':>7} {'cold s':>7}"
        f" {'warm s':>7} {'peer s':>7} {'first/peer':>10} {'cold/peer':>9} {'warm/peer':>9}"
    )
    with tempfile.TemporaryDirectory() as cache:
        # Bytecode as in an installed package (pip compiles a wheel's modules; the peer has
        # them): a PYTHONDONTWRITEBYTECODE=1 environment would otherwise compile ours each run.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["NUMBAST_CACHE_DIR"] = cache
        for header, retain in HEADERS:
            parses, walks = [], []
            for _ in range(args.repeat):
                t = DumpTimings()
                doc = dump(DumpOptions(headers=[header], retain=retain, use_cache=False), t)
                parses.append(t.parse)
                walks.append(t.walk)
            cmd = [sys.executable, "-m", "numbast.tools.canopy", "dump", header, "-o", "/dev/null"]
            for r in retain:
                cmd += ["--retain", r]
            firsts = []
            for _ in range(args.repeat):  # each in an empty cache of its own
                with tempfile.TemporaryDirectory() as empty:
                    firsts.append(_seconds(cmd, 1, dict(env, NUMBAST_CACHE_DIR=empty)))
            first = statistics.median(firsts)
            subprocess.run([*cmd, "--no-cache"], check=True, capture_output=True, env=env)
            cold = _seconds([*cmd, "--no-cache"], args.repeat, env)
            subprocess.run(cmd, check=True, capture_output=True, env=env)  # fill the cache
            warm = _seconds(cmd, args.repeat, env)
            peer_s = float("nan")
            if peer is not None:
                path = next(p for p in (cuda.include, cuda.cccl) if p and (p / header).exists())
                dirs = [str(cuda.include), *map(str, cuda.extra), str(SHIM_INCLUDE)]
                if cuda.cccl:
                    dirs.append(str(cuda.cccl))
                peer_cmd = [str(peer), "-c", PEER_RUN, str(path / header), *dirs]
                peer_s = _seconds(peer_cmd, args.repeat, peer_env)
            print(
                f"{header:26} {len(doc.declarations):>6} {statistics.median(parses):>8.3f} "
                f"{statistics.median(walks):>7.3f} {first:>7.3f} {cold:>7.3f} {warm:>7.3f} "
                f"{peer_s:>7.3f} {first / peer_s:>10.2f} {cold / peer_s:>9.2f} "
                f"{warm / peer_s:>9.2f}"
            )
    print(
        f"medians of {args.repeat} runs, whole processes; targets: cold/peer <= 0.5, warm <= 0.1 s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
