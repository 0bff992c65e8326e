"""A module run on a machine whose headers are not those it was made from: a shim that no
longer compiles is one error naming its declaration and the compiler's line, and the
module's other bindings go on working (the failed shim is left out of later links)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from helpers import DATA

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to run bindings")


def _bundle():
    from numbast.backend.runtime.environment import compile_prelude
    from numbast.backend.runtime.shims import ShimBundle

    shims = {
        "nbst_good": 'extern "C" __device__ int nbst_good(void *out) {\n  return 0;\n}\n',
        "nbst_gone": 'extern "C" __device__ int nbst_gone(void *out) {\n'
        "  return removed_in_this_release(1);\n}\n",
    }
    prelude = compile_prelude("#include <cuda_fp16.h>\n", [])
    return ShimBundle(prelude, shims, "lib_shims.cu", labels={"nbst_gone": "int gone(int)"})


def test_a_shim_that_does_not_compile_is_named_and_left_out():
    from numbast.backend.runtime.compiler import CompileError, compile_ltoir
    from numbast.backend.runtime.shims import ShimCompileError

    bundle = _bundle()
    bundle.require("nbst_good")
    bundle.require("nbst_gone")
    with pytest.raises(CompileError) as failed:
        compile_ltoir(bundle.source(), (9, 0))
    err = bundle._refused(failed.value)
    assert str(err).startswith("int gone(int) does not compile with this machine's CUDA ")
    assert 'identifier "removed_in_this_release" is undefined' in str(err)
    assert "\n" not in str(err)
    assert bundle.used == {"nbst_good"} and set(bundle.broken) == {"nbst_gone"}
    compile_ltoir(bundle.source(), (9, 0))  # the others link on
    with pytest.raises(ShimCompileError, match=r"^int gone\(int\) does not compile on this"):
        bundle.require("nbst_gone")  # the next kernel using it is refused at once


def test_headers_that_do_not_compile_name_the_module():
    from numbast.backend.runtime.compiler import CompileError, compile_ltoir
    from numbast.backend.runtime.shims import ShimBundle

    bundle = ShimBundle("#include <no_such_header.h>\n", {"nbst_a": "int a;\n"}, "lib_shims.cu")
    bundle.require("nbst_a")
    with pytest.raises(CompileError) as failed:
        compile_ltoir(bundle.source(), (9, 0))
    err = str(bundle._refused(failed.value))
    assert err.startswith("lib_shims.cu: the module's headers do not compile with this")
    assert "no_such_header.h" in err and bundle.used == {"nbst_a"} and not bundle.broken


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_a_header_changed_after_emit_fails_one_binding_not_the_module(tmp_path):
    """userlib's module emitted, then its header edited so that `scaled` is gone: a kernel
    calling it fails with one line; a kernel calling `dot` still runs."""
    from bind_helpers import import_file
    from numbast import ir
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module, write_module
    from numbast.backend.includes import Places
    from numbast.backend.runtime.shims import ShimCompileError

    shutil.copytree(DATA / "userlib", tmp_path / "userlib")
    (tmp_path / "ir").mkdir()
    shutil.copy(DATA / "ir" / "userlib.json", tmp_path / "ir" / "userlib.json")
    lib = tmp_path / "userlib"
    places = Places(config_folder=lib, module_folder=tmp_path)
    doc = ir.load(tmp_path / "ir" / "userlib.json")
    text, _ = emit_module(doc, b"", "test", load_config(lib / "userlib.toml"), places=places)
    write_module(tmp_path / "userlib_edited.py", text)
    header = lib / "include" / "userlib.cuh"
    header.write_text(header.read_text() + "\n#define scaled scaled_was_removed\n")
    m = import_file(tmp_path / "userlib_edited.py")
    Point, dot, scaled = m.Point, m.dot, m.scaled

    @cuda.jit
    def uses_scaled(out):
        out[0] = dot(scaled(Point(1.0, 2.0)), Point(1.0, 1.0))

    with pytest.raises(ShimCompileError, match="scaled_was_removed") as failed:
        uses_scaled[1, 1](np.zeros(1, np.float32))
    assert "scaled(Point" in str(failed.value).split(" does not compile")[0]

    @cuda.jit
    def uses_dot(out):
        out[0] = dot(Point(1.0, 2.0), Point(3.0, 4.0))

    out = np.zeros(1, np.float32)
    uses_dot[1, 1](out)
    assert out[0] == 11.0
