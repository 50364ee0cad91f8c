"""The built-in proxy: forward between two sockets until the context ends.

    >>> proxy(Socket("router"), Socket("dealer"))   # after binding both
"""

from __future__ import annotations

from ._lib import ffi, lib
from .constants import Errno
from .socket import Socket

__all__ = ["proxy"]


def proxy(frontend: Socket, backend: Socket, capture: Socket | None = None) -> None:
    """Run zmq_proxy until the sockets' context is terminated (then return).

    Ctrl-C raises KeyboardInterrupt; every other signal resumes forwarding.
    ``capture`` gets a copy of every message that passes.
    """
    for name, sock in (("frontend", frontend), ("backend", backend), ("capture", capture)):
        if sock is not None and not isinstance(sock, Socket):
            raise TypeError(f"{name} must be a Socket, not {type(sock).__name__}")
    cap = capture._st if capture is not None else ffi.NULL
    while True:
        rc = lib.zr_proxy(frontend._st, backend._st, cap)
        if rc == 0:
            return
        if rc == lib.ZR_ERR:
            errno = ffi.errno
            if errno == Errno.EINTR:
                continue  # looping back runs pending signal handlers
            if errno == Errno.ETERM:
                for sock in (frontend, backend, capture):
                    if sock is not None:
                        sock._close_terminated()
                return
        culprit = next((s for s in (frontend, backend, capture)
                        if s is not None and (rc != lib.ZR_CLOSED or s.closed)), frontend)
        raise culprit._error(rc, "proxy")
