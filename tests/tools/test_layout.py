"""The package layout's contracts: import directions and the public IR API."""

from __future__ import annotations

import subprocess
import sys

import numbast.ir as ir


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_ir_and_backend_never_load_clang():
    loaded = _modules_after("import numbast.ir, numbast.backend")
    assert not {m for m in loaded if m.startswith("clang")}
    assert "numbast.frontend" not in loaded


def test_frontend_does_not_load_numba_or_the_backend():
    loaded = _modules_after("import numbast.frontend, numbast.frontend.visitor")
    numba = {m for m in loaded if m.split(".")[0] in ("numba", "numba_cuda")}
    assert not numba and "numbast.backend" not in loaded


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
