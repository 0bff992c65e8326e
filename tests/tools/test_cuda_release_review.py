"""A real API review: CUDA 12.9 against CUDA 13.5 headers, both installed from PyPI wheels.

The Markdown reports are committed under docs/api-diffs/ (rewrite them with
NUMBAST_UPDATE_GOLDEN=1). The test installs pinned wheels into a temporary folder and skips,
saying why, when it cannot (no network to PyPI).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import UPDATE, dump_header
from numbast.tools.diff import diff, make_report
from numbast.tools.diff.report import to_markdown

pytestmark = pytest.mark.release_review

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api-diffs"
HEADERS = ["cuda_bf16.h", "cuda_fp16.h", "cuda_fp8.h"]
RELEASES = {
    # release: (pinned header wheels, include folders under site/nvidia)
    "12.9": (
        [
            "nvidia-cuda-runtime-cu12==12.9.79",
            "nvidia-cuda-nvcc-cu12==12.9.86",
            "nvidia-cuda-cccl-cu12==12.9.27",
        ],
        ["cuda_runtime/include", "cuda_nvcc/include", "cuda_cccl/include"],
    ),
    "13.5": (
        [
            "nvidia-cuda-runtime==13.5.37",
            "nvidia-cuda-crt==13.5.37",
            "nvidia-cuda-cccl==13.3.5.0.6",
        ],
        ["cu13/include", "cu13/include/cccl"],
    ),
}


def _install(release: str, target: Path) -> list[str]:
    wheels, folders = RELEASES[release]
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--target",
        str(target),
        *wheels,
    ]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["?"])[-1]
        pytest.skip(f"cannot install the CUDA {release} header wheels from PyPI: {last}")
    return [str(target / "nvidia" / f) for f in folders]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, object]:
    roots = {r: _install(r, tmp_path_factory.mktemp(f"cuda{r}")) for r in RELEASES}
    out = {}
    for header in HEADERS:
        old = dump_header(header, cuda_include=roots["12.9"])
        new = dump_header(header, cuda_include=roots["13.5"])
        assert (old.header.cuda.version, new.header.cuda.version) == ("12.9", "13.5")
        out[header] = make_report(old, new, diff(old, new))
    return out


@pytest.mark.parametrize("header", HEADERS)
def test_committed_report_is_current(reports, header):
    path = DOCS / f"cuda-12.9-to-13.5-{header.removesuffix('.h')}.md"
    text = to_markdown(reports[header])
    if UPDATE:
        path.write_text(text)
    assert path.read_text() == text


def _changes(report, kind):
    return {(c.name, c.message) for c in report.changes if c.kind == kind}


def test_verified_changes(reports):
    # cuda_bf16.h: 12.9 declares `__CUDA_HOSTDEVICE__ __CUDA_BF16_CONSTEXPR__ operator bool()`,
    # 13.5 `__CUDA_HOSTDEVICE__ __NV_TL__ operator bool()`: constexpr is gone.
    bf16 = reports["cuda_bf16.h"]
    assert _changes(bf16, "method.changed") == {
        ("__nv_bfloat16", "__nv_bfloat16::operator bool: constexpr removed")
    }
    assert bf16.summary.breaking == 1
    # cuda_fp16.h: the same edit on __half.
    assert ("__half", "__half::operator bool: constexpr removed") in _changes(
        reports["cuda_fp16.h"], "method.changed"
    )
    # cuda_fp8.h: 13.5 adds the UE5M3 format (absent from 12.9) and double4_16a/_32a
    # constructors beside the deprecated double4 one; nothing is removed.
    fp8 = reports["cuda_fp8.h"]
    added = {name for name, _ in _changes(fp8, "decl.added")}
    assert {
        "__nv_fp8_ue5m3",
        "__nv_fp8x2_ue5m3",
        "__nv_fp8x4_ue5m3",
        "__nv_cvt_float_to_ue5m3",
    } <= added
    ctors = {m for n, m in _changes(fp8, "method.added") if n == "__nv_fp8x4_e4m3"}
    assert ctors == {
        "__nv_fp8x4_e4m3: __nv_fp8x4_e4m3(const double4_16a f) added",
        "__nv_fp8x4_e4m3: __nv_fp8x4_e4m3(const double4_32a f) added",
    }
    assert fp8.summary.breaking == 0
