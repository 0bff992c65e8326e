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
    from numbast.backend.plan import plan_bindings

    from helpers import dump_header

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
        ("Module Callbacks: {a: b}\n", "'Module Callbacks': not supported"),
        ("Additional Import: [numpy]\n", "numbast emit --use"),
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
