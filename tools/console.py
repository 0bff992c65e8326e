"""Terminal output shared by the command lines: rich on stderr, one line per error."""

from __future__ import annotations

import sys

from rich.console import Console

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def error(prog: str, message: str) -> None:
    """Print `prog: error: message` as one line per line of message."""
    for line in str(message).splitlines() or [""]:
        stderr.print(f"[bold red]{prog}: error:[/] {line}", markup=True, emoji=False)


def info(message: str) -> None:
    stderr.print(message, markup=False, emoji=False)


def write_stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
