"""The CUDA toolkit census: every device header of a list through `canopy dump` -> `numbast
emit` -> `numbast check`, in parallel processes, into a Markdown table (header, declarations,
bound, skipped by reason, check passed/failed, seconds).

    python benchmarks/census.py                       # every header, writes docs/census.md
    python benchmarks/census.py --quick -o census.md  # a small subset (CI runs this)
    python benchmarks/census.py --libraries           # the libraries: docs/libraries.md

`--libraries` takes benchmarks/library_headers.txt: libcu++, thrust and CUB from the toolkit
wheels' CCCL, and the pip-installed libraries (NVSHMEM, MathDx), each line's `--site DIR`
naming the folder under site-packages that holds its headers (an include folder of the dump
and of the shims); a library that is not installed is listed as such.

Headers are dumped for the default arch set (one IR and one module for all of them; `check`
checks each binding on each arch that declares it); `--one-arch` dumps for sm_90 alone.

Each line of the list is a header name under the CUDA include roots (`cuda_bf16.h`; CUB's as
`cub/...`), optionally followed by `--retain FILE` options for `canopy dump` (headers whose
declarations the API is made of: cuRAND's distributions live beside curand_kernel.h),
`--also HEADER` for headers dumped with it (cooperative_groups/reduce.h), and one
`--config FILE` for `numbast emit` (relative to the repository: the shipped example configs,
which give the intents and fixed arguments a header needs), and `--use HEADER` for headers
whose bindings it builds on (cuda_fp8.h converts to and from cuda_fp16.h's types).

"Public" declarations are the namespace-scope ones (members come with their record or class
template) that are not implementation helpers: not matched by the config's `internal`
patterns (CUDA's `__internal*` by default), in no `detail` namespace, no name part with a
single leading `_`. One counts as bound when the config selects it and `_NOT_BOUND` does not
name it (an overloaded name with one overload skipped counts as not bound), or every reason
it names is that Numba's own type or operator serves it (or Python has no such operator).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from numbast.ir.arch import DEFAULT, DEFAULT_SET

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / "benchmarks" / "census_headers.txt"
LIBRARIES = ROOT / "benchmarks" / "library_headers.txt"
QUICK = ["cuda_fp4.h", "cuComplex.h", "sm_61_intrinsics.h"]
LIBRARIES_QUICK = ["cccl/cuda/std/bit --config examples/configs/cuda_std_bit.toml"]


@dataclass
class Row:
    header: str
    declarations: int = 0
    public: int = 0
    public_bound: int = 0
    bound: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    passed: int = 0
    failed: int = 0
    seconds: float = 0.0
    rss_mb: int = 0  # the largest peak RSS of its dump, emit and check processes
    error: str = ""  # the first failing step's one line
    absent: str = ""  # a library that is not installed here: how to install it


def _cli(*args: str, cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=cwd)


def _children_peak_mb() -> int:
    """The largest peak RSS of this process's finished children (each header runs in a
    worker process of its own, so: of its dump, emit and check)."""
    try:
        import resource
    except ImportError:  # not on this platform
        return 0
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


def _last_error(r: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in r.stderr.splitlines() if "error" in ln]
    return (lines or r.stderr.splitlines() or ["?"])[-1][:200]


def _not_bound(module: Path) -> list[tuple[str, str]]:
    """The module's `_NOT_BOUND` table, read without importing it."""
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_NOT_BOUND":
            return ast.literal_eval(node.value)
    return []


# Skip reasons of declarations a kernel still has: Numba's own type or operator serves them
# (`__nv_bfloat16` is Numba's bfloat16, its `operator+` Numba's `+`), or Python has no such
# operator (`++`).
_SERVED = ("maps onto Numba's", "Numba already implements it", "has no Python operator")


def _served(why: str) -> bool:
    return any(s in why for s in _SERVED)


def _reason(why: str) -> str:
    """A skip reason without the names in it, so that reasons group."""
    text = why.split(":")[0]
    text = re.sub(r"'[^']*'|\S*[_<>:][\S]*", "…", text)
    return re.sub(r"(…\s*)+", "… ", text).strip()[:60]


