"""The package as a user gets it. The sdist and the wheel are built (``python -m build``) from a
copy of the tracked files, which is what a clean clone has; ``twine check`` reads their metadata;
the sdist is installed into a fresh venv and run there; and a user's ``mypy --strict`` reads the
installed hints (PEP 561). pip reaches PyPI for the build requirements and dependencies; libzmq's
headers come from the system. The extension is compiled twice (wheel, then the sdist's install).
"""

from __future__ import annotations

import email.parser
import importlib.machinery
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pytest

import zmqrepl

ROOT = Path(__file__).resolve().parents[2]
VERSION = zmqrepl.__version__

# Above the suite's 120 s: the budget of a test includes its fixtures' builds, here two compiles
# of the extension and pip's downloads (about 20 s on an idle 2-core machine, pip's cache warm).
pytestmark = pytest.mark.timeout(300)

# What the children must not inherit: another interpreter's paths or venv, or settings that
# would change mypy's output.
_SCRUBBED = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "MYPYPATH", "FORCE_COLOR", "MYPY_FORCE_COLOR")


def run(cmd: Sequence[str | Path], cwd: Path, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )
    if check:
        assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@dataclass(frozen=True)
class Built:
    tracked: list[str]  # the tracked files, relative to the root
    sdist: Path
    wheel: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Both distributions, built from the tracked files only (no venv, build/ or stale .so)."""
    base = tmp_path_factory.mktemp("build")
    listed = run(["git", "ls-files", "-z"], ROOT).stdout
    tracked = [name for name in listed.split("\0") if name]
    src = base / "src"
    for name in tracked:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    run([sys.executable, "-m", "build", "--outdir", base / "dist", src], base)
    sdists = sorted((base / "dist").glob("*.tar.gz"))
    wheels = sorted((base / "dist").glob("*.whl"))
    assert [p.name for p in sdists] == [f"zmqrepl-{VERSION}.tar.gz"]
    assert len(wheels) == 1 and wheels[0].name.startswith(f"zmqrepl-{VERSION}-"), wheels
    return Built(tracked, sdists[0], wheels[0])


@pytest.fixture(scope="module")
def venv_python(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh venv (the running interpreter's venv module) with the sdist installed."""
    base = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", base / "venv"], base)
    python = base / "venv" / "bin" / "python"
    run([python, "-m", "pip", "install", "--no-input", built.sdist], base)
    return python


@pytest.fixture(scope="module")
def user_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's folder, away from the repository (so neither python nor mypy finds its source),
    with an empty mypy config (so none of the repository's settings apply)."""
    project = tmp_path_factory.mktemp("user")
    (project / "mypy.ini").write_text("[mypy]\n")
    return project


def test_twine_check_passes_on_both(built: Built) -> None:
    proc = run([sys.executable, "-m", "twine", "check", "--strict", built.sdist, built.wheel], ROOT)
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def test_wheel_holds_the_package_its_marker_and_extension_only(built: Built) -> None:
    names = zipfile.ZipFile(built.wheel).namelist()
    assert "zmqrepl/py.typed" in names
    extensions = [f"zmqrepl/core/_zmq{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES]
    assert [n for n in names if n in extensions], names
    modules = {n for n in names if n.endswith(".py")}
    assert modules == {n for n in built.tracked if n.startswith("zmqrepl/") and n.endswith(".py")}
    info = f"zmqrepl-{VERSION}.dist-info/"
    stray = [n for n in names if not n.startswith(("zmqrepl/", info))]
    assert not stray, "the wheel holds files outside the package (tests/, bench/?)"
    assert not [n for n in names if n.endswith((".c", ".h"))], "C sources belong in the sdist only"


def test_wheel_metadata(built: Built) -> None:
    text = zipfile.ZipFile(built.wheel).read(f"zmqrepl-{VERSION}.dist-info/METADATA").decode()
    meta = email.parser.Parser().parsestr(text)
    assert meta["Version"] == VERSION
    assert meta["Requires-Python"] == ">=3.9"
    assert meta["License-Expression"] == "MIT"
    classifiers = meta.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: Implementation :: CPython" in classifiers
    assert [c for c in classifiers if c.startswith("Programming Language :: Python :: 3.")] == [
        f"Programming Language :: Python :: 3.{minor}" for minor in range(9, 14)
    ]


def test_sdist_holds_what_the_build_needs(built: Built) -> None:
    top = f"zmqrepl-{VERSION}/"
    names = set(tarfile.open(built.sdist).getnames())
    needed = ["pyproject.toml", "setup.py", "README.md", "zmqrepl/py.typed", "zmqrepl/core/_build.py"]
    needed += [n for n in built.tracked if n.startswith("zmqrepl/core/csrc/")]
    assert len(needed) > 5
    assert not [n for n in needed if top + n not in names]


def test_installed_version_is_the_single_one(venv_python: Path, user_project: Path) -> None:
    proc = run([venv_python.with_name("zmqrepl"), "--version"], user_project)
    assert proc.stdout == f"zmqrepl {VERSION}\n"
    code = "import importlib.metadata as m; print(m.version('zmqrepl'))"
    assert run([venv_python, "-c", code], user_project).stdout == f"{VERSION}\n"


def test_installed_core_imports_and_runs(venv_python: Path, user_project: Path) -> None:
    code = (
        "import zmqrepl.core as core\n"
        "print(core.__file__)\n"
        "a = core.Socket('pair'); a.bind('inproc://p')\n"
        "b = core.Socket('pair'); b.connect('inproc://p')\n"
        "b.send(b'hi'); print(a.recv(as_=str))\n"
        "a.close(); b.close()\n"
    )
    where, got = run([venv_python, "-c", code], user_project).stdout.splitlines()
    # From the venv's site-packages, not the repository's source tree.
    assert Path(where).is_relative_to(venv_python.parents[1]), where
    assert got == "hi"


def mypy_user_file(
    venv_python: Path, project: Path, name: str, body: str
) -> subprocess.CompletedProcess[str]:
    """The test venv's mypy --strict on one user file, reading the packages installed for venv_python."""
    (project / name).write_text(f"from zmqrepl.core import Socket\n\n{body}\n")
    cmd: list[str | Path] = [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--strict"]
    cmd += ["--python-executable", venv_python, "--cache-dir", project / ".mypy_cache", name]
    return run(cmd, project, check=False)


def test_user_mypy_strict_rejects_a_wrong_type(venv_python: Path, user_project: Path) -> None:
    proc = mypy_user_file(venv_python, user_project, "wrong.py", 'n: int = Socket("req").recv()')
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        'wrong.py:3: error: Incompatible types in assignment (expression has type "bytes", '
        'variable has type "int")  [assignment]',
        "Found 1 error in 1 file (checked 1 source file)",
    ]


def test_user_mypy_strict_accepts_the_right_type(venv_python: Path, user_project: Path) -> None:
    proc = mypy_user_file(venv_python, user_project, "right.py", 'b: bytes = Socket("req").recv()')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "Success: no issues found in 1 source file\n"
