"""A library's runtime needs, from the config to a kernel: functions that need a cooperative
launch (`cooperative_launch`: a kernel calling one is launched cooperatively), modules its
bindings import, and module callbacks given each CUDA module a kernel loads ([module]).

The IR is committed (tests/data/ir/grid_lib.json, made by `canopy dump
tests/data/library_runtime/grid_lib.cuh -o tests/data/ir/grid_lib.json`), so a machine with
no frontend runs the kernels too; a test checks it is a fresh dump's."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import numpy as np
import pytest

from helpers import DATA

LIB = DATA / "library_runtime"
IR_FILE = DATA / "ir" / "grid_lib.json"
CALLBACKS = """
CALLS = []

def setup(handle):
    CALLS.append(("setup", handle))

def teardown(handle):
    CALLS.append(("teardown", handle))
"""


@pytest.fixture(scope="module")
def grid_lib(tmp_path_factory):
    pytest.importorskip("numba.cuda", reason="the bindings need numba-cuda")
    from numbast import ir
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module, write_module

    folder = tmp_path_factory.mktemp("grid_lib")
    (folder / "grid_lib_python.py").write_text(CALLBACKS)
    doc = ir.load(IR_FILE)
    text, plan = emit_module(doc, b"", "t", load_config(LIB / "grid_lib.toml"), verify=True)
    write_module(folder / "grid_lib_bindings.py", text)
    sys.path.insert(0, str(folder))
    try:
        import grid_lib_bindings
        import grid_lib_python
    finally:
        sys.path.remove(str(folder))
    return grid_lib_bindings, grid_lib_python, plan


def test_the_committed_ir_is_a_fresh_dump():
    pytest.importorskip("clang.cindex", reason="dumping the sample library needs the frontend")
    from helpers import dump_header
    from numbast import ir

    fresh, committed = dump_header(LIB / "grid_lib.cuh"), ir.load(IR_FILE)
    assert committed.declarations == fresh.declarations and committed.edges == fresh.edges, (
        "regenerate: canopy dump tests/data/library_runtime/grid_lib.cuh -o " + str(IR_FILE)
    )


def test_config_reaches_the_tables(grid_lib):
    module, _, plan = grid_lib
    t = plan.tables
    coop = {o.decl for o in t.overloads() if o.shim in t.cooperative}
    assert coop == {"int grid_total_collective(int * total, int x)"}
    assert t.imports == ("grid_lib_python",) and t.setup == "grid_lib_python.setup"
    assert t.teardown == "grid_lib_python.teardown"
    assert "grid_lib_python" in sys.modules  # imported with the bindings


def test_only_a_cooperative_call_asks_for_a_cooperative_launch(grid_lib):
    from numba import int32, types
    from numba.cuda.compiler import compile_cuda

    module, _, _ = grid_lib

    def collective(p, x):
        return module.grid_total_collective(p, x)

    def plain(x):
        return module.grid_plain(x)

    cres = compile_cuda(collective, None, (types.CPointer(int32), int32), cc=(9, 0))
    assert cres.library.use_cooperative
    cres = compile_cuda(plain, None, (int32,), cc=(9, 0))
    assert not cres.library.use_cooperative


def test_callbacks_call_the_named_functions_with_the_handle(grid_lib):
    module, callbacks, _ = grid_lib
    bundle = module._bindings.bundle
    before = len(callbacks.CALLS)
    bundle.setup_callback(1234)
    bundle.teardown_callback(1234)
    # numba-cuda 0.30 passes the loaded cuda.core ObjectCode: its handle is what is passed on
    loaded = SimpleNamespace(handle=5678)
    bundle.setup_callback(loaded)
    assert callbacks.CALLS[before:] == [("setup", 1234), ("teardown", 1234), ("setup", 5678)]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('cooperative_launch = ["("]', "not a regular expression"),
        ("[module]\nsetup = \"os.system('ls')\"", "not a dotted Python name"),
        ('[module]\nimports = ["os; import sys"]', "not a dotted Python name"),
    ],
)
def test_bad_runtime_keys_are_one_line_errors(tmp_path, toml, message):
    from numbast.backend import load_config
    from numbast.backend.errors import EmitError

    path = tmp_path / "c.toml"
    path.write_text(toml + "\n")
    with pytest.raises(EmitError, match=message):
        load_config(path)


@pytest.mark.gpu
def test_cooperative_kernel_syncs_the_grid_and_module_is_set_up(grid_lib):
    from numba import cuda

    if not cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    module, callbacks, _ = grid_lib

    @cuda.jit
    def kernel(total, out):
        i = cuda.grid(1)
        out[i] = module.grid_total_collective(total, 1)

    blocks, threads = 4, 64
    total = cuda.to_device(np.zeros(1, np.int32))
    out = cuda.device_array(blocks * threads, np.int32)
    before = len(callbacks.CALLS)
    kernel[blocks, threads](total, out)
    cuda.synchronize()
    # Every thread saw the whole grid's sum: the barrier held across blocks.
    assert (out.copy_to_host() == blocks * threads).all()
    assert kernel.overloads[next(iter(kernel.overloads))].cooperative
    assert [c[0] for c in callbacks.CALLS[before:]] == ["setup"]
    assert isinstance(callbacks.CALLS[before][1], int) and callbacks.CALLS[before][1] != 0
