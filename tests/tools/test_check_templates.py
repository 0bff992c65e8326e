"""`numbast check` checks templates: the config's `[check]` names specializations, which are
constructed, called and linked like every other binding; templates no specialization reaches
are counted as not checked (an error under --fail-unchecked), and a module of templates
alone that checked nothing is never green. Samples: tests/data/user_constructs.cuh and CUB's
block primitives (tests/data/cub_block.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import DATA

pytest.importorskip("numba.cuda", reason="numba-cuda is needed to check bindings")
UC_IR = DATA / "ir" / "user_constructs.json"


def cli(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "numbast.tools.numbast_cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def _emit(tmp: Path, name: str, config: Path) -> Path:
    module = tmp / f"{name}_bound.py"
    r = cli("emit", DATA / "ir" / f"{name}.json", "--config", config, "-o", module)
    assert r.returncode == 0, r.stderr
    return module


def test_specializations_are_checked(tmp_path):
    module = _emit(tmp_path, "user_constructs", DATA / "user_constructs.toml")
    r = cli("check", module)
    assert r.returncode == 0, r.stderr
    for label in (
        "Accum<T=float32>.read(array(float32, 1d, C))",  # T & under out_ptr
        "Accum<T=int32>.read_twice()",  # out_return
        "split<T=float64>(float64)",
        "times_n<T=float32, N=3>(float32)",
        "Word<T=int32>.get()",
    ):
        assert label in r.stderr, label
    # `which` is ambiguous in C++, so no specialization can be named for it.
    assert "numbast check: 1 templates not checked (which)" in r.stderr
    assert cli("check", module, "--fail-unchecked").returncode == 1


def test_a_specialization_cpp_rejects_fails_with_the_compiler_line(tmp_path):
    config = tmp_path / "c.toml"
    text = (DATA / "user_constructs.toml").read_text()
    config.write_text(text.replace('"Word" = [{ T = "int32" }]', '"Word" = [{ T = "float64" }]'))
    module = _emit(tmp_path, "user_constructs", config)
    r = cli("check", module, "--failures-only")
    assert r.returncode == 1
    assert "Word<T=float64>()" in r.stderr and "Word needs a 4-byte type" in r.stderr
    assert "Traceback" not in r.stderr


def test_cub_block_primitives_are_all_checked(tmp_path):
    module = _emit(tmp_path, "cub_block", DATA / "cub_block.toml")
    r = cli("check", module, "--fail-unchecked")
    assert r.returncode == 0, r.stderr
    assert "not checked" not in r.stderr
    assert "BlockScan<T=float64, BlockDimX=256>.InclusiveSum(float64)" in r.stderr
    assert "LoadDirectBlocked<T=int32, ItemsPerThread=4, RandomAccessIterator=int32[::1]>" in (
        r.stderr
    )


def test_templates_alone_unchecked_is_never_green(tmp_path):
    """CUB without `[check]`: every binding is a template, nothing was checked."""
    config = tmp_path / "c.toml"
    config.write_text((DATA / "cub_block.toml").read_text().split("[check]")[0])
    module = _emit(tmp_path, "cub_block", config)
    r = cli("check", module)
    assert r.returncode == 1
    assert "0 bindings passed, 0 failed" in r.stderr
    assert "nothing was checked" in r.stderr and "templates not checked" in r.stderr


@pytest.mark.parametrize(
    "body, expected",
    [
        ('"Accum" = [{ T = "float32; x" }]', "$.check.Accum[0].T: expected an integer or a type"),
        ('"Accum" = [{ "T x" = "float32" }]', "$.check.Accum[0]: not a C++ identifier"),
    ],
)
def test_bad_check_entries_are_errors(tmp_path, body, expected):
    config = tmp_path / "c.toml"
    config.write_text(f"[check]\n{body}\n")
    r = cli(
        "emit", DATA / "ir" / "user_constructs.json", "--config", config, "-o", tmp_path / "m.py"
    )
    assert r.returncode == 1 and expected in r.stderr, r.stderr
    assert not (tmp_path / "m.py").exists()


def test_a_template_the_module_does_not_bind_is_a_warning(tmp_path):
    config = tmp_path / "c.toml"
    shutil.copy(DATA / "user_constructs.toml", config)
    with config.open("a") as fh:
        fh.write('"cub::BlockScan" = [{ T = "int32" }]\n')
    r = cli(
        "emit", DATA / "ir" / "user_constructs.json", "--config", config, "-o", tmp_path / "m.py"
    )
    assert r.returncode == 0
    assert "warning: [check] names templates this module does not bind: cub::BlockScan" in (
        r.stderr
    )


def test_typing_time_cpp_rejection_is_one_typing_error():
    """A specialization C++ refuses (its layout is asked of NVRTC while the kernel is typed)
    is one TypingError quoting the compiler's line, not NVRTC's whole log."""
    from numba.core.errors import TypingError
    from numba.cuda import types

    import numbast
    from numbast.backend.check import link_kernel

    m = numbast.bind(DATA / "ir" / "user_constructs.json", config=DATA / "user_constructs.toml")
    Word = m.Word

    def kernel(out):
        out[0] = Word(T=types.float64).get()

    with pytest.raises(TypingError) as err:
        link_kernel(kernel, (types.float64[::1],), m._bindings.bundle)
    text = str(err.value)
    assert "C++ rejects" in text and "Word needs a 4-byte type" in text
    assert "compilation log" not in text


def test_thrust_complex_example_config_is_checked_whole(tmp_path):
    """thrust/complex.h compiles under NVRTC only with the example config's
    `-default-device` and stream declarations; its specializations then check whole, the
    function templates over `const complex<T> &` (abs, exp, pow, ...) included."""
    pytest.importorskip("clang.cindex", reason="dumping thrust/complex.h needs the frontend")
    api = tmp_path / "thrust_complex.json"
    r = subprocess.run(
        [sys.executable, "-m", "numbast.tools.canopy", "dump", "thrust/complex.h", "-o", str(api)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    config = Path(__file__).parents[2] / "examples" / "configs" / "thrust_complex.toml"
    module = tmp_path / "tc.py"
    away = tmp_path / "elsewhere"
    away.mkdir()
    r = cli("emit", api, "--config", config, "-o", module, cwd=away)
    assert r.returncode == 0, r.stderr
    assert 'nvrtc_options=("-default-device",)' in module.read_text()
    r = cli("check", module, "--fail-unchecked", cwd=away)
    assert r.returncode == 0, r.stderr
    assert "complex<T=float64>.imag(float64)" in r.stderr and "polar<T0=float32" in r.stderr
    # The functions over `const complex<T> &` deduce T from the complex argument.
    assert "abs<T=float32>(thrust::complex<float>) " in r.stderr
    assert "pow<T0=float64, T1=float64>(float64, thrust::complex<double>)" in r.stderr
    assert (
        "complex<T=float32> operator*(thrust::complex<float>, thrust::complex<float>)" in r.stderr
    )
    assert "74 bindings passed, 0 failed" in r.stderr
    # Without the option thrust/complex.h does not compile for the shims: one error.
    plain = tmp_path / "plain.toml"
    plain.write_text(config.read_text().replace('nvrtc_options = ["-default-device"]', ""))
    (tmp_path / "include").symlink_to(config.parent / "include")
    r = cli("emit", api, "--config", plain, "-o", tmp_path / "x.py")
    assert r.returncode == 1 and "-default-device" in r.stderr


def test_nvrtc_options_outside_the_allowed_ones_are_errors(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[shim]\nnvrtc_options = ["-o", "/tmp/evil"]\n')
    r = cli("emit", UC_IR, "--config", config, "-o", tmp_path / "m.py")
    assert r.returncode == 1 and "$.shim.nvrtc_options[0]: '-o' is not one of" in r.stderr
