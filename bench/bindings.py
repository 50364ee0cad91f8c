"""zmqrepl.core and pyzmq behind the few calls the roles need besides send and recv.

The measured loops call ``sock.send(data)`` and ``sock.recv()`` directly, with the method
bound to a local once: both libraries take and return ``bytes`` there (pyzmq with its
default ``copy=True``), so the loops are the same code for both.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["Binding", "load"]


class Binding(Protocol):
    name: str

    def context(self) -> Any: ...

    def socket(
        self, ctx: Any, kind: str, endpoint: str, *, bind: bool, sndhwm: int = -1, rcvhwm: int = -1
    ) -> Any: ...

    def subscribe_all(self, sock: Any) -> None: ...

    def recv_view(self, sock: Any) -> Any: ...

    def term(self, ctx: Any) -> None: ...


class ZmqreplBinding:
    name = "zmqrepl"

    def __init__(self) -> None:
        from zmqrepl import core

        self._core = core

    def context(self) -> Any:
        return self._core.Context()

    def socket(
        self, ctx: Any, kind: str, endpoint: str, *, bind: bool, sndhwm: int = -1, rcvhwm: int = -1
    ) -> Any:
        sock = self._core.Socket(kind, ctx)
        if sndhwm >= 0:
            sock.set("sndhwm", sndhwm)
        if rcvhwm >= 0:
            sock.set("rcvhwm", rcvhwm)
        sock.set("reconnect_ivl", 10)
        if bind:
            sock.bind(endpoint)
        else:
            sock.connect(endpoint)
        return sock

    def subscribe_all(self, sock: Any) -> None:
        sock.set("subscribe", b"")

    def recv_view(self, sock: Any) -> Any:
        """Receive without copying: a read-only view over libzmq's message (large frames)."""
        recv = sock.recv
        return lambda: recv(as_=memoryview)

    def term(self, ctx: Any) -> None:
        ctx.term()


class PyzmqBinding:
    name = "pyzmq"

    def __init__(self) -> None:
        import zmq

        self._zmq = zmq

    def context(self) -> Any:
        return self._zmq.Context()

    def socket(
        self, ctx: Any, kind: str, endpoint: str, *, bind: bool, sndhwm: int = -1, rcvhwm: int = -1
    ) -> Any:
        zmq = self._zmq
        sock = ctx.socket(getattr(zmq, kind.upper()))
        if sndhwm >= 0:
            sock.setsockopt(zmq.SNDHWM, sndhwm)
        if rcvhwm >= 0:
            sock.setsockopt(zmq.RCVHWM, rcvhwm)
        sock.setsockopt(zmq.RECONNECT_IVL, 10)
        if bind:
            sock.bind(endpoint)
        else:
            sock.connect(endpoint)
        return sock

    def subscribe_all(self, sock: Any) -> None:
        sock.setsockopt(self._zmq.SUBSCRIBE, b"")

    def recv_view(self, sock: Any) -> Any:
        """pyzmq's zero-copy receive: a Frame over libzmq's message."""
        recv = sock.recv
        return lambda: recv(copy=False)

    def term(self, ctx: Any) -> None:
        ctx.term()


def load(name: str) -> Binding:
    if name == "zmqrepl":
        return ZmqreplBinding()
    if name == "pyzmq":
        return PyzmqBinding()
    raise ValueError(f"unknown Python binding {name!r} (zmqrepl or pyzmq)")
