"""Emitting modules for the backend tests (no GPU needed) and loading them."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from helpers import DATA, dump_header
from numbast import ir
from numbast.backend import load_config
from numbast.backend.emit import emit_module, write_runtime

SAMPLE_CONFIG = f"""
[intents]
swap_values = {{ a = "inout_ptr", b = "inout_ptr" }}
divide = {{ remainder = "out_return" }}
sincos_pair = {{ 1 = "out_return", c = "out_return" }}
store_double = {{ dst = "out_ptr" }}
"Counter::read_into" = {{ dst = "out_return" }}

[shim]
include_dirs = ["{DATA}"]
"""


def emit_file(
    tmp: Path, header: str | Path, name: str, config_text: str | None = None, **dump_options
) -> tuple[Path, object]:
    """Dump `header`, emit its module to tmp/<name>.py; return (path, plan)."""
    doc = dump_header(header, **dump_options)
    api = tmp / f"{name}.json"
    ir.save(doc, api)
    config = None
    if config_text is not None:
        cfg = tmp / f"{name}.toml"
        cfg.write_text(config_text)
        config = load_config(cfg)
    text, plan = emit_module(doc, api.read_bytes(), f"numbast emit {name}.json", config)
    path = tmp / f"{name}.py"
    path.write_text(text)
    write_runtime(tmp)
    return path, plan


def module_from_ir(tmp: Path, name: str, config_text: str | None = None):
    """Emit tests/data/ir/<name>.json (committed IR: GPU tests need no libclang) into
    tmp, with its runtime, and import it."""
    api = DATA / "ir" / f"{name}.json"
    config = None
    if config_text:
        (tmp / f"{name}.toml").write_text(config_text)
        config = load_config(tmp / f"{name}.toml")
    text, _ = emit_module(ir.load(api), api.read_bytes(), "test", config)
    path = tmp / f"{name}_bindings.py"
    path.write_text(text)
    write_runtime(tmp)
    return import_file(path)


def cpp_kernel(source: str, name: str, *extra_options: str):
    """(cupy, the C++ reference kernel `name` of `source` compiled by NVRTC through CuPy, with
    the CUDA and CCCL headers and `extra_options`). Skips without a GPU or CuPy."""
    import pytest
    from numba import cuda

    if not cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    cp = pytest.importorskip("cupy", reason="needs CuPy (it runs the C++ reference kernels)")
    from cuda import pathfinder

    found = [pathfinder.locate_nvidia_header_directory(lib) for lib in ("cudart", "cccl")]
    options = ("-std=c++17", *(f"-I{f.abs_path}" for f in found if f is not None), *extra_options)
    return cp, cp.RawKernel(source, name, options=options)


def import_file(path: Path):
    spec = importlib.util.spec_from_file_location(f"bindings_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def numbast_check(path: Path, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NUMBAST_INCLUDE_PATH=str(DATA))
    return subprocess.run(
        [sys.executable, "-m", "numbast.tools.numbast_cli", "check", str(path), *extra],
        capture_output=True,
        text=True,
        env=env,
    )


def bind_both_ways(mode: str, tmp: Path, ir_name: str, config_text: str):
    """The bindings of tests/data/ir/<ir_name>.json as an emitted module (`static`) or through
    numbast.bind (`dynamic`): GPU tests need no libclang, so both start from the IR."""
    from numbast.backend import load_config as _load

    (tmp / "c.toml").write_text(config_text)
    ir_file = DATA / "ir" / f"{ir_name}.json"
    if mode == "dynamic":
        import numbast

        return numbast.bind(ir_file, config=tmp / "c.toml")
    text, _ = emit_module(ir.load(ir_file), ir_file.read_bytes(), "test", _load(tmp / "c.toml"))
    (tmp / f"{ir_name}_bound.py").write_text(text)
    write_runtime(tmp)
    return import_file(tmp / f"{ir_name}_bound.py")


def one_thread_results(kernel, n: int) -> list:
    """Run `kernel(out)` on one GPU thread with `out` n float64 zeros; its values after."""
    import numpy as np
    from numba import cuda

    out = np.zeros(n, np.float64)
    cuda.jit(kernel)[1, 1](out)
    return out.tolist()


def links_without_a_gpu(kernel, bound) -> str:
    """Compile and link `kernel(out: float64[::1])` against `bound`'s shims (no GPU)."""
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    return link_kernel(kernel, (types.float64[::1],), bound._bindings.bundle)
