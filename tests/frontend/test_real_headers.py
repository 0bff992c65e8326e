"""Real CUDA headers from the pip `cuda-toolkit` wheels: what the IR must hold."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import by_name, dump_header, one
from numbast import ir
from numbast.frontend.cuda import find_cuda_headers


@pytest.fixture(scope="module")
def bf16() -> ir.APIDocument:
    return dump_header("cuda_bf16.h")


def _device_functions(doc):
    return [
        d
        for d in doc.declarations
        if isinstance(d, ir.Function) and d.exec_space in ("device", "host_device")
    ]


def test_bf16_functions_records_typedefs(bf16):
    funcs = _device_functions(bf16)
    assert len(funcs) >= 270
    names = {f.name for f in funcs}
    assert {"__hadd", "__hmul", "__hfma", "hsqrt", "hexp", "__float2bfloat16", "__heq"} <= names
    # every overload is kept: __hadd for __nv_bfloat16, and __hadd2 for the pair type
    assert len(by_name(bf16, "__hmul_rn")) == 1 and len(by_name(bf16, "atomicAdd")) >= 2
    hadd = one(bf16, "__hadd")
    assert [p.type.spelling for p in hadd.params] == ["const __nv_bfloat16", "const __nv_bfloat16"]
    assert hadd.return_type.decl == "c:@S@__nv_bfloat16"
    for name, size in [
        ("__nv_bfloat16", 2),
        ("__nv_bfloat162", 4),
        ("__nv_bfloat16_raw", 2),
        ("__nv_bfloat162_raw", 4),
    ]:
        rec = one(bf16, name, "record")
        assert (rec.size, rec.align) == (size, size)
    pair = one(bf16, "__nv_bfloat162", "record")
    assert [(f.name, f.offset) for f in pair.fields] == [("x", 0), ("y", 16)]
    typedefs = {d.name for d in bf16.declarations if isinstance(d, ir.Typedef)}
    assert {"nv_bfloat16", "nv_bfloat162", "__nv_bfloat16_raw"} <= typedefs
    ops = {f.operator for f in funcs if f.operator}
    assert {"+", "-", "*", "/", "==", "<", "+=", "++"} <= ops
    files = {d.location.file for d in bf16.declarations}
    assert files <= {"cuda_bf16.h", "cuda_bf16.hpp"}
    assert [i.path for i in bf16.header.inputs] == ["cuda_bf16.h", "cuda_bf16.hpp"]
    assert bf16.header.cuda.version == find_cuda_headers().version
    assert ir.check(bf16) == []


@pytest.mark.parametrize(
    "header, record, size",
    [
        ("cuda_fp16.h", "__half", 2),
        ("cuda_fp8.h", "__nv_fp8_e4m3", 1),
        ("vector_types.h", "float4", 16),
    ],
)
def test_other_cuda_headers(header, record, size):
    doc = dump_header(header)
    assert ir.check(doc) == []
    rec = one(doc, record, "record")
    assert rec.size == size
    if header != "vector_types.h":
        assert len(_device_functions(doc)) >= 40


def test_block_scan_class_template():
    doc = dump_header("cub/block/block_scan.cuh", retain=["cub/block/block_scan.cuh"])
    assert ir.check(doc) == []
    scan = one(doc, "cub::BlockScan", "class_template")
    assert scan.id == "c:@N@cub@ST>5#T#NI#N$@N@cub@E@BlockScanAlgorithm#NI#NI@BlockScan"
    params = [(p.kind, p.name, p.default) for p in scan.template_params]
    assert params[0] == ("type", "T", None)
    assert params[1][:2] == ("non_type", "BlockDimX")
    assert params[2] == ("non_type", "Algorithm", "BLOCK_SCAN_RAKING")
    assert params[3:] == [("non_type", "BlockDimY", "1"), ("non_type", "BlockDimZ", "1")]
    public = {m.name for m in scan.methods if m.access == "public"}
    assert {"InclusiveSum", "ExclusiveSum", "InclusiveScan", "ExclusiveScan"} <= public
    assert len([m for m in scan.methods if m.name == "ExclusiveSum"]) >= 6
    ctors = [c for c in scan.constructors if c.access == "public"]
    assert any(c.params and "TempStorage" in c.params[0].type.spelling for c in ctors)
    temp = one(doc, "cub::BlockScan::TempStorage", "record")
    assert temp.parent == scan.id and temp.id in scan.nested
    # CUB's inline namespace (changes with arch and release) is not part of ids or names
    assert not any("CUB_" in d.id or "CUB_" in d.qualified_name for d in doc.declarations)
    algo = one(doc, "cub::BlockScanAlgorithm", "enum")
    assert [e.name for e in algo.enumerators][:3] == [
        "BLOCK_SCAN_RAKING",
        "BLOCK_SCAN_RAKING_MEMOIZE",
        "BLOCK_SCAN_WARP_SCANS",
    ]


def test_ids_survive_an_edited_header(tmp_path: Path, bf16):
    """A copy of cuda_bf16.h with lines moved and one function's body edited keeps every id."""
    include = find_cuda_headers().include
    for name in ("cuda_bf16.h", "cuda_bf16.hpp"):
        shutil.copy(include / name, tmp_path / name)
    h = tmp_path / "cuda_bf16.h"
    h.write_text("// moved\n\n\n" + h.read_text())
    hpp = tmp_path / "cuda_bf16.hpp"
    text = hpp.read_text()
    body = text.index(")\n{") + 3  # the first function body opening on its own line
    hpp.write_text(text[:body] + "\n    /* edited */ (void)0;" + text[body:])
    edited = dump_header(h)
    before = {d.id: d for d in bf16.declarations}
    after = {d.id: d for d in edited.declarations}
    assert set(before) == set(after)
    moved = [i for i in before if before[i].location != after[i].location]
    assert moved, "the edit should have moved declarations"
    assert [d.location.file for d in edited.declarations] == [
        d.location.file for d in bf16.declarations
    ]


