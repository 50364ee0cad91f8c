"""Support for the pyzmq interoperability tests: frames in the peer's hex wire form and
zmqrepl sockets with bounded waits. The peer itself is tests.peers."""

from __future__ import annotations

from typing import Any

from tests.peers import Peer, PeerError
from zmqrepl.core import Context, Socket

__all__ = ["Peer", "PeerError", "h", "hb", "unhex", "zsock"]


def h(data: bytes) -> str:
    """A frame as the peer's hex wire form."""
    return bytes(data).hex()


def hb(data: str | bytes) -> dict[str, str]:
    """A bytes option value for the peer."""
    if isinstance(data, str):
        data = data.encode("ascii")
    return {"hex": data.hex()}


def unhex(messages: list[list[str]]) -> list[list[bytes]]:
    return [[bytes.fromhex(f) for f in msg] for msg in messages]


def zsock(ctx: Context, kind: str, timeout: int = 5000, **options: Any) -> Socket:
    """A zmqrepl socket with linger 0 and bounded send/receive waits."""
    sock = ctx.socket(kind)
    sock.set("linger", 0)
    sock.set("rcvtimeo", timeout)
    sock.set("sndtimeo", timeout)
    for name, value in options.items():
        sock.set(name, value)
    return sock
