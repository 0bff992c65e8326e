"""A GPU architecture, one value for every stage: `Arch.parse("sm_90a")`.

Spellings: `sm_XY` or `sm_XYZ` (compute capability X.Y, or XY.Z for 100 and above), with an
optional suffix: `a` for the arch-specific target (features of exactly that GPU,
`__CUDA_ARCH_FEAT_SM90_ALL`), `f` for the family-specific one (CUDA 12.9+: features shared by
a family, `sm_100f` runs on sm_100 and sm_103). `str(arch)` gives the spelling back.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .errors import NumbastError

_SPELLING = re.compile(r"sm_(\d{2,3})([af]?)")


class ArchError(NumbastError):
    """Not a GPU architecture; the message is one line for the user."""


class Arch(NamedTuple):
    """sm_<major><minor><suffix>: compared by compute capability, then suffix ("" < a < f)."""

    major: int
    minor: int
    suffix: str = ""  # "", "a" (arch-specific) or "f" (family-specific)

    @classmethod
    def parse(cls, text: str, where: str = "--arch") -> Arch:
        """The arch `text` spells; ArchError naming `where` (an option, a JSON path) if none."""
        m = _SPELLING.fullmatch(text.strip()) if isinstance(text, str) else None
        if m is None:
            raise ArchError(
                f"{where}: {text!r} is not a GPU architecture (expected sm_XY, e.g. sm_90, "
                "sm_90a, sm_100f)"
            )
        digits = m[1]
        return cls(int(digits[:-1]), int(digits[-1]), m[2])

    def __str__(self) -> str:
        return f"sm_{self.major}{self.minor}{self.suffix}"

    @property
    def cc(self) -> tuple[int, int]:
        """The compute capability: (9, 0) for sm_90 and sm_90a."""
        return self.major, self.minor

    @property
    def number(self) -> int:
        """The value `__CUDA_ARCH__` has for it: 900 for sm_90."""
        return self.major * 100 + self.minor * 10

    @property
    def target(self) -> tuple:
        """What the bindings runtime compiles for: the compute capability, and the suffix when
        there is one ((9, 0, "a") for sm_90a)."""
        return (self.major, self.minor, self.suffix) if self.suffix else self.cc

    def runs_on(self, cc: tuple[int, int]) -> bool:
        """Whether code built for this arch runs on a device of compute capability `cc`:
        exactly that GPU for an `a` target, the same major for `f`, and any later one for a
        plain target (PTX is compiled forward by the driver)."""
        if self.suffix == "a":
            return tuple(cc) == self.cc
        if self.suffix == "f":
            return cc[0] == self.major and tuple(cc) >= self.cc
        return tuple(cc) >= self.cc


DEFAULT = Arch(9, 0)
# What `canopy dump --all-archs` dumps: every GPU generation CUDA 13 compiles for.
DEFAULT_SET = (Arch(7, 5), Arch(8, 0), Arch(8, 6), Arch(8, 9), Arch(9, 0), Arch(10, 0), Arch(12, 0))


def parse_archs(texts, where: str = "--arch") -> tuple[Arch, ...]:
    """Several archs, sorted, each once (an empty list is the default arch)."""
    found = sorted({Arch.parse(t, where) for t in texts})
    return tuple(found) or (DEFAULT,)
