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
    socks = (frontend, backend, capture)
    failed = ffi.new("int *")
    running = False  # True once it has forwarded: back from a signal (EINTR)
    while True:
        rc = lib.zr_proxy(frontend._st, backend._st, cap, failed)
        if rc == 0:
            return
        if rc == lib.ZR_ERR:
            errno = ffi.errno
            if errno == Errno.EINTR:
                running = True
                continue  # looping back runs pending signal handlers
            if errno == Errno.ETERM:
                _close_terminated(socks)
                return
            raise frontend._error(rc, "proxy")
        culprit = socks[failed[0]] or frontend
        err = culprit._error(rc, "proxy")
        if running and err.errno == Errno.ETERM:
            # term() took a socket between two calls (after EINTR): the proxy's end.
            _close_terminated(socks)
            return
        raise err


def _close_terminated(socks: tuple[Socket | None, ...]) -> None:
    for sock in socks:
        if sock is not None:
            sock._close_terminated()
