"""A library author's own header, the way a new user meets it: a folder of their own (headers
under include/, the implementation under src/), commands run from another working directory,
and `numbast check` proving what was bound. Sample: tests/data/userlib/."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import DATA

pytest.importorskip("clang.cindex", reason="dumping a header needs the frontend")
pytest.importorskip("numba.cuda", reason="emitting verified bindings needs numba-cuda (NVRTC)")

MODULES = {"canopy": "numbast.tools.canopy", "numbast": "numbast.tools.numbast_cli"}


def cli(prog: str, *args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", MODULES[prog], *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


@pytest.fixture
def lib(tmp_path) -> Path:
    """The sample library copied into a folder of the user's, with a working folder elsewhere."""
    shutil.copytree(DATA / "userlib", tmp_path / "userlib")
    (tmp_path / "elsewhere").mkdir()
    return tmp_path / "userlib"


def _not_bound(module: Path) -> str:
    text = module.read_text()
    return text[text.index("_NOT_BOUND = ") :]


def test_own_header_binds_whole_from_another_folder(lib):
    """Dump and emit from another working directory; every declaration is bound, including
    the functions defined in the library's .cu (given by the config), and check proves it."""
    away = lib.parent / "elsewhere"
    header = lib / "include" / "userlib.cuh"
    r = cli("canopy", "dump", header, "-D", "USERLIB_SCALE=3", "-o", lib / "userlib.json", cwd=away)
    assert r.returncode == 0, r.stderr
    module = lib / "userlib_bindings.py"
    r = cli(
        "numbast", "emit", lib / "userlib.json", "--config", lib / "userlib.toml", "-o", module,
        cwd=away,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "5 bound, 0 skipped" in r.stderr, r.stderr
    assert _not_bound(module).startswith("_NOT_BOUND = ()")
    text = module.read_text()
    # The module finds the headers and the .cu under its folder, wherever it is imported
    # from (the folder can move as a whole); folders elsewhere are recorded absolutely.
    assert 'include_dirs=("include",)' in text
    assert 'sources=("src/userlib.cu",)' in text
    assert "#define USERLIB_SCALE 3" in text  # the dump's -D reaches the shims
    r = cli("numbast", "check", module, cwd=away)
    assert r.returncode == 0, r.stdout + r.stderr
    # Point(float32, float32), dot, scaled, and the .cu's poly and gcd
    assert "5 bindings passed, 0 failed" in r.stderr


def test_declared_only_functions_name_the_missing_implementation(lib):
    r = cli(
        "canopy", "dump", "include/userlib.cuh", "-D", "USERLIB_SCALE=3", "-o", "u.json", cwd=lib
    )
    assert r.returncode == 0, r.stderr
    r = cli("numbast", "emit", "u.json", "-o", "u.py", cwd=lib)  # no config: no .cu
    assert r.returncode == 0, r.stderr
    skipped = _not_bound(lib / "u.py")
    assert "float poly(float x)" in skipped and "int gcd(int a, int b)" in skipped
    assert "[shim] sources" in skipped
    assert "dot(" not in skipped and "scaled(" not in skipped


def test_headers_that_do_not_compile_are_one_error_not_silent_skips(lib):
    """The IR moved away from its headers: no declaration is at fault, so emit fails with one
    line naming the header and the fix, and writes nothing."""
    away = lib.parent / "elsewhere"
    r = cli(
        "canopy", "dump", "include/userlib.cuh", "-D", "USERLIB_SCALE=3", "-o", "u.json", cwd=lib
    )
    assert r.returncode == 0, r.stderr
    shutil.move(lib / "u.json", away / "u.json")
    r = cli("numbast", "emit", "u.json", "-o", "u.py", cwd=away)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("numbast: error: "), r.stderr
    assert 'cannot open source file "userlib.cuh"' in lines[0] and "-I DIR" in lines[0]
    assert not (away / "u.py").exists()


def test_a_missing_macro_is_one_error(lib):
    """The config overrides the dump's macro with one the header rejects."""
    r = cli(
        "canopy", "dump", "include/userlib.cuh", "-D", "USERLIB_SCALE=3", "-o", "u.json", cwd=lib
    )
    assert r.returncode == 0, r.stderr
    (lib / "bad.toml").write_text('[shim]\ndefines = { USERLIB_SCALE = "undefined_name" }\n')
    r = cli("numbast", "emit", "u.json", "--config", "bad.toml", "-o", "u.py", cwd=lib)
    assert r.returncode == 1
    assert "userlib_detail.h:6" in r.stderr and "[shim] defines" in r.stderr, r.stderr
    assert not (lib / "u.py").exists()


def test_config_include_dirs_are_relative_to_the_config(lib):
    """`[shim] include_dirs` resolve against the config's folder, in verification and at run
    time alike, wherever emit runs from."""
    away = lib.parent / "elsewhere"
    r = cli(
        "canopy", "dump", "include/userlib.cuh", "-D", "USERLIB_SCALE=3", "-o", "u.json", cwd=lib
    )
    assert r.returncode == 0, r.stderr
    shutil.move(lib / "u.json", away / "u.json")  # the IR alone cannot find the headers
    (lib / "cfg.toml").write_text(
        '[shim]\ninclude_dirs = ["include"]\nsources = ["src/userlib.cu"]\n'
    )
    r = cli("numbast", "emit", "u.json", "--config", lib / "cfg.toml", "-o", lib / "u.py", cwd=away)
    assert r.returncode == 0, r.stderr
    assert "5 bound, 0 skipped" in r.stderr
    assert 'include_dirs=("include",)' in (lib / "u.py").read_text()


def test_bad_implementation_files_are_errors(lib):
    r = cli(
        "canopy", "dump", "include/userlib.cuh", "-D", "USERLIB_SCALE=3", "-o", "u.json", cwd=lib
    )
    assert r.returncode == 0, r.stderr
    for body, expected in (
        ('sources = ["src/missing.cu"]', "$.shim.sources[0]: src/missing.cu: no such file"),
        ('link = ["userlib.toml"]', "$.shim.link[0]: userlib.toml: expected a"),
    ):
        (lib / "bad.toml").write_text(f"[shim]\n{body}\n")
        r = cli("numbast", "emit", "u.json", "--config", "bad.toml", "-o", "u.py", cwd=lib)
        assert r.returncode == 1 and expected in r.stderr, r.stderr
        assert not (lib / "u.py").exists()


def test_companions_are_headers_only(lib):
    """Files a user keeps beside a header (its IR, a YAML config, bindings) are no
    companions: only C++ files sharing the stem are retained with it."""
    inc = lib / "include"
    for name in ("userlib.json", "userlib.yml", "userlib.py"):
        (inc / name).write_text("{}\n")
    (inc / "userlib.inl").write_text("__device__ inline int from_inl() { return 1; }\n")
    (inc / "userlib.cuh").write_text((inc / "userlib.cuh").read_text() + '#include "userlib.inl"\n')
    r = cli("canopy", "dump", "include/userlib.cuh", "-D", "USERLIB_SCALE=3", cwd=lib)
    assert r.returncode == 0, r.stderr
    assert '"path": "userlib.inl"' in r.stdout and "from_inl" in r.stdout
    for name in ("userlib.json", "userlib.yml", "userlib.py"):
        assert f'"path": "{name}"' not in r.stdout


@pytest.mark.parametrize("prog", ["canopy", "numbast"])
def test_output_into_a_missing_folder_fails_before_any_work(lib, prog):
    target = lib / "missing" / "out"
    args = ["dump", "include/userlib.cuh"] if prog == "canopy" else ["emit", "u.json"]
    r = cli(prog, *args, "-o", target, cwd=lib)
    assert r.returncode == 1
    assert r.stderr.strip() == f"{prog}: error: {target.parent}: no such folder for -o"


def test_committed_userlib_ir_is_current():
    """tests/data/ir/userlib.json (the GPU test's IR, which needs no libclang) matches a fresh
    dump of the sample."""
    from helpers import dump_header
    from numbast import ir

    committed = ir.load(DATA / "ir" / "userlib.json")
    fresh = dump_header(DATA / "userlib" / "include" / "userlib.cuh", defines=["USERLIB_SCALE=3"])
    assert committed.declarations == fresh.declarations, (
        "regenerate: canopy dump tests/data/userlib/include/userlib.cuh -D USERLIB_SCALE=3 "
        "-o tests/data/ir/userlib.json"
    )
    assert ir.root_folders(committed, "/") == [str(DATA / "userlib" / "include")]


@pytest.mark.parametrize("mode", ["static", "dynamic"])
def test_userlib_kernel_links_without_a_gpu(mode, tmp_path):
    """The GPU test's kernel, compiled and linked for sm_90 with the library's .cu (no GPU):
    in both modes, from the committed IR, from another working directory."""
    import os

    from numba.cuda import types

    import numbast
    from bind_helpers import import_file
    from numbast import ir
    from numbast.backend import load_config
    from numbast.backend.check import link_kernel
    from numbast.backend.emit import emit_module, write_module
    from numbast.backend.includes import Places

    lib, api = DATA / "userlib", DATA / "ir" / "userlib.json"
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        if mode == "dynamic":
            m = numbast.bind(api, config=lib / "userlib.toml")
        else:
            places = Places(config_folder=lib, module_folder=tmp_path)
            text, _ = emit_module(
                ir.load(api), b"", "t", load_config(lib / "userlib.toml"), places=places
            )
            write_module(tmp_path / "u.py", text)
            m = import_file(tmp_path / "u.py")
        Point, dot, scaled, poly, gcd = m.Point, m.dot, m.scaled, m.poly, m.gcd

        def kernel(x, a, out, n):
            p = Point(x[0], x[1])
            out[0] = dot(p, scaled(p)) + poly(x[0])
            n[0] = gcd(a[0], a[1])

        f32, i32 = types.float32[::1], types.int32[::1]
        source = link_kernel(kernel, (f32, i32, f32, i32), m._bindings.bundle)
    finally:
        os.chdir(old)
    assert "#define USERLIB_SCALE 3" in source
