"""Our cuda_bf16/cuda_fp16/cuda_fp8 modules as drop-ins for numba-cuda's vendored ones
(`numba.cuda._internal.cuda_*`, NVIDIA Numbast's output): emitted with the same configs
(tests/data/numbast_configs/, in NVIDIA Numbast's YAML), every public name theirs export
exists in ours with a compatible value. No GPU needed: both are imported, not run."""

from __future__ import annotations

import enum
import importlib
import re
import sys

import pytest

from bind_helpers import import_file
from helpers import DATA
from numbast import ir

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")

# Their internal names: Numba type objects and classes of records clang left unnamed.
_INTERNAL = re.compile(r"_type_.*|unnamed\d+")


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    from numbast.backend.emit import emit_module, write_runtime
    from numbast.backend.plan import UsedModule
    from numbast.tools.numbast_yaml import read_numbast_yaml

    tmp = tmp_path_factory.mktemp("vendored")
    docs = {n: ir.load(DATA / "ir" / f"cuda_{n}.json") for n in ("fp16", "bf16", "fp8")}
    uses = [UsedModule(docs["fp16"], "drop_fp16"), UsedModule(docs["bf16"], "drop_bf16")]
    for name, doc in docs.items():
        config = read_numbast_yaml(DATA / "numbast_configs" / f"cuda_{name}.yml").config
        text, _ = emit_module(doc, b"", "test", config, uses if name == "fp8" else [])
        (tmp / f"drop_{name}.py").write_text(text)
    write_runtime(tmp)
    sys.path.insert(0, str(tmp))
    yield {n: import_file(tmp / f"drop_{n}.py") for n in ("fp16", "bf16", "fp8")}
    sys.path.remove(str(tmp))


def _public(module) -> list[str]:
    return [n for n in module.__all__ if n.isidentifier() and not _INTERNAL.fullmatch(n)]


@pytest.mark.parametrize("name", ["fp16", "bf16", "fp8"])
def test_every_public_name_of_the_vendored_module_is_ours(ours, name):
    theirs = importlib.import_module(f"numba.cuda._internal.cuda_{name}")
    public = _public(theirs)
    assert len(public) > 20
    assert [n for n in public if not hasattr(ours[name], n)] == []


@pytest.mark.parametrize("name", ["fp16", "bf16", "fp8"])
def test_the_values_are_compatible(ours, name):
    """Enums with the same members; Numba types the same; functions callable from kernels."""
    from numba.cuda import types

    theirs = importlib.import_module(f"numba.cuda._internal.cuda_{name}")
    for n in _public(theirs):
        a, b = getattr(theirs, n), getattr(ours[name], n)
        if isinstance(a, type) and issubclass(a, enum.Enum):
            assert issubclass(b, enum.IntEnum), n
            assert {m.name: int(m.value) for m in a} == {m.name: int(m.value) for m in b}, n
        elif isinstance(a, types.Type):
            assert getattr(b, "_numba_type_", b) == a, n
        else:
            assert callable(b), n
