"""One IR and one module for several GPU archs: tests/data/multi_arch.cuh dumped for sm_75,
sm_80, sm_90, sm_90a, sm_100 and sm_120; each declaration records the archs that have it, the
module binds the union, and a compile for an arch that lacks a declaration is refused at
typing, naming it (no GPU needed: NVRTC and nvJitLink compile and link for each arch).

The IR is committed (tests/data/ir/multi_arch.json; the GPU test needs no libclang):
    canopy dump --arch sm_75 --arch sm_80 --arch sm_90 --arch sm_90a --arch sm_100 \\
        --arch sm_120 tests/data/multi_arch.cuh -o tests/data/ir/multi_arch.json
"""

from __future__ import annotations

import numpy as np
import pytest

from bind_helpers import import_file
from helpers import DATA, dump_header
from numbast import ir

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")

ARCHS = ["sm_75", "sm_80", "sm_90", "sm_90a", "sm_100", "sm_120"]
LATER_80 = ["sm_80", "sm_90", "sm_90a", "sm_100", "sm_120"]
LATER_90 = ["sm_90", "sm_90a", "sm_100", "sm_120"]
BLACKWELL = ["sm_100", "sm_120"]
# Declaration -> the archs whose preprocessor keeps it (None: all of them).
EXPECTED = {
    "everywhere": None,
    "ampere_and_later": LATER_80,
    "hopper_and_later": LATER_90,
    "turing_only": ["sm_75"],
    "MULTI_ARCH_HAS_BLACKWELL": BLACKWELL,  # guarded by #if __CUDA_ARCH__ >= 1000
    "BlackwellTile": BLACKWELL,  # guarded by #ifdef of that macro: only clang knows
    "blackwell_tiles": BLACKWELL,
    "hopper_features": ["sm_90a"],  # __CUDA_ARCH_FEAT_SM90_ALL
    "Common": None,
}


@pytest.fixture(scope="module")
def doc():
    return dump_header(DATA / "multi_arch.cuh", arch="sm_120", archs=ARCHS)


def test_each_declaration_records_the_archs_that_have_it(doc):
    assert doc.header.archs == ARCHS and doc.header.arch == "sm_120"
    assert {d.name: d.archs for d in doc.declarations} == EXPECTED
    assert ir.check(doc) == []


def test_the_committed_ir_is_this_dump(doc):
    committed = ir.load(DATA / "ir" / "multi_arch.json")
    assert committed.declarations == doc.declarations and committed.edges == doc.edges


def test_one_arch_is_the_plain_case():
    single = dump_header(DATA / "multi_arch.cuh", arch="sm_90")
    assert single.header.archs == []
    assert all(d.archs is None for d in single.declarations)
    assert {d.name for d in single.declarations} == {
        "everywhere",
        "ampere_and_later",
        "hopper_and_later",
        "Common",
    }


@pytest.fixture(scope="module")
def module(tmp_path_factory):
    """The module of the committed IR, verified on every arch (NVRTC, no GPU)."""
    from numbast.backend.emit import emit_module, write_runtime

    tmp = tmp_path_factory.mktemp("multi_arch")
    api = DATA / "ir" / "multi_arch.json"
    text, plan = emit_module(ir.load(api), api.read_bytes(), "test", verify=True)
    (tmp / "multi_arch_bindings.py").write_text(text)
    write_runtime(tmp)
    return import_file(tmp / "multi_arch_bindings.py"), plan


def test_the_module_binds_the_union_with_each_bindings_archs(module):
    m, plan = module
    assert plan.skipped == []
    t = plan.tables
    assert m._bindings.tables == t  # the module holds every table the plan made
    assert t.archs == tuple(ARCHS) and t.version == (1, 5)
    by_name = {f.name: f.overloads[0].archs for f in t.functions}
    assert by_name == {
        "everywhere": (),
        "ampere_and_later": tuple(LATER_80),
        "hopper_and_later": tuple(LATER_90),
        "turing_only": ("sm_75",),
        "blackwell_tiles": tuple(BLACKWELL),
        "hopper_features": ("sm_90a",),
    }
    # A member an #if gives some archs: verification found where it compiles.
    common = next(r for r in t.records if r.name == "Common")
    (fast,) = [m for m in common.methods if m.name == "fast"]
    assert fast.overloads[0].archs == tuple(LATER_90)


def _calls(m):
    """One kernel per binding, each writing what it returns."""

    def everywhere(out):
        out[0] = m.everywhere(np.float32(1.0))

    def ampere_and_later(out):
        out[0] = m.ampere_and_later(np.float32(1.0))

    def hopper_and_later(out):
        out[0] = m.hopper_and_later(np.float32(1.0))

    def turing_only(out):
        out[0] = m.turing_only(np.float32(1.0))

    def blackwell_tiles(out):
        t = m.BlackwellTile()
        out[0] = m.blackwell_tiles(t)

    def fast(out):
        c = m.Common()
        out[0] = c.fast()

    return {
        f.__name__: f
        for f in (
            everywhere,
            ampere_and_later,
            hopper_and_later,
            turing_only,
            blackwell_tiles,
            fast,
        )
    }


