"""Golden generated modules: each sample header's bindings module is checked in under
tests/data/golden/bindings/, so a change to the emitter shows up as a reviewable diff
(NUMBAST_UPDATE_GOLDEN=1 rewrites them). Regenerating after an edit to one declaration changes
only that binding's lines and the IR digest."""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import DATA, GOLDEN, UPDATE, dump_header
from numbast.backend.emit import emit_module
from numbast.backend.includes import Places

pytest.importorskip("clang.cindex", reason="dumping the sample headers needs the frontend")

SAMPLES = sorted(p.stem for p in DATA.glob("*.cuh") if p.stem != "syntax_error")
GOLDEN_MODULES = GOLDEN / "bindings"
# Lines that depend on the installed toolchain, not on the header or the emitter.
_VOLATILE = re.compile(r'^(_IR_DIGEST|_CUDA) = "[^"]*"$', re.M)


def _module(header: Path) -> str:
    # As if written beside the header: its folder is recorded relative to the module.
    places = Places(module_folder=header.parent)
    text, _ = emit_module(
        dump_header(header), b"", f"numbast emit {header.stem}.json", places=places
    )
    return text


def _stable(text: str) -> str:
    return _VOLATILE.sub(lambda m: f'{m.group(1)} = "..."', text)


@pytest.mark.parametrize("name", SAMPLES)
def test_golden_module(name):
    text = _stable(_module(DATA / f"{name}.cuh"))
    path = GOLDEN_MODULES / f"{name}.py"
    if UPDATE:
        GOLDEN_MODULES.mkdir(exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"no golden module {path}; run with NUMBAST_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{path} differs: regenerate and review the diff"


def test_golden_modules_are_ruff_clean():
    paths = [str(GOLDEN_MODULES / f"{n}.py") for n in SAMPLES]
    for cmd in (["check", "--isolated", "--no-cache"], ["format", "--isolated", "--check"]):
        r = subprocess.run(
            [sys.executable, "-m", "ruff", *cmd, *paths], capture_output=True, text=True
        )
        assert r.returncode == 0, r.stdout + r.stderr


def _block(lines: list[str], start: str) -> range:
    """The lines of one binding: its signature comments through its closing parenthesis."""
    first = next(i for i, line in enumerate(lines) if line.startswith(start))
    end = next(i for i in range(first, len(lines)) if lines[i] == "        ),")
    return range(first, end + 1)


def test_editing_one_declaration_changes_only_its_binding(tmp_path):
    source = (DATA / "bind_sample.cuh").read_text()
    old_decl = "__device__ inline float length2(Vec2 v)"
    assert old_decl in source
    (tmp_path / "bind_sample.cuh").write_text(
        source.replace(old_decl, old_decl.replace("float", "double"))
    )
    before = _module(DATA / "bind_sample.cuh").splitlines()
    after = _module(tmp_path / "bind_sample.cuh").splitlines()
    block = _block(after, "        # length2:")
    changed = []
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, before, after).get_opcodes():
        if tag != "equal":
            changed += list(range(j1, j2)) or [j1]
    assert changed, "the edit changed nothing"
    stray = [after[i] for i in changed if i not in block and not after[i].startswith("_IR_DIGEST")]
    assert stray == []
    assert "        # length2: float64(Vec2)" in after
