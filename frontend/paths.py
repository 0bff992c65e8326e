"""Include roots, header lookup, the retain list, and locations relative to a root."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FrontendError


@dataclass(frozen=True)
class Root:
    """An include root: `name` labels it in the IR, `label` is its non-absolute path."""

    name: str
    path: Path  # absolute, resolved
    label: str
    user: bool = False  # an -I folder or an input's own: bindings must find it too


def _label_for(user_path: str) -> str:
    p = Path(user_path)
    return p.as_posix().rstrip("/") if not p.is_absolute() else p.name


@dataclass
class SourceMap:
    """Maps absolute file names onto (root, relative path) and answers "is it retained?"."""

    roots: list[Root]
    retained: set[str] = field(default_factory=set)  # real paths
    _real: dict[str, str] = field(default_factory=dict)
    _rel: dict[str, tuple[str, str]] = field(default_factory=dict)
    _abs: dict[str, str] = field(default_factory=dict)  # relative path -> real path

    def real(self, name: str) -> str:
        r = self._real.get(name)
        if r is None:
            r = self._real[name] = os.path.realpath(name)
        return r

    def is_retained(self, name: str) -> bool:
        return self.real(name) in self.retained

    def extent_retained(self, extent) -> bool:
        """Whether a clang source range starts or ends in a retained file (a namespace
        reopened in a retained header is walked into)."""
        files = (extent.start.file, extent.end.file)
        return any(f is not None and self.is_retained(f.name) for f in files)

    def relative(self, name: str) -> tuple[str, str]:
        """(root name, path relative to the deepest root holding the file)."""
        hit = self._rel.get(name)
        if hit is None:
            real = Path(self.real(name))
            best: tuple[str, str] | None = None
            for root in self.roots:
                try:
                    rel = real.relative_to(root.path).as_posix()
                except ValueError:
                    continue
                if best is None or len(rel) < len(best[1]):
                    best = (root.name, rel)
            hit = self._rel[name] = best or ("", real.name)
            self._abs.setdefault(hit[1], str(real))
        return hit

    def absolute(self, relative: str) -> str | None:
        """The real path a relative location was made from."""
        return self._abs.get(relative)


def resolve_header(name: str, search: list[Path]) -> Path:
    """A header given as a path, or by its name under an include root (`cuda_bf16.h`)."""
    p = Path(name)
    if p.is_file():
        return p.resolve()
    if p.exists():
        raise FrontendError(f"{name}: not a file")
    if not p.is_absolute():
        for d in search:
            candidate = d / name
            if candidate.is_file():
                return candidate.resolve()
    where = ", ".join(str(d) for d in search) or "nowhere"
    raise FrontendError(f"{name}: header not found (looked in the current folder, {where})")


# What a companion may be: C++ headers and included implementation files, never the IR,
# configs or bindings a user keeps beside a header (mylib.json, mylib.yml, mylib.py).
COMPANION_SUFFIXES = frozenset(
    {".h", ".hh", ".hpp", ".hxx", ".cuh", ".inl", ".ipp", ".tcc", ".tpp", ".inc"}
)


def is_companion_name(name: str, stem: str) -> bool:
    """Whether a file called `name` is a companion of a header whose stem is `stem`."""
    first, dot, rest = name.partition(".")
    return first == stem and bool(dot) and "." + rest.rsplit(".", 1)[-1] in COMPANION_SUFFIXES


def companions(header: Path) -> list[Path]:
    """Files beside `header` that share its stem: cuda_bf16.h -> cuda_bf16.hpp.

    CUDA's headers declare in `x.h` and define in `x.hpp`; a user dumping `x.h` means both.
    """
    stem = header.name.split(".", 1)[0]
    out = []
    for sibling in sorted(header.parent.glob(f"{stem}.*")):
        if sibling != header and sibling.is_file() and is_companion_name(sibling.name, stem):
            out.append(sibling.resolve())
    return out


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_roots(include_dirs: list[str], cuda, inputs: list[Path]) -> list[Root]:
    """User roots first (they win), then CUDA's, then the folders of inputs outside all roots."""
    roots: list[Root] = []
    for i, d in enumerate(include_dirs):
        p = Path(d)
        if not p.is_dir():
            raise FrontendError(f"{d}: include directory not found")
        roots.append(Root(f"I{i}", p.resolve(), _label_for(d), user=True))

    def cuda_label(p: Path) -> str:
        base = cuda.include.parent
        return (
            p.relative_to(base).as_posix()
            if p.is_relative_to(base)
            else f"{p.parent.name}/{p.name}"
        )

    roots.append(Root("cuda", cuda.include, cuda_label(cuda.include)))
    for i, extra in enumerate(cuda.extra, start=1):
        roots.append(Root(f"cuda{i}", extra, cuda_label(extra)))
    if cuda.cccl is not None:
        roots.append(Root("cccl", cuda.cccl, cuda_label(cuda.cccl)))
    for header in inputs:
        if not any(header.is_relative_to(r.path) for r in roots):
            roots.append(Root(f"input{len(roots)}", header.parent, header.parent.name, user=True))
    return roots