def _public(
    declarations: list[dict], is_internal, files: set[str] | None = None
) -> list[tuple[str, str]]:
    """(name, qualified name) of the header's public API: namespace-scope declarations (members
    of records and class templates come with them) that are not implementation helpers (the
    config's `internal` patterns, `detail`/`details` namespaces, names of one leading `_`) nor
    forward declarations of other headers' records, nor what other headers define (an enum a
    signature uses: described where it is used, counted by its own header) when `files`
    names the dumped ones."""
    partial = "class_template_partial"  # C++ picks specializations: no API of their own
    scopes = {
        d["qualified_name"]
        for d in declarations
        if d.get("kind") in ("record", "class_template", partial)
    }
    out = {}
    for d in declarations:
        if files is not None and d.get("location", {}).get("file") not in files:
            continue
        parts = d["qualified_name"].split("::")
        forward = d.get("kind") == "record" and d.get("size") is None and not d.get("methods")
        if (
            d.get("kind") in ("macro", partial)
            or forward  # `struct __half;`: defined, and counted, by its own header
            or "<" in parts[-1]
            or any("::".join(parts[:k]) in scopes for k in range(1, len(parts)))
        ):
            continue
        if is_internal(d["name"]) or any(
            p in ("detail", "details") or (p.startswith("_") and not p.startswith("__"))
            for p in parts
        ):
            continue
        out[d["qualified_name"]] = d["name"]  # overloads: one name
    return [(name, qualified) for qualified, name in out.items()]


def _line(line: str) -> tuple[str, list[str], str | None, list[str]]:
    """(header, dump options, emit config, headers whose bindings it uses) of a list line;
    a `--site DIR` header is a path under that folder, which the dump gets as `-I`."""
    words = shlex.split(line)
    header, dump, config, uses = words[0], [], None, []
    site = words[words.index("--site") + 1] if "--site" in words[:-1] else None
    folder = (_site_folder(site) or Path(site)) if site else None
    if folder is not None:  # the headers lie in the library's folder, its include root
        header = str(folder / header)
        dump += ["-I", str(folder)]
    elif (ROOT / header).is_file():  # a header of this project (examples/configs/include/)
        header = str(ROOT / header)
    rest = iter(words[1:])
    for word in rest:
        value = next(rest, None)
        if word == "--site" and value:
            continue
        elif word in ("-I", "-D", "--std") and value:
            dump += [word, str(_site_folder(value) or value) if word == "-I" else value]
        elif word == "--retain" and value:
            dump += ["--retain", value]
        elif word == "--also" and value:
            dump.insert(0, str(folder / value) if folder else value)  # positional, first
        elif word == "--config" and value:
            config = str(ROOT / value)
        elif word == "--use" and value:
            uses.append(value)
        else:
            raise SystemExit(
                f"census list: {line!r}: expected --retain FILE, --also HEADER, --config FILE, "
                "--use HEADER, --site DIR, -I DIR, -D MACRO or --std STD"
            )
    return header, dump, config, uses


def _found_dir(folder: str) -> bool:
    """Whether an `-I` folder of a list line is on this machine (under site-packages, or
    a path)."""
    return _site_folder(folder) is not None or Path(folder).is_dir()


def _site_folder(relative: str) -> Path | None:
    """A folder under site-packages (`nvidia/nvshmem/include`), or None where no installed
    package has it."""
    import site

    for base in [*site.getsitepackages(), site.getusersitepackages()]:
        found = Path(base) / relative
        if found.is_dir():
            return found
    return None


def _use(header: str, cwd: str) -> list[str]:
    """Dump and emit a header whose bindings another uses: `--use` options for its emit."""
    stem = Path(header).name.split(".")[0]
    r = _cli("numbast.tools.canopy", "dump", header, "-o", f"{stem}.json", cwd=cwd)
    if not r.returncode:
        emit = ["numbast.tools.numbast_cli", "emit", f"{stem}.json", "-o", f"{stem}.py"]
        r = _cli(*emit, cwd=cwd)
    if r.returncode:
        raise RuntimeError(f"--use {header}: " + _last_error(r))
    return ["--use", f"{stem}.json"]


