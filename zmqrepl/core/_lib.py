"""The compiled cffi module, with one clear message when it was never built."""

from __future__ import annotations

import sys

try:
    from ._zmq import ffi, lib
except ImportError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "zmqrepl.core's compiled module is missing (" + str(exc) + "); install the "
        "package with `pip install -e .` (needs libzmq headers: Debian/Ubuntu "
        "`apt-get install libzmq3-dev pkg-config`) or run `make run`"
    ) from exc

# Whether this build has the zr_hot_* helpers of csrc/hot.c: CPython builds do, PyPy
# builds do not (_build.py's KEEPS_GIL). The modules with per-message paths
# (messaging.py, _async_socket.py) choose theirs from this once, at import.
KEEPS_GIL: bool = hasattr(lib, "zr_hot_gil_check")

# Whether a dropped socket's state is freed as soon as the socket is unreachable: CPython
# (reference counting) does. PyPy's GC first clears the weak references to the socket,
# and runs cffi's destructor for its state later, from a finalizer queue, so for a while
# the state is open but no longer listed by its context (context.py waits for it).
FREES_AT_ONCE: bool = sys.implementation.name == "cpython"

# The zr_hot_* helpers rely on how cffi wraps calls (see csrc/hot.c); refuse to run
# rather than let them make Python objects without the GIL.
if KEEPS_GIL and not lib.zr_hot_gil_check():  # pragma: no cover - only with an unknown cffi
    raise ImportError(
        "zmqrepl.core's compiled module does not keep the GIL around its zr_hot_* helpers: "
        "the installed cffi generates wrappers zmqrepl does not know (hint: reinstall "
        "zmqrepl with cffi 1.16 to 2.x)"
    )

__all__ = ["FREES_AT_ONCE", "KEEPS_GIL", "ffi", "lib"]
