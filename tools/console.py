"""Terminal output shared by the command lines: rich on stderr, one line per error, and the one
way a command ends (exit codes, interrupts, closed pipes, OS errors naming their path)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

_stderr = None


def _console():
    """rich's console on stderr, made on the first error (rich takes a while to import)."""
    global _stderr
    if _stderr is None:
        from rich.console import Console

        _stderr = Console(stderr=True, highlight=False, soft_wrap=True)
    return _stderr


def one_line(text: str) -> str:
    """`text` with every unprintable character (newlines, NUL, U+2028 ...) shown escaped."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def error(prog: str, message: str) -> None:
    """Print `prog: error: message` on one line: control characters from user data are shown
    escaped, and the message is text, never rich markup (it may hold `[...]` from headers)."""
    from rich.markup import escape

    line = one_line(str(message))
    _console().print(f"[bold red]{prog}: error:[/] {escape(line)}", markup=True, emoji=False)


def info(message: str) -> None:
    if sys.stderr is not None:
        print(message, file=sys.stderr, flush=True)


def write_stdout(data: bytes) -> None:
    if sys.stdout is None:  # started with standard output closed
        raise BrokenPipeError("standard output is closed")
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def os_error_text(exc: OSError) -> str:
    """`path: reason` for an OS error (the reason alone when it names no path)."""
    reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason


def command_parser(prog: str, description: str, version: str):
    """An argument parser with --version, --debug and required subcommands: (parser,
    subparsers)."""
    import argparse  # imported here: Ctrl-C while Python imports it is answered by main()

    p = argparse.ArgumentParser(prog=prog, description=description)
    p.add_argument("--version", action="version", version=f"%(prog)s {version}")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    return p, p.add_subparsers(dest="command", required=True)


def parse_args(prog: str, make_parser: Callable, argv: list[str] | None):
    """The parsed arguments, or 130 when Ctrl-C comes while Python still imports what the
    parser needs."""
    try:
        return make_parser().parse_args(argv)
    except KeyboardInterrupt:
        info(f"{prog}: interrupted")
        return 130


def run(
    prog: str,
    command: Callable[[], int],
    user_errors: Callable[[], tuple[type[BaseException], ...]],
    debug: bool,
    failure: int = 1,
) -> int:
    """Run a command line's work: `failure` and one line for bad input (the exception types
    `user_errors()` returns, imported only then; OS errors), 130 on Ctrl-C (during the first
    imports too), 3 and one line for a bug (the traceback with --debug)."""
    try:
        return command()
    except KeyboardInterrupt:
        info(f"{prog}: interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more can be written there.
        if sys.stdout is not None:  # so that Python's own last flush fails quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        error(prog, "standard output was closed")
        return failure
    except Exception as exc:  # a bug: shown as one, with --debug for the traceback
        if debug:
            raise
        if isinstance(exc, OSError):
            error(prog, os_error_text(exc))
            return failure
        if isinstance(exc, user_errors()):
            error(prog, str(exc))
            return failure
        error(prog, f"internal error: {type(exc).__name__}: {exc} (rerun with --debug)")
        return 3


def output_folder(output: str):
    """The folder an `-o` file will be written in, checked before any work is done: it must
    exist and be writable (a missing or read-only folder is an error naming it)."""
    import errno
    from pathlib import Path

    folder = Path(output).resolve().parent
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder for -o", str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "cannot write into this folder (-o)", str(folder))
    return folder
