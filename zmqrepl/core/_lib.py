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

# The zr_hot_* helpers rely on how cffi wraps calls (see csrc/hot.c); refuse to run
# rather than let them make Python objects without the GIL.
if not lib.zr_hot_gil_check():  # pragma: no cover - only with an unknown cffi
    raise ImportError(
        "zmqrepl.core's compiled module does not keep the GIL around its zr_hot_* helpers: "
        "the installed cffi generates wrappers zmqrepl does not know (hint: reinstall "
        "zmqrepl with cffi 1.16 to 2.x)"
    )

__all__ = ["ffi", "lib"]
