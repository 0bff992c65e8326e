"""Where a module's shims find the user's headers (the folders the config names and the IR's
own user folders) and the library's implementation files, as the module records them and as
this machine finds them now.

One rule for verification and for run time: a folder under the module's own folder is
recorded relative to it (the module and its headers move together), any other absolutely.
`[shim] include_dirs` are relative to the config file's folder; the IR's folders are absolute
once `ir.load` read the file (on disk they are relative to it; from standard input, relative
to the current folder).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from numbast import ir

from . import names
from .config import BindConfig
from .errors import EmitError


@dataclass(frozen=True)
class Places:
    """Where the config came from and where the module goes (None: the current folder for
    the config; absolute folders for a module written to standard output)."""

    config_folder: Path | None = None
    module_folder: Path | None = None


@dataclass(frozen=True)
class Located:
    recorded: tuple[str, ...]  # as the tables hold them (relative to the module, or absolute)
    absolute: tuple[str, ...]  # the same paths on this machine now


def _under(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _located(absolute: list[str], places: Places) -> Located:
    absolute = tuple(dict.fromkeys(os.path.abspath(p) for p in absolute))
    if places.module_folder is None:
        return Located(absolute, absolute)
    module = os.path.abspath(places.module_folder)
    recorded = tuple(
        Path(os.path.relpath(p, module)).as_posix() if _under(p, module) else p for p in absolute
    )
    return Located(recorded, absolute)


def shim_folders(doc: ir.APIDocument, config: BindConfig, places: Places) -> Located:
    """The include folders of the shims: the config's first (they override), then the IR's."""
    base = places.config_folder or Path.cwd()
    found = [
        os.path.join(base, names.file_path(d, f"$.shim.include_dirs[{i}]"))
        for i, d in enumerate(config.shim.include_dirs)
    ]
    # The IR's folders as they are now: one that is gone (the IR was moved away from its
    # headers) cannot help, and the verification names the header it misses instead.
    for i, root in enumerate(doc.header.include_roots):
        if root.dir is not None:
            names.file_path(root.dir, f"$.header.include_roots[{i}].dir")
    dumped = [d for d in ir.root_folders(doc, Path.cwd()) if os.path.isdir(d)]
    return _located(found + dumped, places)


def implementation(config: BindConfig, places: Places) -> tuple[Located, Located]:
    """The `.cu` sources and the linked files of `[shim] sources` and `[shim] link`, each
    checked to exist and to be of a kind that can be compiled or linked."""
    from .runtime.cxx import LINKABLE_SUFFIXES

    base = places.config_folder or Path.cwd()
    found: dict[str, list[str]] = {"sources": [], "link": []}
    for key, allowed in (("sources", {".cu"}), ("link", set(LINKABLE_SUFFIXES))):
        for i, given in enumerate(getattr(config.shim, key)):
            where = f"$.shim.{key}[{i}]"
            path = os.path.join(base, names.file_path(given, where))
            if os.path.splitext(path)[1] not in allowed:
                raise EmitError(f"{given}: expected a {' or '.join(sorted(allowed))} file", where)
            if not os.path.isfile(path):
                raise EmitError(f"{given}: no such file (relative to the config's folder)", where)
            found[key].append(path)
    return _located(found["sources"], places), _located(found["link"], places)


def nvrtc_options(config: BindConfig) -> tuple[str, ...]:
    """`[shim] nvrtc_options`, each one NVRTC option the runtime allows."""
    from .runtime.compiler import ALLOWED_OPTIONS

    for i, option in enumerate(config.shim.nvrtc_options):
        if option not in ALLOWED_OPTIONS:
            allowed = ", ".join(sorted(ALLOWED_OPTIONS))
            raise EmitError(f"{option!r} is not one of {allowed}", f"$.shim.nvrtc_options[{i}]")
    return tuple(config.shim.nvrtc_options)
