"""`numbast`: the bindings generator's command line (emit arrives with the backend)."""

from __future__ import annotations

import argparse
import sys

from numbast import __version__
from numbast.ir import IR_VERSION


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="numbast", description=__doc__)
    p.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__} (IR {IR_VERSION})"
    )
    p.parse_args(argv)
    p.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
