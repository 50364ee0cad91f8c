"""The test matrix: `make test-all` (= `.venv/bin/nox`), one session per interpreter.

    .venv/bin/nox                    # every session: CPython 3.9 to 3.13, then PyPy 3.9
    .venv/bin/nox -s "tests-3.12"    # one of them (`.venv/bin/nox -l` lists them)
    .venv/bin/nox -s tests-pypy3.9 -- tests/core/test_poll.py   # other pytest arguments

Each session builds zmqrepl's extension for its interpreter in a virtualenv of its own
(.nox/, kept between runs), installs the `suite` extra, and runs SUITES with pytest-xdist on
two workers: these tests mostly wait on sockets and child processes, so two workers
finish in about half the time on two cores. `make test` runs the whole suite on the default
interpreter; here each interpreter runs the suites that exercise what differs between
interpreters: the binding (core), its wire behaviour against pyzmq (interop), the
asyncio/anyio sockets (asyncio) and the engine thread (session). A missing interpreter is an
error, not a skip (error_on_missing_interpreters).
"""

from __future__ import annotations

import glob
import os
import shutil

import nox

nox.options.error_on_missing_interpreters = True
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests"]

CPYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
PYPY = "pypy3.9"
SUITES = ["tests/core", "tests/interop", "tests/asyncio", "tests/session"]
WORKERS = "2"
# What PyPy cannot run, and why: a Jupyter kernel needs ipykernel, which needs psutil, whose
# build for PyPy 3.9 fails to load (undefined symbol: PyErr_FormatV; README, "PyPy").
PYPY_CANNOT = ["tests/asyncio/test_notebook_consumer.py::test_an_async_consumer_runs_in_the_kernels_loop"]


def _find_pyenv_builds() -> None:
    """Put pyenv's newest X.Y.* build of each CPython that is not on PATH in front of PATH,
    where nox looks for pythonX.Y: this machine and CI keep them under pyenv, whose shims
    run only the versions `pyenv global` names. One still missing fails its session."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    shims = os.path.join(root, "shims")
    found = []
    for version in CPYTHONS:
        on_path = shutil.which(f"python{version}")
        if on_path and os.path.dirname(on_path) != shims:  # a shim of a version not enabled fails
            continue
        builds = glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", f"python{version}"))
        builds.sort(key=lambda path: int(path.split(os.sep)[-3].split(".")[2].split("-")[0] or 0))
        if builds:
            found.append(os.path.dirname(builds[-1]))
    os.environ["PATH"] = os.pathsep.join([*found, os.environ.get("PATH", "")])


_find_pyenv_builds()


@nox.session(python=[*CPYTHONS, PYPY])
def tests(session: nox.Session) -> None:
    # Editable, as in .venv: tests import zmqrepl from the checkout (pyproject's pythonpath),
    # next to which this builds _zmq.<this interpreter's tag>.so.
    session.install("-q", "-e", ".[suite]")
    cannot = PYPY_CANNOT if session.python == PYPY else []
    session.run(
        "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-n",
        WORKERS,
        # Short temporary paths: xdist adds popen-gwN/, and some messages cut a long path.
        f"--basetemp=/tmp/zmqrepl-{session.name}",
        *[arg for test in cannot for arg in ("--deselect", test)],
        *(session.posargs or SUITES),
    )
