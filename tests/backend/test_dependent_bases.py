"""A class template whose members come from a base the template arguments choose
(`struct ref : detail::ref_impl<T>`, an alias picking `ref_counting<T>` or `ref_reading<T>`,
as cuda::atomic_ref's do), in a header that only forwards to its part of the library
(tests/data/dependent_base): the file defining the candidates retained with `--retain`, every
candidate's methods offered and each call resolved by C++; its `T &` constructor under an
[intents] entry takes the array it refers through."""

from __future__ import annotations

import pytest

from helpers import DATA, dump_header

cuda = pytest.importorskip("numba.cuda", reason="numba-cuda is needed to build bindings")
pytest.importorskip("clang.cindex", reason="dumping the sample needs the frontend")

FOLDER = DATA / "dependent_base"
CONFIG = """
internal = ["detail::*"]

[intents]
"lib::ref::ref" = { v = "inout_ptr" }
"""


def test_retained_file_does_not_hide_the_forwarded_part():
    """`--retain` adds the file that defines the candidates; the forwarding header is still
    followed into its part (before, the retained declarations made it look like one that
    declares, and lib::ref was lost)."""
    doc = dump_header(FOLDER / "fwd.hpp", retain=[str(FOLDER / "detail" / "bases.hpp")])
    names = {d.qualified_name for d in doc.declarations}
    assert {"lib::ref", "lib::detail::ref_counting", "lib::detail::ref_reading"} <= names
    assert any("followed into impl/ref.hpp" in d.message for d in doc.header.diagnostics)


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    from bind_helpers import import_file
    from numbast.backend import load_config
    from numbast.backend.emit import emit_module, write_module

    tmp = tmp_path_factory.mktemp("dependent_base")
    doc = dump_header(
        FOLDER / "fwd.hpp",
        include_dirs=[str(FOLDER)],
        retain=[str(FOLDER / "detail" / "bases.hpp")],
    )
    (tmp / "lib.toml").write_text(CONFIG)
    text, plan = emit_module(doc, b"", "test", load_config(tmp / "lib.toml"))
    write_module(tmp / "lib_bindings.py", text)
    return import_file(tmp / "lib_bindings.py"), plan


def test_every_candidate_base_offers_its_methods(lib):
    _, plan = lib
    (ref,) = [t for t in plan.tables.class_templates if t.name == "ref"]
    assert dict(ref.cpp_methods) == {"add": "add", "get": "get"}
    assert ref.constructors and "lib::ref::ref" not in dict(plan.skipped)


def test_calls_are_resolved_by_cpp_for_the_chosen_base(lib):
    from numba import float32, int32

    from numbast.backend.check import link_kernel

    module, _ = lib
    ref = module.ref

    def counting(counts, out):
        r = ref(counts[1:])  # refers to counts[1]
        out[0] = r.add(int32(5)) + r.get()

    source = link_kernel(counting, (int32[::1], int32[::1]), module._bindings.bundle)
    assert "lib::ref<int>(**static_cast<int **>(a0))" in source
    assert "->add(*static_cast<int *>(a1))" in source

    def reading(values, out):
        out[0] = ref(values).get()

    link_kernel(reading, (float32[::1], float32[::1]), module._bindings.bundle)

    def adding_to_a_float(values, out):  # ref_reading has no add: C++ says so at typing
        out[0] = ref(values).add(float32(1))

    from numba.core.errors import TypingError

    with pytest.raises(TypingError, match=r'lib::ref<float>" has no member "add"'):
        link_kernel(adding_to_a_float, (float32[::1], float32[::1]), module._bindings.bundle)
