"""The compiled cffi module, with one clear message when it was never built."""

from __future__ import annotations

try:
    from ._zmq import ffi, lib
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "zmqrepl.core's compiled module is missing (" + str(exc) + "); install the "
        "package with `pip install -e .` (needs libzmq headers: Debian/Ubuntu "
        "`apt-get install libzmq3-dev pkg-config`) or run `make run`"
    ) from exc

__all__ = ["ffi", "lib"]
