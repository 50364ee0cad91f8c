"""``import zmqrepl.core`` against ``import zmq``, each in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

__all__ = ["MODULES", "import_times"]

MODULES = {"zmqrepl": "zmqrepl.core", "pyzmq": "zmq"}
_SNIPPET = "import time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"


def import_times(impls: list[str], repeats: int) -> dict[str, list[float]]:
    """Milliseconds per fresh import, interleaved; the interpreter start is not counted."""
    times: dict[str, list[float]] = {impl: [] for impl in impls if impl in MODULES}
    for _ in range(repeats):
        for impl in times:
            out = subprocess.run([sys.executable, "-c", _SNIPPET.format(MODULES[impl])],
                                 check=True, capture_output=True, text=True).stdout
            times[impl].append(float(out) * 1e3)
    return times

