"""NVIDIA Numbast's YAML configs: `numbast emit --config x.yml` and `numbast config convert`."""

from __future__ import annotations

import subprocess
import sys

import msgspec
import pytest

from helpers import DATA
from numbast.backend.config import BindConfig
from numbast.tools.numbast_yaml import read_numbast_yaml

FP8 = DATA / "numbast_configs" / "cuda_fp8.yml"


def test_fields_map_onto_our_config():
    cfg = read_numbast_yaml(FP8)
    c = cfg.config
    assert cfg.entry_point == "cuda_fp8.h" and cfg.retain == ["cuda_fp8.h", "cuda_fp8.hpp"]
    assert cfg.arch == "sm_90"
    # Each kind's prefixes apply to that kind's names only.
    assert c.strip_prefix == []
    assert c.strip_prefix_of == {
        "function": ["__nv_"],
        "record": ["__nv_"],
        "enum": ["__nv_", "__NV_"],
    }
    assert c.strip_enumerator_prefix == ["__nv_", "__NV_"]
    assert c.opaque == ["__nv_fp8_e4m3", "__nv_fp8_e5m2"]  # PrimitiveModel
    assert c.shim.includes == ["<cuda_fp8.h>"]
    assert "__internal*" in c.internal and len(set(c.internal)) == len(c.internal)


def test_function_prefixes_leave_enum_names_whole(tmp_path):
    """nvshmem4py's `Function: [nvshmem_, nvshmemx_]`: `nvshmemx_smem_amount_t` stays."""
    from helpers import dump_header
    from numbast.backend.plan import plan_bindings

    header = tmp_path / "lib.cuh"
    header.write_text(
        "enum nvshmemx_mode_t { NVSHMEMX_ON = 1 };\n"
        "struct nvshmemx_pair_t { int a; };\n"
        "__device__ inline int nvshmemx_twice(int x) { return 2 * x; }\n"
        "__device__ inline int nvshmem_once(int x) { return x; }\n"
    )
    cfg = tmp_path / "c.yml"
    cfg.write_text("API Prefix Removal:\n  Function: [nvshmem_, nvshmemx_]\n")
    plan = plan_bindings(dump_header(header), read_numbast_yaml(cfg).config)
    exported = set(plan.tables.exports())
    assert {"twice", "once", "nvshmemx_mode_t", "nvshmemx_pair_t"} <= exported
    assert not {"mode_t", "pair_t", "nvshmemx_twice"} & exported


