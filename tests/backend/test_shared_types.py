"""Modules that share C++ types: cuda_fp8.h emitted against the cuda_fp16.h and cuda_bf16.h
modules (`--use`) binds every function over their records, and at run time uses their Numba
types (one Numba type per C++ record per process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import msgspec
import numpy as np
import pytest

from bind_helpers import import_file
from helpers import DATA
from numbast import ir
from numbast.backend.emit import emit_module, write_runtime
from numbast.backend.plan import UsedModule, ir_digest, plan_bindings

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
IR = DATA / "ir"


def _emit(tmp: Path, name: str, doc: ir.APIDocument, uses=()) -> Path:
    text, _ = emit_module(doc, b"", f"numbast emit {name}.json", None, list(uses))
    path = tmp / f"{name}.py"
    path.write_text(text)
    write_runtime(tmp)
    return path


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    """fp16 and fp8 modules in one folder, fp8 emitted with `--use` of fp16 and bf16."""
    tmp = tmp_path_factory.mktemp("shared")
    docs = {n: ir.load(IR / f"{n}.json") for n in ("cuda_fp16", "cuda_bf16", "cuda_fp8")}
    _emit(tmp, "shared_fp16", docs["cuda_fp16"])
    _emit(tmp, "shared_bf16", docs["cuda_bf16"])
    uses = [
        UsedModule(docs["cuda_fp16"], "shared_fp16"),
        UsedModule(docs["cuda_bf16"], "shared_bf16"),
    ]
    _emit(tmp, "shared_fp8", docs["cuda_fp8"], uses)
    sys.path.insert(0, str(tmp))
    yield tmp, docs, uses
    sys.path.remove(str(tmp))


@pytest.mark.parametrize("header", ["cuda_fp8.h", "cuda_fp6.h", "cuda_fp4.h"])
def test_no_record_is_unbound_with_use(modules, header):
    """Dumped alone, the narrow float headers bind nothing over fp16/bf16 records; with the
    modules of those headers in use, no declaration is skipped for an unbound record."""
    _, docs, uses = modules
    doc = docs["cuda_fp8"] if header == "cuda_fp8.h" else _dump(header)
    alone = plan_bindings(doc)
    shared = plan_bindings(doc, uses=uses)
    unbound = [s for s in shared.skipped if "not bound" in s[1]]
    assert unbound == []
    assert any("__half2 is not bound" in why for _, why in alone.skipped)
    assert len(shared.bound) > len(alone.bound)
    used = {u.module for u in shared.tables.uses}
    assert "shared_fp16" in used  # only the modules whose records it needs are recorded


def _dump(header: str) -> ir.APIDocument:
    pytest.importorskip("clang.cindex", reason="dumping a header needs the frontend")
    from helpers import dump_header

    return dump_header(header)


def _fp16_of(fp8, docs):
    """The bindings of cuda_fp16.h the fp8 module uses: the first module of that IR this
    process imported (shared_fp16, or another test's module of the same IR)."""
    half2 = next(d.id for d in docs["cuda_fp16"].declarations if d.name == "__half2")
    owner = fp8._bindings.used[half2]
    assert owner.tables.ir_digest == ir_digest(docs["cuda_fp16"])
    return owner, half2


def test_one_numba_type_per_record(modules):
    tmp, docs, _ = modules
    fp8 = import_file(tmp / "shared_fp8.py")
    fp16, half2 = _fp16_of(fp8, docs)
    assert fp8._bindings.record_type(half2) is fp16.records[half2]


def _kernel(fp16, fp8):
    floats2half2 = fp16.exports["__floats2half2_rn"]
    fp8x2 = fp8.__nv_fp8x2_e4m3
    to_halfraw2 = fp8.__nv_cvt_fp8x2_to_halfraw2
    e4m3 = fp8.__nv_fp8_interpretation_t.__NV_E4M3

    def kernel(out):
        pair = fp8x2(floats2half2(np.float32(1.5), np.float32(-2.0)))  # fp16's __half2
        raw = to_halfraw2(pair.__x, e4m3)  # fp16's __half2_raw
        out[0] = raw.x
        out[1] = raw.y

    return kernel


def test_kernel_over_two_modules_compiles_and_links(modules):
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    tmp, docs, _ = modules
    fp8 = import_file(tmp / "shared_fp8.py")
    fp16, _ = _fp16_of(fp8, docs)
    bundles = [fp16.bundle, fp8._bindings.bundle]
    source = link_kernel(_kernel(fp16, fp8), (types.uint16[::1],), bundles)
    assert "__nv_fp8x2_e4m3(" in source and "__floats2half2_rn(" in source


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_kernel_over_two_modules_runs(modules):
    tmp, docs, _ = modules
    fp8 = import_file(tmp / "shared_fp8.py")
    fp16, _ = _fp16_of(fp8, docs)
    out = np.zeros(2, np.uint16)
    cuda.jit(_kernel(fp16, fp8))[1, 1](out)
    # 1.5 and -2.0 are exact in e4m3; back as fp16 bits.
    assert out.tolist() == np.array([1.5, -2.0], np.float16).view(np.uint16).tolist()


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd)


def test_missing_used_module_says_which(modules, tmp_path):
    tmp, _, _ = modules
    (tmp_path / "shared_fp8.py").write_text((tmp / "shared_fp8.py").read_text())
    write_runtime(tmp_path)
    r = _run("import shared_fp8", tmp_path)
    assert r.returncode != 0
    assert "needs the bindings module 'shared_fp16'" in r.stderr


def test_used_module_from_another_ir_says_so(modules, tmp_path):
    tmp, docs, _ = modules
    fp16 = docs["cuda_fp16"]
    header = msgspec.structs.replace(fp16.header, defines=[*fp16.header.defines, "OTHER=1"])
    edited = msgspec.structs.replace(fp16, header=header)  # another IR of the same header
    _emit(tmp_path, "shared_fp16", edited)
    _emit(tmp_path, "shared_bf16", docs["cuda_bf16"])
    (tmp_path / "shared_fp8.py").write_text((tmp / "shared_fp8.py").read_text())
    r = _run("import shared_fp8", tmp_path)
    assert r.returncode != 0
    assert "module 'shared_fp16' was generated from another IR" in r.stderr


def test_constructors_chosen_as_cpp_does(modules):
    """Which fp8 constructor a Numba argument reaches: the one C++ overload resolution picks
    (int8 promotes to int; float16 is __half exactly; a literal is an int)."""
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    tmp, _, _ = modules
    fp8 = import_file(tmp / "shared_fp8.py")
    e5m2 = fp8.__nv_fp8_e5m2

    def kernel(i8, h, out):
        out[0] = e5m2(i8[0]).__x + e5m2(h[0]).__x + e5m2(3).__x

    # The same IR imported earlier in this process shares this bundle: only this kernel's.
    fp8._bindings.bundle.used.clear()
    source = link_kernel(
        kernel, (types.int8[::1], types.float16[::1], types.uint8[::1]), fp8._bindings.bundle
    )
    assert "__nv_fp8_e5m2(*static_cast<int *>(a0))" in source
    assert "__nv_fp8_e5m2(*static_cast<__half *>(a0))" in source
    assert "static_cast<short *>" not in source and "static_cast<float *>" not in source
