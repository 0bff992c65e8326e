"""Times a multi-arch `canopy dump` against a single-arch one, whole processes, paired run by
run (the dump cache off, the precompiled preambles of every arch warm): target, a dump for
five archs at most 2x one for a single arch.

Run: python benchmarks/arch_bench.py [--header cuda_bf16.h] [--repeat 9]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARCHS = ["sm_75", "sm_80", "sm_90", "sm_100", "sm_120"]


def _run(cmd: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=cwd)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--header", default="cuda_bf16.h")
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args(argv)
    canopy = [sys.executable, "-m", "numbast.tools.canopy", "dump", "--no-cache", args.header]
    one = [*canopy, "-o", "one.json"]
    many = [*canopy, *(f"--arch={a}" for a in ARCHS), "-o", "many.json"]
    with tempfile.TemporaryDirectory() as tmp:
        _run(one, tmp), _run(many, tmp)  # the preambles of every arch precompiled
        pairs = [(_run(one, tmp), _run(many, tmp)) for _ in range(args.repeat)]
        doc = json.loads(Path(tmp, "many.json").read_text())
        decls = sum(1 for d in doc["declarations"] if d.get("archs"))
    single = statistics.median(a for a, _ in pairs)
    multi = statistics.median(b for _, b in pairs)
    ratio = statistics.median(b / a for a, b in pairs)
    print(
        f"{args.header}: one arch {single:.3f} s, {len(ARCHS)} archs {multi:.3f} s "
        f"(median of {args.repeat}), ratio {ratio:.2f}x (target <= 2x); "
        f"{decls} declarations not in every arch"
    )
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