def census_one(line: str, archs: tuple[str, ...] = ()) -> Row:
    """Dump (for `archs`, else the default arch), emit and check one header in its own folder
    and processes."""
    header, dump_options, config, uses = _line(line)
    dump_options = [*dump_options, *(f"--arch={a}" for a in archs)]
    name = header.removeprefix("cccl/")
    extras = [Path(config).name] if config else []
    extras += [f"--use {u}" for u in uses]
    shown = line.split()[0]
    row = Row(shown + (f" ({', '.join(extras)})" if extras else ""))
    if "--site" in line.split() and not Path(header).is_file():
        row.absent = line.split()[line.split().index("--site") + 1]
        return row
    words = line.split()
    pairs = zip(words, words[1:], strict=False)
    missing = [v for w, v in pairs if w == "-I" and not _found_dir(v)]
    if missing:  # a library this machine lacks (pip install it)
        row.absent = missing[0]
        return row
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        r = _cli("numbast.tools.canopy", "dump", name, *dump_options, "-o", "api.json", cwd=tmp)
        if r.returncode:
            row.error = "dump: " + _last_error(r)
        else:
            doc = json.loads(Path(tmp, "api.json").read_text())
            row.declarations = len(doc.get("declarations", []))
            if not row.declarations:
                notes = [d["message"] for d in doc["header"].get("diagnostics", [])]
                row.skipped = {"(nothing retained: " + (notes or ["?"])[-1][:60] + "…)": 0}
            emit = ["numbast.tools.numbast_cli", "emit", "api.json", "--verify", "-o", "m.py"]
            try:
                for u in uses:
                    emit += _use(u, tmp)
            except RuntimeError as exc:
                row.error = str(exc)
            r = _cli(*emit, *(["--config", config] if config else []), cwd=tmp)
            if row.error:
                pass
            elif r.returncode:
                row.error = "emit: " + _last_error(r)
            else:
                row.bound = int(re.search(r"(\d+) bound", r.stderr)[1])
                not_bound = _not_bound(Path(tmp, "m.py"))
                for _, why in not_bound:
                    key = _reason(why)
                    row.skipped[key] = row.skipped.get(key, 0) + 1
                from numbast.backend import load_config

                cfg = load_config(config)
                dumped = {i["path"] for i in doc["header"].get("inputs", [])}
                public = _public(doc.get("declarations", []), cfg.is_internal, dumped)
                skipped = {label for label, why in not_bound if not _served(why)}
                row.public = len(public)
                row.public_bound = sum(
                    1 for n, q in public if q not in skipped and cfg.selects(n, q)
                )
                r = _cli("numbast.tools.numbast_cli", "check", "m.py", "--failures-only", cwd=tmp)
                counts = re.findall(r"(\d+) bindings passed, (\d+) failed", r.stderr)
                if counts:  # one line per arch: summed
                    row.passed = sum(int(p) for p, _ in counts)
                    row.failed = sum(int(f) for _, f in counts)
                else:
                    row.error = "check: " + _last_error(r)
    row.seconds = round(time.perf_counter() - start, 1)
    row.rss_mb = _children_peak_mb()
    return row


_OTHER_TABLE = {
    "CUDA toolkit census": "Libraries beyond the toolkit (libcu++, thrust, NVSHMEM, MathDx): "
    "[libraries.md](libraries.md), made with `--libraries`.",
    "Library census": "The toolkit's own device headers: [census.md](census.md).",
}


