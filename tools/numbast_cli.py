"""`numbast`: emit Numba-CUDA bindings from an IR file, and check them without a GPU."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from numbast import __version__, ir

from .console import info, run, write_stdout

PROG = "numbast"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__)
    p.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__} (IR {ir.IR_VERSION})"
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("emit", help="write a standalone bindings module from an api.json")
    e.add_argument("api", metavar="API_JSON", help="the IR file (- reads standard input)")
    e.add_argument("-o", "--output", help="write here (atomically) instead of to stdout")
    e.add_argument("--config", help="binding config (TOML)")
    e.add_argument("--arch", help="check the IR was dumped for this arch (sm_XX)")
    e.add_argument(
        "--use",
        action="append",
        default=[],
        metavar="IR[=MODULE]",
        help="bind over the records of another bindings module, emitted from IR and imported "
        "as MODULE (default: the IR file's stem); repeatable",
    )
    r = sub.add_parser("runtime", help="copy the bindings runtime into a folder")
    r.add_argument("folder", metavar="DIR", help="the folder holding generated modules")
    c = sub.add_parser("check", help="compile and link every binding of a module, no GPU needed")
    c.add_argument("module", metavar="BINDINGS_PY")
    c.add_argument("--arch", default="sm_90")
    c.add_argument("--only", action="append", default=[], help="names to check (default all)")
    c.add_argument("--failures-only", action="store_true", help="list only failing bindings")
    return p


def _emit(args) -> int:
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module, write_runtime
    from numbast.backend.plan import used_module

    if args.api == "-":
        data = sys.stdin.buffer.read()
        doc = ir.loads(data, "<stdin>")
    else:
        data = Path(args.api).read_bytes() if Path(args.api).is_file() else None
        if data is None:
            raise ir.IRError("cannot read: no such file", None, args.api)
        doc = ir.loads(data, args.api)
    if args.arch and args.arch != doc.header.arch:
        raise ir.IRError(
            f"dumped for {doc.header.arch}, not {args.arch}", "$.header.arch", args.api
        )
    command = shlex.join(["numbast", *sys.argv[1:]]) if sys.argv else "numbast emit"
    uses = []
    for given in args.use:
        path, _, module = given.partition("=")
        uses.append(used_module(path, module or None))
    text, plan = emit_module(doc, data, command, load_config(args.config), uses)
    if args.output and args.output != "-":
        write_runtime(Path(args.output).resolve().parent)
        ir.write_atomic(args.output, text.encode())
    else:
        write_stdout(text.encode())
        info(
            f"{PROG}: the module needs the runtime folder beside it: "
            "`numbast runtime DIR` copies it into DIR"
        )
    reasons: dict[str, int] = {}
    for _, reason in plan.skipped:
        key = reason.split(":")[0]
        reasons[key] = reasons.get(key, 0) + 1
    top = "; ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda x: -x[1])[:6])
    info(
        f"{PROG}: {len(plan.bound)} bound, {len(plan.skipped)} skipped"
        + (f": {top}" if top else "")
    )
    if plan.dropped_refs:
        shown = ", ".join(plan.dropped_refs[:8]) + (", ..." if len(plan.dropped_refs) > 8 else "")
        info(
            f"{PROG}: {len(plan.dropped_refs)} non-const reference parameters are passed as "
            f"`in` (their changes are dropped): {shown}; set [intents] in the config"
        )
    return 0


def _check(args) -> int:
    import re

    from numbast.backend.check import check_module, render_results
    from numbast.backend.errors import EmitError

    if not re.fullmatch(r"sm_[0-9]{2,3}[a-z]?", args.arch):
        raise EmitError(
            f"not a GPU architecture: {args.arch!r} (expected sm_XX, e.g. sm_90)", "--arch"
        )

    results = check_module(args.module, args.arch, args.only)
    info(render_results(results, args.failures_only))
    return 0 if all(r.ok for r in results) else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from numbast.backend.errors import EmitError

    def command() -> int:
        if args.command == "runtime":
            from numbast.backend.emit import write_runtime

            info(f"{PROG}: runtime in {write_runtime(args.folder)}")
            return 0
        return _emit(args) if args.command == "emit" else _check(args)

    return run(PROG, command, (EmitError, ir.IRError, ImportError), args.debug)


if __name__ == "__main__":
    sys.exit(main())
