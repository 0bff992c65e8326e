"""ir/arch.py: one value for a GPU architecture, its spellings and its one error."""

from __future__ import annotations

import pytest

from numbast.ir.arch import DEFAULT, DEFAULT_SET, Arch, ArchError, parse_archs


@pytest.mark.parametrize(
    "text, cc, suffix, number, target",
    [
        ("sm_75", (7, 5), "", 750, (7, 5)),
        ("sm_90", (9, 0), "", 900, (9, 0)),
        ("sm_90a", (9, 0), "a", 900, (9, 0, "a")),
        ("sm_100a", (10, 0), "a", 1000, (10, 0, "a")),
        ("sm_120", (12, 0), "", 1200, (12, 0)),
        ("sm_120f", (12, 0), "f", 1200, (12, 0, "f")),
    ],
)
def test_spellings(text, cc, suffix, number, target):
    arch = Arch.parse(text)
    assert (arch.cc, arch.suffix, arch.number, arch.target) == (cc, suffix, number, target)
    assert str(arch) == text


@pytest.mark.parametrize("text", ["sm_9", "sm_1000", "90", "SM_90", "sm_90b", "compute_90", ""])
def test_one_error_naming_where(text):
    with pytest.raises(ArchError, match=r"^\$\.header\.arch: .* is not a GPU architecture"):
        Arch.parse(text, "$.header.arch")


def test_order_and_sets():
    archs = parse_archs(["sm_100", "sm_90a", "sm_90", "sm_90", "sm_75"])
    assert [str(a) for a in archs] == ["sm_75", "sm_90", "sm_90a", "sm_100"]
    assert parse_archs([]) == (DEFAULT,)
    assert list(DEFAULT_SET) == sorted(DEFAULT_SET) and DEFAULT in DEFAULT_SET


@pytest.mark.parametrize(
    "text, cc, runs",
    [
        ("sm_80", (9, 0), True),  # a plain target runs on later GPUs
        ("sm_90", (8, 0), False),
        ("sm_90a", (9, 0), True),  # an arch-specific one on exactly that GPU
        ("sm_90a", (10, 0), False),
        ("sm_100f", (10, 3), True),  # a family-specific one on its family
        ("sm_100f", (12, 0), False),
    ],
)
def test_runs_on(text, cc, runs):
    assert Arch.parse(text).runs_on(cc) is runs


@pytest.mark.parametrize("command", [["canopy", "dump"], ["numbast", "check"]])
def test_command_lines_refuse_a_bad_arch_in_one_line(command, tmp_path):
    import subprocess
    import sys

    module = {"canopy": "numbast.tools.canopy", "numbast": "numbast.tools.numbast_cli"}
    (tmp_path / "x.cuh").write_text("#pragma once\n")
    r = subprocess.run(
        [sys.executable, "-m", module[command[0]], command[1], "--arch", "sm_9x", "x.cuh"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        f"{command[0]}: error: --arch: 'sm_9x' is not a GPU architecture (expected sm_XY, "
        "e.g. sm_90, sm_90a, sm_100f)"
    ]
