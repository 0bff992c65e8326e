"""Which GPU a compile targets, and whether a binding exists for it: a module made for several
archs binds what any of them has, and refuses at typing what the target's arch lacks."""

from __future__ import annotations

import re

_ARCH = re.compile(r"sm_(\d+)(\d)([af]?)")


def target_cc() -> tuple[int, int]:
    """The compute capability this compile is for (numba-cuda's flags: the device of a launch,
    or `cc=` of `cuda.compile`); the device's outside a compile."""
    from numba.cuda.core.targetconfig import ConfigStack

    flags = ConfigStack.top_or_none()
    cc = getattr(flags, "compute_capability", None) if flags is not None else None
    if cc:
        return tuple(cc)[:2]
    from .compiler import device_cc

    return device_cc()


def _cc(arch: str) -> tuple[tuple[int, int], str]:
    m = _ARCH.fullmatch(arch)  # the emitter wrote it from a validated arch
    return (int(m[1]), int(m[2])), m[3]


def missing(label: str, have: tuple[str, ...], dumped: tuple[str, ...], cc) -> str | None:
    """Why `label` (whose declaration the archs `have` of the module's `dumped` have) cannot
    be used on a GPU of compute capability `cc`, or None: the newest plain arch the module
    was made for that runs there must be one that has it."""
    if not have:
        return None
    plain = [a for a in dumped if not _cc(a)[1] and _cc(a)[0] <= tuple(cc)]
    best = max(plain, key=lambda a: _cc(a)[0], default=None)
    if best is not None and best in have:
        return None
    return (
        f"{label} does not exist for sm_{cc[0]}{cc[1]}: its header declares it only for "
        f"{', '.join(have)}"
    )


def require(label: str, have: tuple[str, ...], dumped: tuple[str, ...]) -> None:
    """Raise a TypingError when the compile's target lacks the declaration."""
    why = missing(label, have, dumped, target_cc()) if have else None
    if why:
        from numba.cuda.core.errors import TypingError

        raise TypingError(why)
