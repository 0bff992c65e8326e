"""`canopy`: dump CUDA headers to the IR, validate IR files, print the IR's JSON Schema."""

from __future__ import annotations

import sys
from pathlib import Path

from numbast import __version__, ir
from numbast.ir.arch import DEFAULT, DEFAULT_SET, parse_archs

from .console import (
    command_parser,
    error,
    info,
    output_folder,
    parse_args,
    run,
    write_stdout,
)
from .errors import ToolError

PROG = "canopy"
_DESCRIPTION = (
    "canopy: dump CUDA headers to the IR (api.json), validate IR files, compare two IR files "
    "(API review), draw the dependency graph, print the IR's JSON Schema."
)


def _parser():
    p, sub = command_parser(PROG, _DESCRIPTION, __version__)

    d = sub.add_parser("dump", help="parse CUDA headers and write their IR (api.json)")
    d.add_argument(
        "headers",
        nargs="+",
        metavar="HEADER",
        help="a header path, or a name under an include root (cuda_bf16.h)",
    )
    d.add_argument("-o", "--output", help="write here (atomically) instead of to stdout")
    d.add_argument(
        "-I",
        dest="include_dirs",
        action="append",
        default=[],
        metavar="DIR",
        help="search DIR for #includes (repeatable); the IR records it for the bindings",
    )
    d.add_argument(
        "-D",
        dest="defines",
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help="define a macro for the parse (repeatable); the bindings' shims get it too",
    )
    d.add_argument(
        "--arch",
        action="append",
        default=[],
        help=f"target GPU architecture (default {DEFAULT}); repeat it for one IR of several "
        "archs, each declaration recording those that have it (the newest one's parse gives "
        "the declarations)",
    )
    d.add_argument(
        "--all-archs",
        action="store_true",
        help="dump for every GPU generation CUDA 13 compiles for: "
        + ", ".join(map(str, DEFAULT_SET)),
    )
    d.add_argument("--std", default="c++17", help="C++ standard (default c++17)")
    d.add_argument(
        "--retain",
        action="append",
        default=[],
        metavar="FILE",
        help="also keep declarations from FILE (repeatable)",
    )
    d.add_argument(
        "--cuda-include",
        action="append",
        default=[],
        metavar="DIR",
        help="use these CUDA include folders instead of the installed ones "
        "(the first holds cuda_runtime.h)",
    )
    d.add_argument(
        "--keep-going",
        action="store_true",
        help="record clang errors in the IR header instead of failing",
    )
    d.add_argument("--timings", action="store_true", help="print parse and walk times")
    d.add_argument(
        "--no-cache",
        action="store_true",
        help="parse even when the user cache holds this dump (inputs and included files unchanged)",
    )

    v = sub.add_parser("validate", help="check an api.json against the schema and its graph")
    v.add_argument("files", nargs="+", metavar="API_JSON")

    sc = sub.add_parser("schema", help="print the JSON Schema of the IR (or of diff reports)")
    sc.add_argument("--diff", action="store_true", help="the schema of `diff --format json`")

    df = sub.add_parser("diff", help="API changes between two IR files")
    df.add_argument("old", metavar="OLD_JSON")
    df.add_argument("new", metavar="NEW_JSON")
    df.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    df.add_argument(
        "--fail-on",
        choices=["breaking", "any", "none"],
        default="breaking",
        help="exit 1 when changes of this class exist (default: breaking)",
    )
    df.add_argument(
        "--ignore-target", action="store_true", help="compare even when arch or C++ standard differ"
    )
    df.add_argument("-o", "--output", help="write the report here (atomically)")

    gr = sub.add_parser("graph", help="the dependency graph as Graphviz DOT or Mermaid")
    gr.add_argument("file", metavar="API_JSON")
    gr.add_argument("--format", choices=["dot", "mermaid"], default="dot")
    gr.add_argument("--root", help="only what this declaration (id or name) depends on")
    return p


