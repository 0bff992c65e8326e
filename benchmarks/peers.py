"""The venvs the benchmarks run their peers in (NVIDIA's ast_canopy and Numbast from PyPI),
made once each in the user cache, beside nothing of ours."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def venv_python(name: str, requirements: list[str]) -> Path | None:
    """The Python of the venv `name`, holding `requirements` (installed on first use); None,
    with the reason printed, when pip cannot install them."""
    from numbast.frontend.cache import cache_dir

    venv = cache_dir() / name
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        r = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *requirements],
            capture_output=True,
            text=True,
        )
        if r.returncode:
            print(f"peer not installed ({' '.join(requirements)}): {r.stderr[-300:]}")
            return None
    return python
