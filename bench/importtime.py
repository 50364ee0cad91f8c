"""``import zmqrepl.core`` against ``import zmq``, each in a fresh interpreter."""

from __future__ import annotations

import compileall
import importlib.util
import subprocess
import sys
from pathlib import Path

__all__ = ["MODULES", "import_times"]

MODULES = {"zmqrepl": "zmqrepl.core", "pyzmq": "zmq"}
_SNIPPET = "import time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"


def _compile(module: str) -> None:
    """Write bytecode first: pip precompiles an installed pyzmq, while an editable zmqrepl
    (and any package under PYTHONDONTWRITEBYTECODE=1) would be compiled on every import."""
    spec = importlib.util.find_spec(module.split(".")[0])
    if spec is not None and spec.origin is not None:
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def import_times(impls: list[str], repeats: int) -> dict[str, list[float]]:
    """Milliseconds per fresh import, interleaved; the interpreter start is not counted."""
    times: dict[str, list[float]] = {impl: [] for impl in impls if impl in MODULES}
    for impl in times:
        _compile(MODULES[impl])
    for _ in range(repeats):
        for impl in times:
            out = subprocess.run([sys.executable, "-c", _SNIPPET.format(MODULES[impl])],
                                 check=True, capture_output=True, text=True).stdout
            times[impl].append(float(out) * 1e3)
    return times

