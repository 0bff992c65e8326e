"""Finding the CUDA headers (pip `cuda-toolkit` wheels first) and the `--cuda-path` clang needs."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .cache import cache_dir
from .errors import FrontendError


@dataclass(frozen=True)
class CudaHeaders:
    """Where the CUDA headers are and what to tell clang about them."""

    include: Path  # holds cuda_runtime.h
    cccl: Path | None  # holds cub/, thrust/, cuda/std/
    cuda_path: Path  # passed as --cuda-path: has include/ and bin/
    version: str | None  # "13.5", from CUDART_VERSION
    found_via: str  # "site-packages", "CUDA_HOME", "--cuda-include"
    extra: tuple[Path, ...] = ()  # more include folders (split pip layouts: crt, curand)


def _cuda_path_for(include: Path) -> Path:
    """A folder clang accepts as a CUDA installation: `include` linked, `bin/` empty.

    pip wheels have no `bin/` (clang then reports "cannot find CUDA installation"); making this
    small folder spares users the 140 MB nvcc wheel.
    """
    key = hashlib.sha256(str(include).encode()).hexdigest()[:16]
    root = cache_dir() / f"cuda-path-{key}"
    link = root / "include"
    if link.is_symlink() and Path(os.readlink(link)) == include and (root / "bin").is_dir():
        return root
    root.mkdir(parents=True, exist_ok=True)
    (root / "bin").mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root)) / "include"
    tmp.symlink_to(include, target_is_directory=True)
    os.replace(tmp, link)
    tmp.parent.rmdir()
    return root


def cuda_version(include: Path) -> str | None:
    """ "13.5" from `#define CUDART_VERSION 13050` in cuda_runtime_api.h."""
    try:
        text = (include / "cuda_runtime_api.h").read_text(errors="replace")
    except OSError:
        return None
    m = re.search(r"^\s*#\s*define\s+CUDART_VERSION\s+(\d+)", text, re.M)
    if not m:
        return None
    value = int(m.group(1))
    return f"{value // 1000}.{value % 1000 // 10}"


def find_cuda_headers() -> CudaHeaders:
    """Locate the CUDA runtime and CCCL headers with cuda-pathfinder."""
    try:
        from cuda import pathfinder
    except ImportError:
        raise FrontendError("cuda-pathfinder is not installed: pip install numbast") from None
    located = pathfinder.locate_nvidia_header_directory("cudart")
    if located is None:
        raise FrontendError(
            "CUDA headers not found: pip install 'cuda-toolkit[cudart,crt,curand,cccl]' "
            "or set CUDA_HOME"
        )
    include = Path(located.abs_path).resolve()
    cccl_loc = pathfinder.locate_nvidia_header_directory("cccl")
    cccl = Path(cccl_loc.abs_path).resolve() if cccl_loc is not None else None
    found_via = str(located.found_via)
    if (include.parent / "bin").is_dir():
        cuda_path = include.parent
    else:
        cuda_path = _cuda_path_for(include)
    extra = split_layout_parts(include, pathfinder.locate_nvidia_header_directory)
    return CudaHeaders(include, cccl, cuda_path, cuda_version(include), found_via, extra)


# Headers a split pip layout (CUDA 12's per-component wheels) keeps outside cudart's folder:
# (a file that tells the part is there, the pathfinder name of the folder that has it).
_SPLIT_PARTS = (("crt/host_defines.h", "nvcc"), ("curand_kernel.h", "curand"))


def split_layout_parts(include: Path, locate) -> tuple[Path, ...]:
    """The folders holding what `include` lacks of the toolkit's device headers (crt/ is in the
    nvcc wheel where cudart's wheel is split from it), found by `locate` (pathfinder's)."""
    extra: list[Path] = []
    for marker, name in _SPLIT_PARTS:
        if (include / marker).is_file() or any((e / marker).is_file() for e in extra):
            continue
        located = locate(name)
        folder = Path(located.abs_path).resolve() if located is not None else None
        if folder is not None and (folder / marker).is_file():
            extra.append(folder)
    _require_crt(include, tuple(extra))
    return tuple(extra)


def _require_crt(include: Path, extra: tuple[Path, ...]) -> None:
    marker = _SPLIT_PARTS[0][0]
    if not any((d / marker).is_file() for d in (include, *extra)):
        raise FrontendError(
            f"{include}: the CUDA headers lack {marker}: pip install "
            "'cuda-toolkit[cudart,crt]' or pass its folder as another --cuda-include"
        )


def cuda_headers_in(folders: list[str]) -> CudaHeaders:
    """CUDA headers from explicit folders: the first holds cuda_runtime.h; a folder holding
    cub/ is taken as CCCL's; the rest are searched too (CUDA 12 wheels split crt/, curand)."""
    paths = [Path(f).resolve() for f in folders]
    include = paths[0]
    if not (include / "cuda_runtime.h").is_file():
        raise FrontendError(f"{folders[0]}: no cuda_runtime.h in the first --cuda-include folder")
    cccl = next((p for p in paths[1:] if (p / "cub").is_dir()), None)
    extra = tuple(p for p in paths[1:] if p != cccl)
    _require_crt(include, extra)
    return CudaHeaders(
        include, cccl, _cuda_path_for(include), cuda_version(include), "--cuda-include", extra
    )