def markdown(
    rows: list[Row], command: str, archs: tuple[str, ...] = (), title: str = "CUDA toolkit census"
) -> str:
    where = f"for each of {', '.join(archs)}" if archs else f"for {DEFAULT}"
    lines = [
        f"# {title}",
        "",
        f"Made by `{command}`: each header dumped, emitted (`--verify`: a binding is kept only",
        "when its shim compiles and links for the archs that declare it) and checked (`numbast",
        f"check`: every binding compiled and linked {where} that declares it, no GPU; check",
        "counts are summed over the archs). Options after a header name are the",
        "dump's retained headers and the shipped example config it is emitted with.",
        "**public bound**: the header's public declarations (no `_` or `detail` in the name, no",
        "forward declaration of another header's record) that are bound, or served by Numba's",
        "own types and operators (`__nv_bfloat16`, its `operator+`), or C++ operators Python",
        "has not (`++`), of all; **bindings**: callables and types bound, overloads counted;",
        "**MB**: the largest peak RSS of its dump, emit and check.",
        "",
        _OTHER_TABLE[title],
        "",
        "| header | declarations | public bound | bindings | skipped (by reason) | check passed "
        "| check failed | s | MB |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.absent:
            lines.append(f"| `{r.header}` | not installed here ({r.absent}) | | | | | | | |")
            continue
        skipped = ", ".join(
            f"{n} {why}" for why, n in sorted(r.skipped.items(), key=lambda x: -x[1])
        )
        if r.error:
            skipped = f"**{r.error.replace('|', '/')}**"
        share = f"{r.public_bound}/{r.public}" + (
            f" ({100 * r.public_bound // r.public}%)" if r.public else ""
        )
        lines.append(
            f"| `{r.header}` | {r.declarations} | {share} | {r.bound} | {skipped} | {r.passed} | "
            f"{r.failed} | {r.seconds} | {r.rss_mb} |"
        )
    total = sum(r.passed for r in rows), sum(r.failed for r in rows)
    here = [r for r in rows if not r.absent]
    ok = sum(1 for r in here if not r.error)
    lines += [
        "",
        f"{ok} of {len(here)} headers dumped, emitted and checked; "
        f"{total[0]} bindings passed check, {total[1]} failed.",
    ]
    if len(here) < len(rows):
        lines.append(f"{len(rows) - len(here)} not installed here.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--list", default=None, help="headers, one a line")
    ap.add_argument("--quick", action="store_true", help="only " + ", ".join(QUICK))
    ap.add_argument(
        "--libraries", action="store_true", help=f"the list {LIBRARIES.name}, into libraries.md"
    )
    ap.add_argument("-o", "--output", default=None)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--json", action="store_true", help="also print the rows as JSON")
    ap.add_argument(
        "--one-arch",
        action="store_true",
        help=f"dump for {DEFAULT} only (default: every arch of the default set, "
        + ", ".join(map(str, DEFAULT_SET))
        + ", each binding checked on the archs that declare it)",
    )
    args = ap.parse_args(argv)
    archs = () if args.one_arch else tuple(map(str, DEFAULT_SET))
    listed = Path(args.list or (LIBRARIES if args.libraries else LIST))
    headers = [
        ln.strip()
        for ln in listed.read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    if args.quick:
        headers = LIBRARIES_QUICK if args.libraries else QUICK
    # A worker process per header: its children's peak RSS is that header's.
    with ProcessPoolExecutor(max_workers=args.jobs, max_tasks_per_child=1) as pool:
        rows = list(pool.map(census_one, headers, [archs] * len(headers)))
    command = "python benchmarks/census.py" + (" --libraries" if args.libraries else "")
    command += (" --quick" if args.quick else "") + (" --one-arch" if args.one_arch else "")
    title = "Library census" if args.libraries else "CUDA toolkit census"
    output = args.output or str(ROOT / "docs" / ("libraries.md" if args.libraries else "census.md"))
    Path(output).write_text(markdown(rows, command, archs, title))
    for r in rows:
        print(
            f"{r.header}: {r.declarations} decls, {r.bound} bound, check {r.passed}/{r.failed}"
            f"{' ERROR ' + r.error if r.error else ''} ({r.seconds} s, {r.rss_mb} MB)"
            + (f" not installed ({r.absent})" if r.absent else "")
        )
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=1))
    return 0 if all(not r.error and not r.failed for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
