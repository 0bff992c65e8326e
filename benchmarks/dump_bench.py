"""Times `canopy dump` on real CUDA headers: in-process (clang parse and Python walk apart) and
as a command. Target: the Python walk costs less than the clang parse on every header.

Run: python benchmarks/dump_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from numbast.frontend import DumpOptions, DumpTimings, dump

HEADERS = [
    ("cuda_bf16.h", []),
    ("cuda_fp16.h", []),
    ("cub/block/block_scan.cuh", ["cub/block/block_scan.cuh"]),
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(
        f"{'header':28} {'decls':>6} {'parse s':>8} {'walk s':>8} {'walk/parse':>10} "
        f"{'command s':>10}"
    )
    worst = 0.0
    for header, retain in HEADERS:
        parses, walks = [], []
        for _ in range(args.repeat):
            t = DumpTimings()
            doc = dump(DumpOptions(headers=[header], retain=retain), t)
            parses.append(t.parse)
            walks.append(t.walk)
        cmd = [sys.executable, "-m", "numbast.tools.canopy", "dump", header, "-o", "/dev/null"]
        for r in retain:
            cmd += ["--retain", r]
        wall = []
        for _ in range(max(1, args.repeat // 2)):
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            wall.append(time.perf_counter() - start)
        parse, walk = statistics.median(parses), statistics.median(walks)
        worst = max(worst, walk / parse)
        print(
            f"{header:28} {len(doc.declarations):>6} {parse:>8.3f} {walk:>8.3f} "
            f"{walk / parse:>10.2f} {statistics.median(wall):>10.3f}"
        )
    print(
        f"medians of {args.repeat} runs; worst walk/parse ratio {worst:.2f} "
        f"({'meets' if worst < 1 else 'MISSES'} the target < 1)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