@pytest.mark.parametrize("name", ["cuda_bf16", "cuda_fp16", "cuda_fp8"])
def test_convert_prints_the_equivalent_toml(name):
    path = DATA / "numbast_configs" / f"{name}.yml"
    r = subprocess.run(
        [sys.executable, "-m", "numbast.tools.numbast_cli", "config", "convert", str(path)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert f"# Dump its header with: canopy dump {name}.h" in r.stdout
    again = msgspec.toml.decode(r.stdout, type=BindConfig)
    assert again == read_numbast_yaml(path).config


@pytest.mark.parametrize(
    "text, message",
    [
        ("Entry Point: x.h\nOutput Style: fancy\n", "'Output Style': not a Numbast config key"),
        ("Module Callbacks: {a: b}\n", "'Module Callbacks': expected setup and teardown"),
        (
            "Module Callbacks: {setup: \"lambda x: __import__('os').system('ls')\"}\n",
            "other code is not run",
        ),
        ("Module Callbacks: {setup: 'lambda x: f(x, 2)'}\n", "other code is not run"),
        ("Additional Import: ['os; import sys']\n", "not a dotted Python name"),
        ("Cooperative Launch Required Functions Regex: ['(']\n", "not a regular expression"),
        ("GPU Arch: [sm_80, sm_90]\n", "one GPU architecture per module"),
        ("Function Argument Intents: {f: {x: sideways}}\n", "intent 'sideways' of x is not one"),
        ("Exclude: [f]\n", "'Exclude': expected a mapping"),
        ("Types: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_configs_name_the_key(tmp_path, text, message):
    path = tmp_path / "c.yml"
    path.write_text(text)
    r = subprocess.run(
        [sys.executable, "-m", "numbast.tools.numbast_cli", "config", "convert", str(path)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 1 and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_emit_from_a_numbast_config_alone(tmp_path):
    """One command, as a Numbast user runs it: the config's Entry Point is dumped and bound."""
    pytest.importorskip("clang.cindex", reason="dumping the entry point needs the frontend")
    out = tmp_path / "fp8.py"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "numbast.tools.numbast_cli",
            "emit",
            "--config",
            str(FP8),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert 'name="fp8_e5m2"' in text and '("NOSAT", 0)' in text
    assert "cvt_float_to_fp8" in text and '"__nv_cvt_float_to_fp8"' not in text


def test_a_yaml_config_binds_a_local_header_from_anywhere(tmp_path):
    """A Numbast YAML config beside the user's own header: its paths are relative to the
    config, the macros reach the shims, and `Source Files` (ours) names the library's .cu."""
    import shutil

    lib = tmp_path / "userlib"
    shutil.copytree(DATA / "userlib", lib)
    (lib / "userlib.yml").write_text(
        "Name: userlib\n"
        "Entry Point: include/userlib.cuh\n"
        "File List: [include/userlib.cuh]\n"
        "Predefined Macros: [USERLIB_SCALE=3]\n"
        "Source Files: [src/userlib.cu]\n"
        "GPU Arch: [sm_90]\n"
    )
    away = tmp_path / "elsewhere"
    away.mkdir()
    r = subprocess.run(
        [sys.executable, "-m", "numbast.tools.numbast_cli", "emit"]
        + ["--config", str(lib / "userlib.yml"), "-o", str(lib / "m.py")],
        capture_output=True,
        text=True,
        cwd=away,
    )
    assert r.returncode == 0, r.stderr
    assert "5 bound, 0 skipped" in r.stderr
    text = (lib / "m.py").read_text()
    assert 'sources=("src/userlib.cu",)' in text and "#define USERLIB_SCALE 3" in text


def test_nvshmem4py_module_keys_map_onto_module_section(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text(
        "Additional Import:\n  - nvshmem.bindings\n"
        "Module Callbacks:\n"
        '  setup: "lambda x: nvshmem.bindings.cumodule_init(int(x))"\n'
        '  teardown: "lambda m: nvshmem.bindings.cumodule_finalize(m)"\n'
        "Cooperative Launch Required Functions Regex:\n  - 'nvshmemx?_.*_collective'\n"
    )
    c = read_numbast_yaml(path).config
    assert c.module.imports == ["nvshmem.bindings"]
    assert c.module.setup == "nvshmem.bindings.cumodule_init"
    assert c.module.teardown == "nvshmem.bindings.cumodule_finalize"
    assert c.cooperative("nvshmemx_barrier_all_collective") and not c.cooperative("nvshmem_p")


def _nvshmem4py_like(tmp_path, arch: str = "sm_90"):
    """A library laid out as NVSHMEM is, and a config with the keys nvshmem4py's uses."""
    inc = tmp_path / "include"
    (inc / "device").mkdir(parents=True)
    (inc / "lib.h").write_text(
        "#pragma once\n#ifndef LIB_NUMBA\n#error the bindings define LIB_NUMBA\n#endif\n"
        "#define LIB_DECL(T, N) __device__ inline T lib_##N##_one() { return (T)1; }\n"
    )
    (inc / "device" / "lib_defines.h").write_text(
        '#pragma once\n#include "lib.h"\nLIB_DECL(int, int)\nLIB_DECL(float, float)\n'
        "enum libx_mode_t { LIBX_ON = 1 };\n"
        "__device__ inline int libx_twice(int x) { return 2 * x; }\n"
    )
    build = tmp_path / "build"
    build.mkdir()
    (build / "entry_point.h").write_text("#include <lib.h>\n#include <device/lib_defines.h>\n")
    cfg = build / "config.yml"
    cfg.write_text(
        f"Name: NVSHMEM-like\nEntry Point: {build / 'entry_point.h'}\nFile List:\n"
        f"  - {inc / 'device' / 'lib_defines.h'}\nGPU Arch:\n  - {arch}\n"
        f"Clang Include Paths:\n  - {inc}\nMacro-expanded Function Prefixes:\n  - lib_\n"
        "Predefined Macros:\n  - LIB_NUMBA\n"
        "API Prefix Removal:\n  Function:\n    - lib_\n    - libx_\n"
        'Shim Include Override: "\\"entry_point.h\\""\n'
    )
    out = tmp_path / "elsewhere"
    out.mkdir()
    return cfg, out


def _emit_yaml(cfg, out):
    return subprocess.run(
        [sys.executable, "-m", "numbast.tools.numbast_cli", "emit", "--config", str(cfg)]
        + ["-o", str(out / "lib_device.py")],
        capture_output=True,
        text=True,
        cwd=out,
    )


def test_nvshmem4py_keys_bind_verified(tmp_path):
    """Macro-made functions under Function prefixes, the override header found beside the
    Entry Point, the Predefined Macros reaching the shims: everything binds, verified."""
    pytest.importorskip("numba.cuda", reason="verification compiles with NVRTC")
    cfg, out = _nvshmem4py_like(tmp_path)
    r = _emit_yaml(cfg, out)
    assert r.returncode == 0, r.stderr
    assert "4 bound, 0 skipped" in r.stderr
    text = (out / "lib_device.py").read_text()
    for name in ("int_one", "float_one", "twice", "libx_mode_t"):
        assert f"{name} = " in text


def test_an_arch_nvrtc_lacks_is_one_line_naming_the_lowest(tmp_path):
    pytest.importorskip("numba.cuda", reason="verification compiles with NVRTC")
    from numbast.backend.runtime.compiler import supported_archs

    if not supported_archs() or 70 in supported_archs():
        pytest.skip("this NVRTC compiles for sm_70")
    cfg, out = _nvshmem4py_like(tmp_path, "sm_70")
    r = _emit_yaml(cfg, out)
    assert r.returncode != 0 and not (out / "lib_device.py").exists()
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "'GPU Arch'" in lines[0]
    assert f"the lowest it has is sm_{min(supported_archs())}" in lines[0]