# (arch compiled for, the bindings it has)
AVAILABLE = [
    ("sm_75", {"everywhere", "turing_only"}),
    ("sm_80", {"everywhere", "ampere_and_later"}),
    ("sm_90", {"everywhere", "ampere_and_later", "hopper_and_later", "fast"}),
    ("sm_100", {"everywhere", "ampere_and_later", "hopper_and_later", "fast", "blackwell_tiles"}),
    ("sm_120", {"everywhere", "ampere_and_later", "hopper_and_later", "fast", "blackwell_tiles"}),
]


@pytest.mark.parametrize("arch, available", AVAILABLE, ids=[a for a, _ in AVAILABLE])
def test_each_arch_compiles_what_it_has_and_refuses_the_rest_at_typing(module, arch, available):
    from numba.core.errors import TypingError
    from numba.cuda import types

    from numbast.backend.check import link_kernel

    m, _ = module
    for name, kernel in _calls(m).items():
        m._bindings.bundle.used.clear()  # this kernel's shims only: one arch's compile
        if name in available:
            link_kernel(kernel, (types.float32[::1],), m._bindings.bundle, arch)
            continue
        with pytest.raises(TypingError, match=rf"does not exist for {arch}: its header declares"):
            link_kernel(kernel, (types.float32[::1],), m._bindings.bundle, arch)


@pytest.mark.gpu
@pytest.mark.skipif(not cuda.is_available(), reason="needs a CUDA GPU")
def test_on_the_gpu_its_own_arch_runs_and_a_later_one_is_refused(module):
    """On an sm_90 GPU (H100/H200): the sm_90 declarations run; an sm_100-only one is refused
    at typing, naming the GPU's arch."""
    from numba.core.errors import TypingError

    m, _ = module
    cc = cuda.get_current_device().compute_capability
    calls = _calls(m)
    out = np.zeros(1, np.float32)
    for name, expected in (("everywhere", 2.0), ("ampere_and_later", 2.0)):
        cuda.jit(calls[name])[1, 1](out)
        assert out[0] == expected, name
    if cc == (9, 0):
        cuda.jit(calls["hopper_and_later"])[1, 1](out)
        assert out[0] == 3.0
    with pytest.raises(TypingError, match=rf"does not exist for sm_{cc[0]}{cc[1]}"):
        cuda.jit(calls["blackwell_tiles"])[1, 1](out)


def test_emit_and_check_from_another_folder_report_per_arch(tmp_path):
    """As a user runs them: `numbast emit --verify` then `numbast check` of the module, which
    checks each arch the module was made for, each binding on the archs that declare it."""
    import subprocess
    import sys

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "numbast.tools.numbast_cli", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )

    emitted = run("emit", str(DATA / "ir" / "multi_arch.json"), "-o", "m.py", "--verify")
    assert emitted.returncode == 0, emitted.stderr
    assert "11 bound, 0 skipped" in emitted.stderr
    checked = run("check", "m.py")
    assert checked.returncode == 0, checked.stderr
    counts = [line for line in checked.stderr.splitlines() if "bindings passed" in line]
    # sm_75: everywhere, turing_only, Common(); sm_90: + ampere, hopper, Common.fast; ...
    assert [c.split(": ", 1)[1] for c in counts] == [
        "3 bindings passed, 0 failed",
        "3 bindings passed, 0 failed",
        "5 bindings passed, 0 failed",
        "5 bindings passed, 0 failed",
        "8 bindings passed, 0 failed",
        "8 bindings passed, 0 failed",
    ]
    assert "not checked for sm_90a" in checked.stderr and "hopper_features" in checked.stderr
    one = run("check", "m.py", "--arch", "sm_100")
    assert one.returncode == 0 and one.stderr.count("bindings passed") == 1


@pytest.mark.parametrize(
    "arch, present, called",
    [
        ("sm_90a", {"hopper_features", "hopper_and_later"}, "hopper_features"),
        ("sm_100a", {"blackwell_tiles", "hopper_and_later"}, "blackwell_tiles"),
        ("sm_120", {"blackwell_tiles", "hopper_and_later"}, "blackwell_tiles"),
    ],
)
def test_suffixed_and_new_archs_end_to_end(tmp_path, arch, present, called):
    """Dumped, emitted with verification and linked for the arch itself (shims compiled for
    the suffixed target: `__CUDA_ARCH_FEAT_SM90_ALL` is defined for sm_90a)."""
    from numba.cuda import types

    from numbast.backend.check import link_kernel
    from numbast.backend.emit import emit_module, write_runtime

    doc = dump_header(DATA / "multi_arch.cuh", arch=arch)
    assert present <= {d.name for d in doc.declarations}
    text, plan = emit_module(doc, ir.dumps(doc), "test", verify=True)
    assert plan.skipped == []
    (tmp_path / "m.py").write_text(text)
    write_runtime(tmp_path)
    m = import_file(tmp_path / "m.py")

    def features(out):
        out[0] = m.hopper_features(np.int32(1))

    def tiles(out):
        out[0] = m.blackwell_tiles(m.BlackwellTile())

    kernel = features if called == "hopper_features" else tiles
    source = link_kernel(kernel, (types.float32[::1],), m._bindings.bundle, arch)
    assert f"{called}(" in source
