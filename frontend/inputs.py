"""The first steps of a dump: resolve what was asked for into files and folders, and the
clang command line that parses them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from numbast.ir.arch import Arch, parse_archs

from .cuda import CudaHeaders, cuda_headers_in, find_cuda_headers
from .errors import FrontendError
from .options import DumpOptions
from .paths import Root, SourceMap, companions, make_roots, resolve_header

# Stand-ins for headers clang's CUDA wrapper includes that a pip install may lack.
SHIM_INCLUDE = Path(__file__).resolve().parent / "shim_include"
MAIN = "numbast_input.cu"  # an in-memory main file that includes the requested headers


@dataclass(frozen=True)
class Inputs:
    """The headers, the files whose declarations are kept, and where they were found."""

    cuda: CudaHeaders
    search: tuple[Path, ...]  # where header names are looked for, in order
    headers: tuple[Path, ...]  # the requested headers, resolved
    retained: tuple[Path, ...]  # headers, their companions and --retain files, sorted
    roots: tuple[Root, ...]
    probes: tuple[str, ...]  # every place a header name was looked for (see cache.remember)
    asked: tuple[Path, ...] = ()  # the --retain files

    def own(self) -> tuple[Path, ...]:
        """The retained files less the --retain ones: what tells a forwarding header."""
        return tuple(p for p in self.retained if p not in self.asked)

    def sources(self, retained: tuple[Path, ...] | None = None) -> SourceMap:
        files = self.retained if retained is None else retained
        return SourceMap(list(self.roots), {str(p) for p in files})


@dataclass(frozen=True)
class ClangCommand:
    """What clang is given: its arguments and the main file's text."""

    args: tuple[str, ...]
    main: str


def check_options(options: DumpOptions) -> None:
    """Refuse what no parse can answer, before CUDA is looked for."""
    if not options.headers:
        raise FrontendError("no header given")
    Arch.parse(options.arch)
    parse_archs(options.archs)
    for d in [*options.include_dirs, *options.cuda_include]:
        if not Path(d).is_dir():
            raise FrontendError(f"{d}: include directory not found")


def resolve_inputs(options: DumpOptions) -> Inputs:
    """Find CUDA and every requested header; raises FrontendError naming a missing one."""
    cuda = cuda_headers_in(options.cuda_include) if options.cuda_include else find_cuda_headers()
    search = [Path(d) for d in options.include_dirs]
    search += [cuda.include, *cuda.extra] + ([cuda.cccl] if cuda.cccl else [])
    headers = [resolve_header(h, search) for h in options.headers]
    retain = [resolve_header(r, search) for r in options.retain]
    retained = set(retain)
    for h in headers:
        retained.update([h, *companions(h)])
    probes = []
    for name in [*options.headers, *options.retain]:
        probes.append(os.path.abspath(name))
        if not Path(name).is_absolute():
            probes += [str(d / name) for d in search]
    return Inputs(
        cuda=cuda,
        search=tuple(search),
        headers=tuple(headers),
        retained=tuple(sorted(retained)),
        roots=tuple(make_roots(options.include_dirs, cuda, headers + retain)),
        probes=tuple(probes),
        asked=tuple(sorted(set(retain) - set(headers))),
    )


def dumped_archs(options: DumpOptions) -> tuple[Arch, ...]:
    """Every arch of the dump, sorted: `archs` with `arch`, or `arch` alone."""
    return (
        parse_archs([*options.archs, options.arch])
        if options.archs
        else (Arch.parse(options.arch),)
    )


def clang_command(options: DumpOptions, inputs: Inputs, arch: Arch | None = None) -> ClangCommand:
    """Device-only CUDA at the requested arch (`arch`, else the options') and standard, the
    user's folders first."""
    cuda = inputs.cuda
    args = [
        "-x",
        "cuda",
        "--cuda-device-only",
        f"--cuda-gpu-arch={arch or options.arch}",
        "-nocudalib",
        f"--cuda-path={cuda.cuda_path}",
        f"-std={options.std}",
        "-Wno-unknown-cuda-version",
    ]
    for d in options.include_dirs:
        args += ["-I", str(Path(d).resolve())]
    for d in [cuda.include, *cuda.extra, *([cuda.cccl] if cuda.cccl else [])]:
        args += ["-I", str(d)]
    args += ["-idirafter", str(SHIM_INCLUDE)]
    args += [f"-D{d}" for d in options.defines]
    main = "".join(f'#include "{h}"\n' for h in inputs.headers)
    return ClangCommand(tuple(args), main)
