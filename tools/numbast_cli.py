"""`numbast`: emit Numba-CUDA bindings from an IR file, and check them without a GPU."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from numbast import __version__, ir
from numbast.ir.arch import DEFAULT, Arch, parse_archs

from .console import command_parser, info, output_folder, parse_args, run, write_stdout

PROG = "numbast"


def _parser():
    p, sub = command_parser(PROG, __doc__, f"{__version__} (IR {ir.IR_VERSION})")
    e = sub.add_parser("emit", help="write a standalone bindings module from an api.json")
    e.add_argument(
        "api",
        metavar="API_JSON",
        nargs="?",
        help="the IR file (- reads standard input); with a Numbast YAML config that names an "
        "Entry Point, leave it out to dump that header first",
    )
    e.add_argument("-o", "--output", help="write here (atomically) instead of to stdout")
    e.add_argument("--config", help="binding config (TOML), or an NVIDIA Numbast config (.yml)")
    e.add_argument("--arch", help="check the IR was dumped for this arch (sm_XX)")
    e.add_argument(
        "--use",
        action="append",
        default=[],
        metavar="IR[=MODULE]",
        help="bind over the records of another bindings module, emitted from IR and imported "
        "as MODULE (default: the IR file's stem); repeatable",
    )
    cfg = sub.add_parser("config", help="binding configs")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    conv = cfg_sub.add_parser("convert", help="print the TOML equivalent of a Numbast YAML config")
    conv.add_argument("yaml", metavar="CONFIG_YML")
    e.add_argument(
        "--verify",
        action="store_true",
        default=None,
        help="compile every shim with NVRTC first and leave out (with the compiler's error) "
        "what does not compile for the arch; needs NVRTC, no GPU (the default where NVRTC "
        "is found)",
    )
    e.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="bind every declaration the IR describes, compiled or not",
    )
    ca = sub.add_parser("cache", help="show or empty numbast's user cache")
    ca.add_argument("action", choices=["info", "clear"])
    r = sub.add_parser("runtime", help="copy the bindings runtime into a folder")
    r.add_argument("folder", metavar="DIR", help="the folder holding generated modules")
    c = sub.add_parser("check", help="compile and link every binding of a module, no GPU needed")
    c.add_argument("module", metavar="BINDINGS_PY")
    c.add_argument(
        "--arch",
        action="append",
        default=[],
        help="a GPU architecture to compile and link for (repeatable; default: those the "
        f"module was made for, else {DEFAULT})",
    )
    c.add_argument("--only", action="append", default=[], help="names to check (default all)")
    c.add_argument("--failures-only", action="store_true", help="list only failing bindings")
    c.add_argument(
        "--fail-unchecked",
        action="store_true",
        help="exit 1 when templates were not checked (no specialization in the config's [check])",
    )
    return p


def _config(path: str | None):
    """The binding config of --config: TOML, or a Numbast YAML config (also returned)."""
    from numbast.backend import load_config

    if path and Path(path).suffix in (".yml", ".yaml"):
        from .numbast_yaml import read_numbast_yaml

        yaml_cfg = read_numbast_yaml(path)
        return yaml_cfg.config, yaml_cfg
    return load_config(path), None


def _dump_entry_point(cfg) -> ir.APIDocument:
    """Dump a Numbast config's Entry Point, retaining its File List."""
    from numbast.frontend import DumpOptions, dump

    options = DumpOptions(
        headers=[cfg.entry_point],
        retain=[f for f in cfg.retain if f != cfg.entry_point],
        include_dirs=cfg.include_dirs,
        defines=cfg.defines,
        arch=cfg.arch or str(DEFAULT),
    )
    return dump(options)


def _check_arch(arch: str, where: str) -> None:
    """Verification compiles for the arch: one NVRTC lacks is an error before any work."""
    from numbast.backend.errors import EmitError
    from numbast.backend.verify import arch_refusal

    why = arch_refusal(Arch.parse(arch, where))
    if why:
        raise EmitError(why, where)