@pytest.mark.parametrize("header", ["cuda_bf16.h", "cuda_fp16.h", "records.cuh"])
def test_triviality_agrees_with_clang(tmp_path: Path, header):
    """Our trivially_copyable / trivially_destructible equal clang's own type traits."""
    from helpers import DATA

    path = DATA / header if (DATA / header).exists() else header
    doc = dump_header(path)
    checks = []
    for d in doc.declarations:
        if isinstance(d, ir.Record) and d.trivially_copyable is not None and not d.anonymous:
            name = d.qualified_name
            checks.append(
                f"static_assert(__is_trivially_copyable({name}) == "
                f'{str(d.trivially_copyable).lower()}, "{name} copy");'
            )
            checks.append(
                f"static_assert(__is_trivially_destructible({name}) == "
                f'{str(d.trivially_destructible).lower()}, "{name} dtor");'
            )
    assert len(checks) >= 4
    probe = tmp_path / "probe.cuh"
    probe.write_text(f'#include "{path}"\n' + "\n".join(checks) + "\n")
    result = dump_header(probe, keep_going=True)
    assert [x.message for x in result.header.diagnostics if x.severity != "warning"] == []


def _split_layout(tmp_path: Path) -> tuple[Path, Path]:
    """CUDA 12's per-component wheels, made from the real headers: cudart's folder without
    crt/, and nvcc's folder holding crt/."""
    include = find_cuda_headers().include
    runtime, nvcc = tmp_path / "cuda_runtime" / "include", tmp_path / "cuda_nvcc" / "include"
    runtime.mkdir(parents=True)
    nvcc.mkdir(parents=True)
    for entry in include.iterdir():
        (nvcc if entry.name == "crt" else runtime).joinpath(entry.name).symlink_to(entry)
    return runtime, nvcc


def test_split_pip_layout_finds_crt_in_the_nvcc_wheel(tmp_path: Path, monkeypatch):
    from types import SimpleNamespace

    from cuda import pathfinder

    from numbast.frontend.cuda import split_layout_parts

    runtime, nvcc = _split_layout(tmp_path)
    folders = {"cudart": runtime, "nvcc": nvcc, "curand": runtime}

    def locate(name):
        folder = folders.get(name)
        return None if folder is None else SimpleNamespace(abs_path=str(folder), found_via="x")

    assert split_layout_parts(runtime, locate) == (nvcc.resolve(),)
    monkeypatch.setattr(pathfinder, "locate_nvidia_header_directory", locate)
    found = find_cuda_headers()
    assert found.include == runtime.resolve() and found.extra == (nvcc.resolve(),)
    # the split folders parse: crt/host_defines.h is found through the extra folder
    doc = dump_header("cuda_fp16.h", cuda_include=[str(runtime), str(nvcc)])
    assert by_name(doc, "__hadd")

    folders["nvcc"] = runtime  # a layout without crt anywhere: one line naming the fix
    from numbast.frontend.errors import FrontendError

    with pytest.raises(FrontendError, match=r"lack crt/host_defines.h: pip install"):
        split_layout_parts(runtime, locate)
    with pytest.raises(FrontendError, match=r"cuda_runtime/include: the CUDA headers lack crt"):
        dump_header("cuda_fp16.h", cuda_include=[str(runtime)])
