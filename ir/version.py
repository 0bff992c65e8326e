"""The IR format name, its version, and the rules that say which versions a reader accepts.

Versioning rules (MAJOR.MINOR):

- A MINOR bump only adds optional fields (with defaults) or new values that old readers may
  ignore. A reader of MAJOR M accepts every MINOR of M, older or newer: an older file simply lacks
  the new optional fields; a newer file's unknown optional fields are rejected by strict decoding,
  so a newer MINOR is decoded leniently (unknown fields dropped) and reported as such.
- A MAJOR bump may change meaning. A reader rejects a newer MAJOR with a clear message, and
  migrates an older MAJOR where a migration is registered in `MIGRATIONS`.
"""

import re
from collections.abc import Callable

from .errors import IRError

IR_FORMAT = "numbast-ir"
IR_VERSION = "1.5"

# History:
#   1.0  first release.
#   1.1  optional `arch_guard` on every declaration.
#   1.2  optional `doc` (the doc comment) on every declaration and member function.
#   1.3  optional `dir` on user include roots: where their folder lies, relative to the IR file.
#   1.4  optional `archs` on the header (every arch dumped) and on declarations (those of
#        them that have it, when not all).
#   1.5  optional `constructs` and `explicit` on functions: a constructor of another header's
#        record defined out of line in a retained one.
IR_MAJOR, IR_MINOR = (int(p) for p in IR_VERSION.split("."))

# MAJOR -> function turning a raw JSON object of that MAJOR into one of MAJOR + 1.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}


_DIGITS = re.compile(r"[0-9]{1,6}\Z")  # ASCII digits only, and a sane length


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_version(text: object, path: str = "$.header.version") -> tuple[int, int]:
    """Split a `MAJOR.MINOR` string, rejecting anything else."""
    if not isinstance(text, str):
        raise IRError(f"expected a version string 'MAJOR.MINOR', got {_short(text)}", path)
    parts = text.split(".")
    if len(parts) != 2 or not all(_DIGITS.match(p) for p in parts):
        raise IRError(f"expected a version string 'MAJOR.MINOR', got {_short(text)}", path)
    return int(parts[0]), int(parts[1])


def check_compatible(text: object) -> tuple[int, int]:
    """Return (major, minor) if this reader can read that version, else raise IRError."""
    major, minor = parse_version(text)
    if major > IR_MAJOR:
        raise IRError(
            f"IR version {text} is newer than this reader supports ({IR_VERSION}); "
            "upgrade numbast to read it",
            "$.header.version",
        )
    if major < IR_MAJOR and major not in MIGRATIONS:
        raise IRError(
            f"IR version {text} is older than {IR_MAJOR}.0 and no migration exists for it; "
            "dump the header again",
            "$.header.version",
        )
    return major, minor
