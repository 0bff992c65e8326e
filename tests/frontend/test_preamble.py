"""The precompiled CUDA preamble in the user cache: same IR as a parse without it, rebuilt
when a file it covers changes, never served damaged."""

from __future__ import annotations

import hashlib
import json

from numbast import ir
from numbast.frontend import DumpOptions, dump


def _entries(cache):
    return sorted((cache / "preamble").glob("*.pch"))


def test_same_ir_with_and_without_the_preamble(tmp_path, monkeypatch):
    """The first dump of a set of arguments parses without a PCH, the second builds it, the
    third loads it: the same IR each time."""
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))
    options = DumpOptions(headers=["cuda_bf16.h"], use_cache=False)
    plain = dump(options)  # a one-off dump: no PCH made
    assert not _entries(tmp_path / "cache")
    made = dump(options)  # asked for again: built
    assert len(_entries(tmp_path / "cache")) == 1
    used = dump(options)  # loads it
    assert ir.dumps(made) == ir.dumps(used) == ir.dumps(plain)
    assert len(plain.declarations) > 300


def test_damaged_preamble_is_rebuilt_not_served(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))
    options = DumpOptions(headers=["cuda_fp16.h"], use_cache=False)
    dump(options)
    first = ir.dumps(dump(options))  # the second dump makes the PCH
    (pch,) = _entries(tmp_path / "cache")
    data = bytearray(pch.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = b"\0" * 4096  # clang would read this quietly
    pch.write_bytes(bytes(data))
    assert ir.dumps(dump(options)) == first
    entry = json.loads(pch.with_suffix(".json").read_text())
    assert pch.read_bytes() != bytes(data)  # replaced by a fresh build
    assert hashlib.sha256(pch.read_bytes()).hexdigest() == entry["pch"]


def test_editing_a_covered_header_rebuilds_the_preamble(tmp_path, monkeypatch):
    """A header the preamble covers (here a `cuda.h` that shadows CUDA's through -I)
    changes: the next dump sees the change."""
    from numbast.frontend.cuda import find_cuda_headers

    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))
    shadow = tmp_path / "inc" / "cuda.h"
    shadow.parent.mkdir()
    real = (find_cuda_headers().include / "cuda.h").read_text()
    probe = tmp_path / "probe.cuh"
    probe.write_text("enum Mark { mark = NUMBAST_PREAMBLE_MARK };\n")
    options = DumpOptions(headers=[str(probe)], include_dirs=[str(shadow.parent)], use_cache=False)

    def mark() -> int:
        (enum,) = [d for d in dump(options).declarations if d.name == "Mark"]
        return enum.enumerators[0].value

    shadow.write_text(real + "\n#define NUMBAST_PREAMBLE_MARK 1\n")
    assert mark() == 1 and mark() == 1  # the second dump makes the PCH
    (pch,) = _entries(tmp_path / "cache")
    shadow.write_text(real + "\n#define NUMBAST_PREAMBLE_MARK 2\n")  # same size, same second
    assert mark() == 2
    # Rebuilt, and indexed by the new content. (A PCH's bytes hold time stamps and sizes, not
    # every token's text, so they may well be the same as before.)
    recorded = json.loads(pch.with_suffix(".json").read_text())["files"]
    assert recorded[str(shadow)] == hashlib.sha256(shadow.read_bytes()).hexdigest()


def test_repeat_request_is_answered_without_clang(tmp_path, monkeypatch):
    """A repeat dump is answered from the request index (CUDA not searched, clang not
    loaded); a header that newly shadows the answered one in an earlier -I folder, or a
    damaged entry, make it dump again."""
    from numbast.frontend import cache, cached_dump

    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (second / "api.cuh").write_text("__device__ int second_api(int x);\n")
    options = DumpOptions(headers=["api.cuh"], include_dirs=[str(first), str(second)])
    assert cached_dump(options) is None
    made = dump(options)
    answered = cached_dump(options)
    assert answered == ir.dumps(made)
    assert cached_dump(DumpOptions(**{**options.__dict__, "use_cache": False})) is None

    (first / "api.cuh").write_text("__device__ int first_api(int x);\n")  # shadows it now
    assert cached_dump(options) is None
    assert [d.name for d in dump(options).declarations] == ["first_api"]
    assert [d.name for d in ir.loads(cached_dump(options)).declarations] == ["first_api"]

    for entry in (tmp_path / "cache" / "ir").glob("[0-9a-f]*.json"):
        facts = json.loads(entry.read_text())
        facts["ir"] = facts["ir"].replace("first_api", "other_api")  # still valid JSON and IR
        entry.write_text(json.dumps(facts))
    assert cached_dump(options) is None  # its digest no longer matches: never served
    assert [d.name for d in dump(options).declarations] == ["first_api"]
    assert cache.answer("0" * 64) is None


def test_repeat_canopy_dump_loads_neither_clang_nor_msgspec(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBAST_CACHE_DIR=str(tmp_path / "cache"))
    header = tmp_path / "api.cuh"
    header.write_text("__device__ int api(int x);\n")
    script = (
        "import sys\n"
        "from numbast.tools.canopy import main\n"
        f"code = main(['dump', {str(header)!r}, '-o', sys.argv[1]])\n"
        "print(code, sorted(m for m in ('clang.cindex', 'msgspec') if m in sys.modules))\n"
    )
    outputs = []
    for n in range(2):
        out = tmp_path / f"api{n}.json"
        r = subprocess.run(
            [sys.executable, "-c", script, str(out)], capture_output=True, text=True, env=env
        )
        outputs.append(out.read_bytes())
        assert "1 declarations" in r.stderr
        assert r.stdout.split()[0] == "0"
    assert r.stdout.strip() == "0 []"  # the repeat
    assert outputs[0] == outputs[1]
