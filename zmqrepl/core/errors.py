"""ZMQError and its subclasses, with messages that say what to do.

>>> try:
...     sock.send(b"again")          # a REQ socket that has not had its reply
... except ZMQError as err:
...     print(err)
a REQ socket must receive the reply before it sends again (hint: call recv() first, ...)
"""

from __future__ import annotations

import os

from .constants import Errno, SocketType

__all__ = [
    "Again",
    "ContextTerminated",
    "SocketBusy",
    "SocketClosed",
    "ZMQError",
    "error_for",
]


class ZMQError(Exception):
    """A libzmq call failed. ``errno`` is the code, ``strerror`` libzmq's own words."""

    sent = 0  # send_many: the messages that went before the error

    def __init__(self, errno: int, strerror: str | None = None, message: str | None = None):
        self.errno = errno
        self.strerror = strerror if strerror is not None else _strerror(errno)
        self.message = message or self.strerror
        super().__init__(self.message)

    def __reduce__(self) -> tuple[type, tuple[int, str, str]]:
        return (type(self), (self.errno, self.strerror, self.message))


class Again(ZMQError):
    """The operation would block (EAGAIN): nothing to receive, or no room to send."""


class ContextTerminated(ZMQError):
    """The socket's context was terminated (ETERM); the socket has been closed."""


class SocketClosed(ZMQError):
    """The socket was closed (ENOTSOCK) before this call; libzmq was not touched."""


class SocketBusy(ZMQError):
    """Another thread is using the socket right now (libzmq sockets are not thread-safe)."""


def _strerror(errno: int) -> str:
    from ._lib import ffi, lib

    return str(ffi.string(lib.zmq_strerror(errno)).decode("utf-8", "replace"))


_CLASSES: dict[int, type[ZMQError]] = {
    Errno.EAGAIN: Again,
    Errno.ETERM: ContextTerminated,
    Errno.ENOTSOCK: SocketClosed,
}

_ENDPOINT_HINT = "use tcp://HOST:PORT, ipc:///PATH or inproc://NAME"


def _explain(errno: int, op: str, kind: SocketType | None, endpoint: str | None) -> str | None:
    """Plain words for the errors users meet, keyed by what they were doing."""
    k = kind.name if kind is not None else "this"
    ep = repr(endpoint) if endpoint is not None else "the endpoint"
    if errno == Errno.EFSM:
        if kind == SocketType.REQ and op == "send":
            return (
                "a REQ socket must receive the reply before it sends again "
                "(hint: call recv() first, or set req_relaxed)"
            )
        if kind == SocketType.REQ:
            return "a REQ socket must send a request before it can receive (hint: send() first)"
        if kind == SocketType.REP and op == "send":
            return "a REP socket must receive a request before it can send a reply (hint: recv() first)"
        if kind == SocketType.REP:
            return "a REP socket must send its reply before it receives again (hint: send() the reply)"
        return f"{k} socket is in the wrong state for {op} (request/reply order)"
    if errno == Errno.EAGAIN:
        if op == "send":
            return (
                f"{k} socket cannot send now: no peer is ready or the send queue is full "
                "(hint: connect a peer, raise sndhwm, or send without nonblocking)"
            )
        return f"nothing to receive on {k} socket yet (hint: wait with poll() or use a timeout)"
    if errno == Errno.ETERM:
        return "the socket's context was terminated; the socket is closed (hint: make a new context)"
    if errno == Errno.EADDRINUSE:
        return f"address {ep} is already in use (hint: pick another port or close the socket bound there)"
    if errno in (Errno.EINVAL, Errno.EPROTONOSUPPORT) and op in ("bind", "connect", "unbind", "disconnect"):
        if errno == Errno.EPROTONOSUPPORT:
            return f"unsupported transport in {ep} ({_ENDPOINT_HINT})"
        return f"invalid endpoint {ep} ({_ENDPOINT_HINT})"
    if errno == Errno.ENOENT and op in ("unbind", "disconnect"):
        verb = "bound to" if op == "unbind" else "connected to"
        return (
            f"socket is not {verb} {ep} (hint: use the exact endpoint, "
            "e.g. last_endpoint after binding to port *)"
        )
    if errno == Errno.ENOENT and op == "bind":
        return f"cannot bind {ep}: the directory or path does not exist"
    if errno == Errno.EADDRNOTAVAIL:
        return f"address {ep} is not local to this machine (hint: bind to * or a local interface)"
    if errno == Errno.ENODEV:
        return f"no such network interface in {ep} (hint: use * or an address such as 127.0.0.1)"
    if errno == Errno.ENOTSUP:
        return f"{k} socket does not support {op} (hint: pick a socket type that can {op})"
    if errno == Errno.EHOSTUNREACH:
        return (
            "no connected peer has that routing id (hint: the first frame must be a "
            "connected peer's routing id)"
        )
    if errno == Errno.EMTHREAD:
        return "no I/O thread is available (hint: make the context with io_threads >= 1)"
    if errno == Errno.ENOCOMPATPROTO:
        return f"transport in {ep} does not work with {k} socket"
    if errno == Errno.EMFILE:
        return "too many open sockets or files (hint: close unused sockets or raise ulimit -n)"
    if errno == Errno.EACCES:
        return f"permission denied for {ep} (hint: ports below 1024 need privileges)"
    return None


def error_for(errno: int, op: str, kind: SocketType | None = None, endpoint: str | None = None) -> ZMQError:
    """The exception to raise for errno from operation ``op``."""
    cls = _CLASSES.get(errno, ZMQError)
    strerror = _strerror(errno) if errno > 0 else os.strerror(-errno)
    message = _explain(errno, op, kind, endpoint)
    if message is None:
        message = f"{op} failed: {strerror}"
    return cls(errno, strerror, message)
