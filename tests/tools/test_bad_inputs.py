"""Bad input to the command lines ends with exit 1 (2 for `canopy diff`) and one line
`prog: error: <where>: <what>`, never a traceback or an "internal error"."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import DATA

SAMPLE = DATA / "ir" / "bind_sample.json"


def _cli(prog: str, *args: str, stdin=None, shell_suffix: str = "") -> subprocess.CompletedProcess:
    module = {"canopy": "numbast.tools.canopy", "numbast": "numbast.tools.numbast_cli"}[prog]
    if shell_suffix:
        cmd = " ".join([sys.executable, "-m", module, *args]) + shell_suffix
        return subprocess.run(cmd, shell=True, capture_output=True, text=True)
    return subprocess.run(
        [sys.executable, "-m", module, *args], input=stdin, capture_output=True, text=True
    )


def _one_error_line(r: subprocess.CompletedProcess, prog: str, code: int = 1) -> str:
    assert r.returncode == code, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{prog}: error: "), r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    return lines[0]


def _edited(tmp_path: Path, edit) -> Path:
    doc = json.loads(SAMPLE.read_text())
    edit(doc)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc).replace('"NESTED"', "[" * 2500 + "]" * 2500))
    return path


def _set_version(value):
    return lambda doc: doc["header"].__setitem__("version", value)


def _nest(doc):
    doc["header"]["defines"] = "NESTED"  # replaced by 2,500 nested lists in the text


def _constant_abc(doc):
    macro = next(
        d for d in doc["declarations"] if d["kind"] in ("macro", "variable") and d.get("value")
    )
    macro["value"]["value"] = "abc"


@pytest.mark.parametrize(
    "edit, expected",
    [
        (_set_version("1.²"), "$.header.version: expected a version string"),
        (_set_version("1." + "9" * 100_000), "$.header.version: expected a version string"),
        (_set_version("１.１"), "$.header.version: expected a version string"),
        (_nest, "nested more than 200 levels deep"),
    ],
    ids=["superscript", "huge", "fullwidth", "nested"],
)
def test_bad_ir_is_one_line(tmp_path, edit, expected):
    path = _edited(tmp_path, edit)
    for prog, args in (("numbast", ["emit", str(path)]), ("canopy", ["validate", str(path)])):
        assert expected in _one_error_line(_cli(prog, *args), prog)


def test_constant_that_is_not_a_number_is_skipped(tmp_path):
    path = _edited(tmp_path, _constant_abc)
    # Copied away from its headers: nothing could be verified.
    r = _cli("numbast", "emit", str(path), "--no-verify", "-o", str(tmp_path / "m.py"))
    assert r.returncode == 0, r.stderr
    assert "is not a int" in (tmp_path / "m.py").read_text()


def test_emit_refuses_what_validate_refuses(tmp_path):
    def duplicate(doc):
        doc["declarations"].append(doc["declarations"][0])

    path = _edited(tmp_path, duplicate)
    line = _one_error_line(
        _cli("numbast", "emit", str(path), "-o", str(tmp_path / "m.py")), "numbast"
    )
    assert "duplicate id" in line and not (tmp_path / "m.py").exists()


def test_check_names_its_bad_option(tmp_path):
    (tmp_path / "m.py").write_text("")
    line = _one_error_line(
        _cli("numbast", "check", str(tmp_path / "m.py"), "--arch", "bogus"), "numbast"
    )
    assert "--arch: 'bogus' is not a GPU architecture" in line


@pytest.mark.parametrize("prog, args", [("canopy", ["schema"]), ("numbast", ["emit", str(SAMPLE)])])
def test_closed_stdout(prog, args):
    line = _one_error_line(_cli(prog, *args, shell_suffix=" >&-"), prog)
    assert line.endswith("standard output was closed")


def test_unwritable_output_names_the_path(tmp_path):
    target = tmp_path / "missing" / "m.py"
    line = _one_error_line(_cli("numbast", "emit", str(SAMPLE), "-o", str(target)), "numbast")
    assert str(target.parent) in line


def test_markup_in_user_data_is_text(tmp_path):
    """A spelling holding rich markup is printed as written, and diff's exit stays 0/1/2."""

    def markup(doc):
        for d in doc["declarations"]:
            if d["name"] == "length2":
                for key in ("spelling", "canonical", "qualified"):
                    d["return_type"][key] = "float (&)[count] [/]"

    old = _edited(tmp_path, lambda doc: None).rename(tmp_path / "old.json")
    new = _edited(tmp_path, markup)
    r = _cli("canopy", "diff", str(old), str(new), "--fail-on", "none")
    assert r.returncode == 0, r.stderr
    assert "[count] [/]" in r.stdout
    missing = tmp_path / "[bold]x[/].cuh"
    line = _one_error_line(_cli("canopy", "dump", str(missing)), "canopy")
    assert "[bold]x[/].cuh" in line


def test_interrupt_exits_130_with_one_line(tmp_path):
    pytest.importorskip("clang.cindex", reason="needs the frontend")
    out = tmp_path / "api.json"
    headers = ["cuda_bf16.h", "cuda_fp16.h", "cuda_fp8.h", "cuda_fp6.h", "cuda_fp4.h"]
    headers += [f"cub/block/block_{b}.cuh" for b in ("scan", "reduce", "load", "store")]
    p = subprocess.Popen(
        [sys.executable, "-m", "numbast.tools.canopy", "dump", *headers, "-o", str(out)],
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    if out.exists():
        pytest.skip("the dump finished before the interrupt")
    assert p.returncode == 130 and err.strip().splitlines()[-1] == "canopy: interrupted", err
    assert "Traceback" not in err and not out.exists()