def _emit(args) -> int:
    from numbast.backend.emit import emit_module, write_module
    from numbast.backend.errors import EmitError
    from numbast.backend.includes import Places
    from numbast.backend.plan import used_module

    module_folder = None
    if args.output and args.output != "-":
        module_folder = output_folder(args.output)  # before any work: it must be writable
    config, yaml_cfg = _config(args.config)
    verify = args.verify
    if verify is None:
        from numbast.backend.runtime.compiler import nvrtc_version

        verify = nvrtc_version() > (0, 0)
        if not verify:
            info(f"{PROG}: warning: NVRTC not found: shims not verified (--no-verify to hush)")
    given_arch = args.arch or (yaml_cfg.arch if yaml_cfg else None)
    if verify and given_arch:  # before the dump an Entry Point asks for
        _check_arch(given_arch, "--arch" if args.arch else f"{args.config}: 'GPU Arch'")
    if args.api is None:
        if yaml_cfg is None or not yaml_cfg.entry_point:
            raise EmitError("give the IR file (API_JSON), or a Numbast config with an Entry Point")
        doc = _dump_entry_point(yaml_cfg)
        data = ir.dumps(doc)
        source = yaml_cfg.entry_point
    elif args.api == "-":
        data = sys.stdin.buffer.read()
        doc = ir.loads(data, "<stdin>")
        source = "<stdin>"
    else:
        data = Path(args.api).read_bytes() if Path(args.api).is_file() else None
        if data is None:
            raise ir.IRError("cannot read: no such file", None, args.api)
        doc = ir.loads(data, args.api, Path(args.api).resolve().parent)
        source = args.api
    arch = args.arch or (yaml_cfg.arch if yaml_cfg else None)
    dumped = doc.header.archs or [doc.header.arch]
    if arch and arch not in dumped:
        raise ir.IRError(f"dumped for {', '.join(dumped)}, not {arch}", "$.header.arch", source)
    command = shlex.join(["numbast", *sys.argv[1:]]) if sys.argv else "numbast emit"
    uses = []
    for given in args.use:
        path, _, module = given.partition("=")
        uses.append(used_module(path, module or None))
    if verify:
        for k, a in enumerate(dumped):
            _check_arch(a, f"$.header.archs[{k}]" if doc.header.archs else "$.header.arch")
    places = Places(
        config_folder=Path(args.config).resolve().parent if args.config else None,
        module_folder=module_folder,
    )
    text, plan = emit_module(doc, data, command, config, uses, verify=verify, places=places)
    if args.output and args.output != "-":
        write_module(args.output, text)
    else:
        write_stdout(text.encode())
        info(
            f"{PROG}: the module needs the runtime folder beside it: "
            "`numbast runtime DIR` copies it into DIR"
        )
    info(f"{PROG}: {skip_summary(len(plan.bound), [r for _, r in plan.skipped])}")
    if plan.unknown_checks:
        info(
            f"{PROG}: warning: [check] names templates this module does not bind: "
            + ", ".join(plan.unknown_checks)
        )
    if plan.dropped_refs:
        shown = ", ".join(plan.dropped_refs[:8]) + (", ..." if len(plan.dropped_refs) > 8 else "")
        info(
            f"{PROG}: {len(plan.dropped_refs)} non-const reference parameters are passed as "
            f"`in` (their changes are dropped): {shown}; set [intents] in the config"
        )
    return 0


def skip_summary(bound: int, reasons: list[str], shown: int = 6) -> str:
    """`N bound, M skipped: a reason; another; ...`: reasons grouped by their first clause
    (up to ": "; C++'s `::` does not split), the largest groups first, every skip counted."""
    from collections import Counter

    groups = Counter(reason.split(": ", 1)[0] for reason in reasons)
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [f"{n} {why}" for why, n in ordered[:shown]]
    rest = sum(n for _, n in ordered[shown:])
    if rest:
        parts.append(f"{rest} for {len(ordered) - shown} other reasons (the module's _NOT_BOUND)")
    return f"{bound} bound, {len(reasons)} skipped" + (": " + "; ".join(parts) if parts else "")


