"""The package layout's contracts: import directions and the public IR API."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import numbast.ir as ir


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


ROOT = Path(__file__).resolve().parents[2]
# Which of our packages each one may import (lazy imports inside functions included).
ALLOWED = {
    "ir": {"ir"},
    "frontend": {"ir", "frontend"},
    "backend": {"ir", "backend"},
    "tools": {"ir", "frontend", "backend", "tools"},
}


def _imports(path: Path) -> set[str]:
    """Our subpackages a source file imports anywhere in it, relative imports resolved."""
    package = path.relative_to(ROOT).parts[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the file's own top-level package, or above it
                depth = len(path.relative_to(ROOT).parts) - 1
                if node.level > depth:
                    names = [f"numbast.{node.module or ''}"]
                else:
                    names = [f"numbast.{package}"]
            else:
                names = [node.module or ""]
                if node.module == "numbast":
                    names = [f"numbast.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "numbast" and len(parts) > 1 and parts[1] in ALLOWED:
                found.add(parts[1])
            if parts[0] in ("clang", "numba", "numba_cuda"):
                found.add(parts[0])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_import_directions(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        used = _imports(path)
        ours = {u for u in used if u in ALLOWED}
        assert ours <= ALLOWED[package], (
            f"{path.relative_to(ROOT)} imports {ours - ALLOWED[package]}"
        )
        if package in ("ir", "backend"):
            assert "clang" not in used, f"{path.relative_to(ROOT)} imports clang"
        if package in ("ir", "frontend"):
            assert not used & {"numba", "numba_cuda"}, f"{path.relative_to(ROOT)} imports numba"


def test_runtime_imports_nothing_of_numbast():
    """The runtime is copied beside static modules: it may import only itself and numba-cuda."""
    for path in sorted((ROOT / "backend" / "runtime").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.level == 1, f"{path.name} reaches outside the runtime package"
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "numbast" for n in names), path.name


def test_ir_and_backend_never_load_clang():
    loaded = _modules_after("import numbast.ir, numbast.backend")
    assert not {m for m in loaded if m.startswith("clang")}
    assert "numbast.frontend" not in loaded


def test_frontend_does_not_load_numba_or_the_backend():
    loaded = _modules_after("import numbast.frontend, numbast.frontend.walk")
    numba = {m for m in loaded if m.split(".")[0] in ("numba", "numba_cuda")}
    assert not numba and "numbast.backend" not in loaded


def test_frontend_loads_clang_on_first_use():
    """A dump answered from the cache never needs libclang: importing the walk loads none."""
    walk = (ROOT / "frontend" / "walk").glob("*.py")
    modules = [f"numbast.frontend.walk.{p.stem}" for p in walk if p.stem != "__init__"]
    loaded = _modules_after(f"import numbast.frontend.types, {', '.join(modules)}")
    assert "numbast.frontend.walk.records" in loaded
    assert not {m for m in loaded if m.startswith("clang")}


def test_public_ir_api():
    assert set(ir.__all__) <= set(dir(ir))
    for name in (
        "APIDocument",
        "load",
        "loads",
        "save",
        "dumps",
        "check",
        "DependencyGraph",
        "IRError",
        "IR_VERSION",
        "json_schema",
    ):
        assert name in ir.__all__


def test_every_package_is_installed():
    """A wheel holds only the packages pyproject.toml lists: every folder with an
    __init__.py must be there."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    skip = {".venv", "tests", "benchmarks", "build"}
    found = {
        ".".join(["numbast", *p.parent.relative_to(ROOT).parts])
        for p in ROOT.rglob("__init__.py")
        if not (set(p.relative_to(ROOT).parts) & skip) and "_numbast_runtime" not in p.parts
    }
    assert found - listed == set()


def test_one_error_root():
    """Every error class of the stages derives from NumbastError, which the command lines
    catch (the bindings runtime imports nothing of numbast and keeps its own)."""
    import importlib

    found = []
    for folder in ("ir", "frontend", "backend", "tools"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "runtime" in path.relative_to(ROOT).parts:
                continue
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.ClassDef) and node.name.endswith("Error"):
                    module = ".".join(["numbast", *path.relative_to(ROOT).with_suffix("").parts])
                    found.append(getattr(importlib.import_module(module), node.name))
    assert len(found) >= 5
    assert [c.__name__ for c in found if not issubclass(c, ir.NumbastError)] == []
