"""What `canopy dump` is asked for, and where its time goes (no heavy imports: a repeat dump
answered from the cache needs only these)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from numbast.ir.arch import DEFAULT


@dataclass
class DumpOptions:
    """What `canopy dump` was asked for."""

    headers: list[str]
    include_dirs: list[str] = field(default_factory=list)
    defines: list[str] = field(default_factory=list)
    arch: str = str(DEFAULT)  # the arch whose parse gives the declarations
    # Every arch to dump for (`arch` among them): each is parsed, and a declaration records
    # the archs whose preprocessor kept it. Empty: `arch` alone.
    archs: list[str] = field(default_factory=list)
    std: str = "c++17"
    retain: list[str] = field(default_factory=list)
    keep_going: bool = False
    # Use these CUDA include folders instead of finding them (the first holds cuda_runtime.h);
    # e.g. the folders of another CUDA release's pip wheels, for `canopy diff`.
    cuda_include: list[str] = field(default_factory=list)
    use_cache: bool = True  # answer from the user cache when nothing changed

    def request(self) -> dict[str, object]:
        """The options that decide the IR (a cache key's part)."""
        fields = asdict(self)
        del fields["use_cache"]
        return fields


@dataclass
class DumpTimings:
    """Seconds spent in clang's parse and in the Python walk over its cursors."""

    parse: float = 0.0
    walk: float = 0.0
