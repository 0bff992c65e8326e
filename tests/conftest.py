"""Shared fixtures: sample headers dumped once per session."""

from __future__ import annotations

import pytest

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
