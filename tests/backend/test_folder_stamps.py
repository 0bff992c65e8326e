"""The stamp of the user's include folders (part of the verdict and PCH keys) changes with
their headers, never with what emit writes beside them: a bindings module, its bytecode and
its copy of the runtime, emitted into the folder of a config that names it."""

from __future__ import annotations

from numbast.backend.runtime.environment import folder_stamps


def test_only_headers_are_stamped(tmp_path):
    (tmp_path / "lib.cuh").write_text("#pragma once\n")
    (tmp_path / "detail").mkdir()
    (tmp_path / "detail" / "impl.inl").write_text("// impl\n")
    (tmp_path / "complex").write_text("// an extensionless header\n")
    before = folder_stamps([tmp_path])
    assert len(before) == 3
    (tmp_path / "lib_bindings.py").write_text("x = 1\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "lib_bindings.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "_numbast_runtime").mkdir()
    (tmp_path / "_numbast_runtime" / "NUMBAST_RUNTIME").write_text("1.4\n")
    (tmp_path / "api.json").write_text("{}")
    assert folder_stamps([tmp_path]) == before
    (tmp_path / "lib.cuh").write_text("#pragma once\n#define X 1\n")
    assert folder_stamps([tmp_path]) != before
