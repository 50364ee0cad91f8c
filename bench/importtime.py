"""``import zmqrepl.core`` against ``import zmq``, each in a fresh interpreter.

The two may be different interpreters (pyzmq's venv, see bench.pyzmq_env), whose start-up
loads different modules (``site`` runs the editable zmqrepl's finder, which imports pathlib,
re, urllib.parse...). So that neither import is charged for modules the other had for free,
each run first imports every module that either interpreter has loaded when it starts.
"""

from __future__ import annotations

import subprocess
import sys

__all__ = ["MODULES", "import_times"]

MODULES = {"zmqrepl": "zmqrepl.core", "pyzmq": "zmq"}
_SNIPPET = (
    "import importlib, time\n"
    "for name in {1!r}:\n"
    "    try:\n"
    "        importlib.import_module(name)\n"
    "    except ImportError:\n"
    "        pass\n"
    "t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"
)
_STARTUP = "import sys; print(*sys.modules)"
_COMPILE = (
    "import compileall, importlib.util, os; s = importlib.util.find_spec({0!r}); "
    "s and s.origin and compileall.compile_dir(os.path.dirname(s.origin), quiet=1)"
)


def _compile(python: str, module: str) -> None:
    """Write bytecode first, with the interpreter that imports it: pip precompiles an
    installed pyzmq (in the pyzmq venv of bench.pyzmq_env too), while an editable zmqrepl (and
    any package under PYTHONDONTWRITEBYTECODE=1) would be compiled on every import."""
    subprocess.run([python, "-c", _COMPILE.format(module.split(".")[0])], check=True, stdout=sys.stderr)


def import_times(
    impls: list[str], repeats: int, pyzmq_python: str = sys.executable, zmqrepl_python: str = sys.executable
) -> dict[str, list[float]]:
    """Milliseconds per fresh import, interleaved; the interpreter start is not counted.
    ``import zmq`` runs under pyzmq_python (see bench.pyzmq_env), ``import zmqrepl.core``
    under zmqrepl_python (--python)."""
    times: dict[str, list[float]] = {impl: [] for impl in impls if impl in MODULES}
    python = {impl: pyzmq_python if impl == "pyzmq" else zmqrepl_python for impl in times}
    preload: set[str] = set()
    for impl in times:
        _compile(python[impl], MODULES[impl])
        started = subprocess.run([python[impl], "-c", _STARTUP], check=True, capture_output=True, text=True)
        preload.update(n for n in started.stdout.split() if not n.startswith("__"))
    snippet = {impl: _SNIPPET.format(MODULES[impl], sorted(preload)) for impl in times}
    for _ in range(repeats):
        for impl in times:
            out = subprocess.run(
                [python[impl], "-c", snippet[impl]], check=True, capture_output=True, text=True
            ).stdout
            times[impl].append(float(out) * 1e3)
    return times