# What numbast keeps in its user cache ($NUMBAST_CACHE_DIR, else $XDG_CACHE_HOME/numbast).
_CACHE_PARTS = {
    "ir": "dumps (canopy dump)",
    "preamble": "precompiled CUDA preambles of canopy dump (clang PCH)",
    "shims": "LTO-IR of compiled shims",
    "verdicts": "emit's verification verdicts (which shims compile and link)",
    "order": "emit order of IR documents (their dependency graphs')",
    "layouts.json": "NVRTC layout answers of class template specializations",
    "cuda-path-*": "CUDA folders made for clang from pip wheels",
}


def _is_entry(part: str, name: str) -> bool:
    """Whether a file of a cache folder is an entry (not an index or a side file)."""
    if part == "ir":
        return not name.startswith("request-")
    if part == "verdicts":  # one JSON file per verification context
        return name.endswith(".json")
    return not name.endswith(".json")


def _cache(action: str) -> int:
    import shutil

    from numbast.frontend.cache import cache_dir

    root = cache_dir()
    if action == "clear":
        for pattern in _CACHE_PARTS:
            for path in sorted(root.glob(pattern)):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        info(f"{PROG}: cache emptied: {root}")
        return 0
    lines = [f"{root}:"]
    for pattern, what in _CACHE_PARTS.items():
        paths = sorted(root.glob(pattern))
        size = sum(
            f.stat().st_size
            for p in paths
            for f in ([p] if p.is_file() else p.rglob("*"))
            if f.is_file() and not f.is_symlink()
        )
        count = sum(
            len([f for f in p.iterdir() if f.is_file() and _is_entry(pattern, f.name)])
            if p.is_dir() and pattern in ("ir", "preamble", "shims", "verdicts")
            else 1
            for p in paths
        )
        lines.append(f"  {pattern:<14} {count:>5} entries {size / 1e6:>8.1f} MB  {what}")
    write_stdout(("\n".join(lines) + "\n").encode())
    return 0


def _check(args) -> int:
    from numbast.backend.check import check_loaded, load_module, render_results

    archs = [str(a) for a in parse_archs(args.arch)] if args.arch else None  # before any work
    module = load_module(args.module)  # once: each arch checks the same bindings
    if archs is None:  # the archs the module was made for
        archs = list(module._bindings.tables.archs) or [str(DEFAULT)]
    status = 0
    for arch in archs:
        report = check_loaded(module, arch, args.only)
        results = report.results
        if len(archs) > 1:
            info(f"{PROG}: {arch}")
        info(render_results(results, args.failures_only, report.unchecked))
        if report.arch_specific:
            info(
                f"{PROG}: not checked for {arch} (declared for it alone, and numba-cuda compiles "
                f"kernels for the plain arch): {', '.join(report.arch_specific)}"
            )
        if not results and report.unchecked:
            info(f"{PROG}: error: nothing was checked: the module binds only templates")
            status = 1
        elif report.unchecked and args.fail_unchecked or not all(r.ok for r in results):
            status = 1
    return status


def main(argv: list[str] | None = None) -> int:
    args = parse_args(PROG, _parser, argv)
    if isinstance(args, int):
        return args

    def command() -> int:
        if args.command == "runtime":
            from numbast.backend.emit import write_runtime

            info(f"{PROG}: runtime in {write_runtime(args.folder)}")
            return 0
        if args.command == "cache":
            return _cache(args.action)
        if args.command == "config":
            from .numbast_yaml import read_numbast_yaml, to_toml

            write_stdout(to_toml(read_numbast_yaml(args.yaml)).encode())
            return 0
        return _emit(args) if args.command == "emit" else _check(args)

    def user_errors():
        return (ir.NumbastError, ImportError)  # a module `check` cannot import

    return run(PROG, command, user_errors, args.debug)


if __name__ == "__main__":
    sys.exit(main())
