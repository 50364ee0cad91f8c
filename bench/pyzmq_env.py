"""The Python interpreter that runs the pyzmq side, so that it can use the system libzmq.

The PyPI wheel of pyzmq bundles its own libzmq, while zmqrepl.core and zbench link the
system's. Mode "system" (the default) builds, once, a virtualenv
``bench/out/pyzmq-<pyzmq version>-libzmq-<system libzmq version>[-<interpreter tag>]/``
holding the same pyzmq version as the measured interpreter (this one, or --python's, which
also makes the venv), compiled from source against the system libzmq (pip fetches
the build tools from PyPI; pkg-config finds libzmq; about 20 s). The venv is built under a
temporary name and renamed when complete, so an interrupted build is never reused; it holds
no zmqrepl (the bench package is found through the working directory). Mode "wheel" is the
measured interpreter and its pyzmq as installed.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .cbuild import OUT_DIR, system_libzmq_version

__all__ = ["MODES", "pyzmq_python"]

MODES = ("system", "wheel")
_LIBZMQ_OF_ZMQ = "import zmq; print(zmq.zmq_version())"


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _libzmq_of(python: Path) -> str:
    """The libzmq version that pyzmq reports under this interpreter."""
    try:
        result = subprocess.run([str(python), "-c", _LIBZMQ_OF_ZMQ], capture_output=True, text=True)
    except OSError:
        return "none (no interpreter)"
    return result.stdout.strip() if result.returncode == 0 else "none (import zmq failed)"


def _run_line(cmd: list[str]) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def _build(venv: Path, pyzmq: str, base: str) -> None:
    """Create the venv (from the interpreter ``base``) in a temporary directory beside it,
    then rename it into place."""
    OUT_DIR.mkdir(exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{venv.name}.", suffix=".tmp", dir=OUT_DIR))
    try:
        steps = (
            [base, "-m", "venv", str(tmp)],
            [
                str(tmp / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "-q",
                "--no-binary",
                "pyzmq",
                f"pyzmq=={pyzmq}",
            ],
        )
        for cmd in steps:
            if subprocess.run(cmd, stdout=sys.stderr).returncode != 0:  # the table owns stdout
                raise RuntimeError(
                    f"building pyzmq {pyzmq} from source failed (output above): it needs "
                    "PyPI, libzmq3-dev, pkg-config and a C++ compiler; or pass --pyzmq wheel"
                )
        try:
            tmp.rename(venv)
        except OSError:
            if not venv.is_dir():
                raise  # else another run finished first: its venv is as good
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


_PYZMQ_VERSION = "from importlib import metadata; print(metadata.version('pyzmq'))"
_TAG = "import sys; print(sys.implementation.cache_tag)"


@functools.cache
def pyzmq_python(mode: str = "system", base: str = sys.executable) -> str:
    """The interpreter to run pyzmq with, building its venv first in mode "system": the
    pyzmq version installed for ``base`` (the interpreter the bench measures, see --python),
    in a venv made from ``base``."""
    if mode == "wheel":
        return base
    if mode != "system":
        raise ValueError(f"pyzmq mode {mode!r} is not one of {', '.join(MODES)}")
    found_version = subprocess.run([base, "-c", _PYZMQ_VERSION], capture_output=True, text=True)
    if found_version.returncode != 0:
        raise RuntimeError(
            f"pyzmq is not installed for {base}, so its version is unknown: run `make setup` first"
        )
    pyzmq = found_version.stdout.strip()
    # The interpreter's tag (cpython-311, pypy39) too, once it is not this one.
    tag = "" if base == sys.executable else "-" + _run_line([base, "-c", _TAG])
    libzmq = system_libzmq_version()
    venv = OUT_DIR / f"pyzmq-{pyzmq}-libzmq-{libzmq}{tag}"
    python = venv / "bin" / "python"
    if not python.exists():
        _log(
            f"building pyzmq {pyzmq} from source against the system libzmq {libzmq} into {venv} "
            "(once, about 20 s)"
        )
        _build(venv, pyzmq, base)
    found = _libzmq_of(python)
    if found != libzmq:
        raise RuntimeError(
            f"pyzmq in {venv} uses libzmq {found}, not the system's {libzmq}: delete that "
            "directory and run again (it is rebuilt), or pass --pyzmq wheel"
        )
    return str(python)
