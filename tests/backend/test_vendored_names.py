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


def test_a_constructor_another_header_defines_is_in_the_ir():
    """`__half::__half(const __nv_bfloat16)`: declared in cuda_fp16.h's `__half`, defined out
    of line in cuda_bf16.h. The IR of cuda_bf16.h has it (the record is cuda_fp16.h's); the
    IR of cuda_fp16.h keeps it as the member it is."""
    doc = ir.load(DATA / "ir" / "cuda_bf16.json")
    (ctor,) = [d for d in doc.declarations if getattr(d, "constructs", None)]
    assert ctor.qualified_name == "__half::__half" and ctor.constructs == "c:@S@__half"
    assert ctor.explicit and ctor.exec_space == "host_device"
    assert ctor.mangled_name == "_ZN6__halfC1E13__nv_bfloat16"
    assert ctor.return_type.decl == "c:@S@__half"
    assert [p.type.spelling for p in ctor.params] == ["const __nv_bfloat16"]
    fp16 = ir.load(DATA / "ir" / "cuda_fp16.json")
    assert not [d for d in fp16.declarations if getattr(d, "constructs", None)]


def test_the_constructor_converts_bfloat16_to_float16(ours):
    """Bound as C++ reads: `__half(b)` (Numba's float16 called on a bfloat16) goes through
    the constructor's shim; numba-cuda alone cannot lower that cast."""
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    bf16 = ours["bf16"]
    assert bf16.__half is types.float16
    (conv,) = bf16._bindings.tables.conversions
    assert conv.decl == "__half::__half(const __nv_bfloat16 f)" and conv.explicit
    half = bf16.__half

    def kernel(b, out):
        out[0] = half(b[0])

    source = link_kernel(kernel, (types.bfloat16[::1], types.float16[::1]), bf16._bindings.bundle)
    assert "__half(__half(*static_cast<__nv_bfloat16 *>(a0)))" in source


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_every_bfloat16_to_float16_against_ml_dtypes(ours):
    """All 65,536 bfloat16 encodings through `__half(b)`, against ml_dtypes: bfloat16 ->
    float32 is exact, so float32 -> float16 rounds as the constructor does (to nearest)."""
    import numpy as np

    ml_dtypes = pytest.importorskip("ml_dtypes", reason="ml_dtypes is the reference")
    half, from_bits = ours["bf16"].__half, ours["bf16"].__ushort_as_bfloat16
    bits = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)

    @cuda.jit
    def kernel(codes, out):
        i = cuda.grid(1)
        if i < codes.size:
            out[i] = half(from_bits(codes[i]))

    out = np.zeros(bits.size, np.float16)
    kernel.forall(bits.size)(bits, out)
    want = bits.view(ml_dtypes.bfloat16).astype(np.float32).astype(np.float16)
    finite = np.isfinite(want)
    np.testing.assert_array_equal(out[finite].view(np.uint16), want[finite].view(np.uint16))
    assert np.isnan(out[np.isnan(want)]).all()
