"""Shared fixtures: sample headers dumped once per session."""

from __future__ import annotations

import os
import tempfile

import pytest

# The tests (and the commands they start) keep their dumps and layout answers in a cache of
# their own, not in the user's.
os.environ["NUMBAST_CACHE_DIR"] = tempfile.mkdtemp(prefix="numbast-test-cache-")

from helpers import DATA, dump_header


@pytest.fixture(scope="session")
def sample():
    """`sample("records")` -> the IR document of tests/data/records.cuh (cached)."""
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = dump_header(DATA / f"{name}.cuh")
        return cache[name]

    return get


@pytest.fixture(scope="session")
def snippet(tmp_path_factory):
    """`snippet(text)` -> the IR document of a header holding `text` (api.cuh in a folder of
    its own; cached by text and options)."""
    cache: dict[tuple, object] = {}

    def get(text: str, name: str = "api.cuh", **options):
        key = (text, name, tuple(sorted((k, repr(v)) for k, v in options.items())))
        if key not in cache:
            folder = tmp_path_factory.mktemp("snippet")
            (folder / name).write_text("#pragma once\n" + text + "\n")
            cache[key] = dump_header(folder / name, **options)
        return cache[key]

    return get
