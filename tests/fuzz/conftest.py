"""Options of the fuzz suite: CI runs a small deterministic subset; by hand,
`pytest tests/fuzz --fuzz-count 2000 --fuzz-seed 7` runs a larger seeded one."""

from __future__ import annotations


def pytest_addoption(parser):
    parser.addoption("--fuzz-count", type=int, default=25, help="cases per fuzz family")
    parser.addoption("--fuzz-seed", type=int, default=0, help="seed of the fuzz cases")


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        count = metafunc.config.getoption("--fuzz-count")
        seed = metafunc.config.getoption("--fuzz-seed")
        metafunc.parametrize(
            "case", [(seed, k) for k in range(count)], ids=lambda c: f"{c[0]}-{c[1]}"
        )
