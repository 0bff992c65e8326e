"""frontend/walk/scopes.py: namespaces (named, inline, anonymous, extern "C"), anonymous
records and enums, typedef names, and the library enums a signature uses."""

from __future__ import annotations

import pytest

from helpers import by_name, one

HEADER = r"""
namespace outer { namespace inner { struct Deep { int v; }; } }
namespace lib { inline namespace v2 { __device__ int versioned(int); struct Cfg { int n; }; } }
namespace { struct Hidden { int h; }; }
extern "C" { __device__ int c_linkage(int); }
typedef struct { int a; } CStyle;
enum { kFirst = 1, kSecond };
struct Holder { enum { kInner = 3 } mode; };
namespace lib { __device__ Cfg make_cfg(int n); }
"""


@pytest.fixture(scope="module")
def doc(snippet):
    return snippet(HEADER)


@pytest.mark.parametrize(
    "name, qualified",
    [
        ("Deep", "outer::inner::Deep"),
        ("versioned", "lib::versioned"),  # inline namespaces are left out of names
        ("Cfg", "lib::Cfg"),
        ("Hidden", "(anonymous namespace)::Hidden"),
        ("c_linkage", "c_linkage"),
    ],
)
def test_qualified_names(doc, name, qualified):
    assert one(doc, name).qualified_name == qualified


def test_inline_namespaces_are_left_out_of_ids_and_types(doc):
    cfg, make = one(doc, "Cfg"), one(doc, "make_cfg")
    assert "v2" not in cfg.id and "v2" not in one(doc, "versioned").id
    assert make.return_type.decl == cfg.id
    assert make.return_type.qualified == "lib::Cfg"


def test_extern_c_function_keeps_its_plain_symbol(doc):
    assert one(doc, "c_linkage").mangled_name == "c_linkage"


def test_anonymous_struct_takes_its_typedef_name(doc):
    (record,) = by_name(doc, "CStyle", "record")
    assert not record.anonymous and record.id == "c:@SA@CStyle"
    assert [f.name for f in record.fields] == ["a"]
    assert one(doc, "CStyle", "typedef").target.decl == record.id


def test_anonymous_enum_at_namespace_scope(doc):
    (e,) = [d for d in doc.declarations if d.name.startswith("anon_enum") and not d.parent]
    assert e.anonymous and e.id == "c:@anon0"
    assert [(x.name, x.value) for x in e.enumerators] == [("kFirst", 1), ("kSecond", 2)]


def test_anonymous_member_enum_with_a_declarator(doc):
    holder = one(doc, "Holder", "record")
    (e,) = [d for d in doc.declarations if d.parent == holder.id]
    assert e.anonymous and e.id == f"{holder.id}@anon0"
    (mode,) = holder.fields
    assert mode.name == "mode" and mode.type.decl == e.id


LIBRARY = {
    "lib/types.h": "#pragma once\nenum lib_mode_t { LIB_FAST = 1, LIB_SAFE = 2 };\n"
    "enum lib_unused_t { LIB_NEVER = 0 };\n",
    "lib/api.h": '#pragma once\n#include "types.h"\n#include <cuda_runtime.h>\n'
    "__device__ int lib_run(lib_mode_t mode, cudaError_t *err);\n",
}


def test_library_enums_a_signature_uses_come_along(tmp_path):
    """An enum a retained signature uses, the library's own or the toolkit's (through a
    pointer: cudaError_t *), is part of its API; one nothing uses stays out."""
    from helpers import dump_header

    for rel, text in LIBRARY.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    doc = dump_header(tmp_path / "lib" / "api.h", include_dirs=[str(tmp_path)])
    names = {d.name for d in doc.declarations}
    assert names == {"lib_run", "lib_mode_t", "cudaError"}
    assert one(doc, "lib_mode_t").location.file == "lib/types.h"
    assert one(doc, "cudaError").location.file.endswith("driver_types.h")