def _dump(args) -> int:
    from numbast.frontend import DumpOptions, DumpTimings, cached_dump, dump

    to_file = bool(args.output and args.output != "-")
    folder = output_folder(args.output) if to_file else Path.cwd()
    archs = parse_archs([*args.arch, *map(str, DEFAULT_SET if args.all_archs else ())])
    options = DumpOptions(
        headers=args.headers,
        include_dirs=args.include_dirs,
        defines=args.defines,
        arch=str(archs[-1]),
        archs=[str(a) for a in archs] if len(archs) > 1 else [],
        std=args.std,
        retain=args.retain,
        keep_going=args.keep_going,
        use_cache=not args.no_cache,
        cuda_include=args.cuda_include,
    )
    timings = DumpTimings()
    data = cached_dump(options)
    if data is not None:  # a repeat: the facts to report are read from the JSON itself
        import json

        facts = json.loads(data)
        n_decls, n_edges = len(facts.get("declarations", [])), len(facts.get("edges", []))
        diagnostics = [
            (d.get("severity", "error"), d.get("location", ""), d.get("message", ""))
            for d in facts["header"].get("diagnostics", [])
        ]
    else:
        doc = dump(options, timings)
        data = ir.dumps(doc)
        n_decls, n_edges = len(doc.declarations), len(doc.edges)
        diagnostics = [(d.severity, d.location, d.message) for d in doc.header.diagnostics]
    # The user's include folders are written relative to where the IR goes.
    data = ir.relocate(data, folder)
    if to_file:
        ir.write_atomic(args.output, data)
    else:
        write_stdout(data)
    n_err = sum(1 for severity, _, _ in diagnostics if severity != "warning")
    summary = f"{n_decls} declarations, {n_edges} edges"
    if n_err:
        summary += f", {n_err} clang errors recorded (--keep-going)"
    info(f"{PROG}: {', '.join(args.headers)}: {summary}")
    for severity, location, message in diagnostics:
        if severity == "warning":
            info(f"{PROG}: warning: {location}: {message}")
    if args.timings:
        info(f"{PROG}: clang parse {timings.parse:.3f} s, python walk {timings.walk:.3f} s")
    return 0


def _validate(args) -> int:
    status = 0
    for path in args.files:
        try:
            doc = ir.load(path)
        except ir.IRError as exc:
            error(PROG, exc.one_line())
            status = 1
            continue
        problems = ir.check(doc)
        for p in problems:
            error(PROG, f"{path}: {p.path}: {p.message}")
        if problems:
            status = 1
        else:
            info(f"{path}: valid ({len(doc.declarations)} declarations, {len(doc.edges)} edges)")
    return status


def _diff(args) -> int:
    from .diff import diff, make_report, render

    old, new = ir.load(args.old), ir.load(args.new)
    for attr in ("arch", "std"):
        a, b = getattr(old.header, attr), getattr(new.header, attr)
        if a != b and not args.ignore_target:
            raise ToolError(
                f"{args.old} and {args.new} were dumped for different {attr} ({a} vs {b}); "
                "use --ignore-target to compare anyway"
            )
    report = make_report(old, new, diff(old, new))
    text = render(report, args.format).encode()
    if args.output:
        ir.write_atomic(args.output, text)
    else:
        write_stdout(text)
    s = report.summary
    info(f"{PROG}: {s.breaking} breaking, {s.compatible} compatible, {s.info} info")
    failing = {"breaking": s.breaking, "any": len(report.changes), "none": 0}[args.fail_on]
    return 1 if failing else 0


def _graph(args) -> int:
    from .graph_view import subgraph, to_dot, to_mermaid

    graph, labels = subgraph(ir.load(args.file), args.root)
    render = to_dot if args.format == "dot" else to_mermaid
    write_stdout(render(graph, labels).encode())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(PROG, _parser, argv)
    if isinstance(args, int):
        return args

    def command() -> int:
        if args.command == "dump":
            return _dump(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "diff":
            return _diff(args)
        if args.command == "graph":
            return _graph(args)
        if args.diff:
            from .diff.report import schema_text

            write_stdout(schema_text().encode())
        else:
            write_stdout(ir.json_schema_text().encode())
        return 0

    # `diff` gates CI: 0 no failing change, 1 failing changes, 2 error.
    failure = 2 if args.command == "diff" else 1

    def user_errors():
        return (ir.NumbastError,)

    return run(PROG, command, user_errors, args.debug, failure)


if __name__ == "__main__":
    sys.exit(main())
