"""SocketHandle: Python access to a session socket, safe from any thread.

Every call is carried out by the session's engine thread, which also reads the
socket in the background, so a notebook's code and a live watch never use the
socket at the same time.

    >>> s = session.handle("s")
    >>> s.send(b"hello", "world")
    >>> s.recv(timeout=1000)
    [b'reply']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core import Frame, Option
from .defaults import DEFAULT_SEND_TIMEOUT_MS
from .entry import SocketEntry
from .results import Bound

if TYPE_CHECKING:
    from .session import Session

__all__ = ["SocketHandle"]


def _frame_bytes(frame: Frame) -> bytes:
    if isinstance(frame, str):
        return frame.encode("utf-8")
    if isinstance(frame, (bytes, bytearray, memoryview)):
        return bytes(frame)
    raise TypeError(f"a frame must be str or bytes-like, not {type(frame).__name__}")


class SocketHandle:
    def __init__(self, session: Session, name: str) -> None:
        self._session = session
        self.name = name

    @property
    def _entry(self) -> SocketEntry:
        return self._session.entry(self.name)

    @property
    def type(self) -> str:
        return str(self._entry.kind.name.lower())

    def send(self, *frames: Frame, timeout: int = DEFAULT_SEND_TIMEOUT_MS) -> None:
        """Send one message whose frames are the arguments."""
        if not frames:
            raise ValueError("send needs at least one frame")
        self._session.send_frames(self.name, [_frame_bytes(f) for f in frames], timeout)

    def send_multipart(self, frames: list[Frame], timeout: int = DEFAULT_SEND_TIMEOUT_MS) -> None:
        self.send(*frames, timeout=timeout)

    def recv(self, timeout: int | None = None) -> list[bytes]:
        """The next message (all its frames); waits up to ``timeout`` ms (None: for ever)."""
        return self._session.receive(self.name, 1, timeout)[0]

    recv_multipart = recv

    def recv_many(self, count: int, timeout: int | None = None) -> list[list[bytes]]:
        return self._session.receive(self.name, count, timeout)

    def set(self, option: str | Option, value: Any) -> None:
        entry = self._entry
        self._session.engine.call(lambda: entry.socket.set(option, value))
        entry.changed[option] = value

    def get(self, option: str) -> Any:
        entry = self._entry
        return self._session.engine.call(lambda: entry.socket.get(option))

    def bind(self, endpoint: str) -> str:
        result = self._session.execute(f"bind {self.name} {endpoint}")
        if not isinstance(result, Bound):  # a bind line always gives a Bound, or raises
            raise TypeError(f"bind gave {result!r}")
        return result.endpoint

    def connect(self, endpoint: str) -> None:
        self._session.execute(f"connect {self.name} {endpoint}")

    def close(self) -> None:
        self._session.execute(f"close {self.name}")

    @property
    def counters(self) -> dict[str, int]:
        e = self._entry
        return {"received": e.received, "sent": e.sent, "bytes_in": e.bytes_in, "bytes_out": e.bytes_out}

    def __repr__(self) -> str:
        try:
            e = self._entry
        except Exception:  # noqa: BLE001 - closed: still show something useful
            return f"<zmqrepl socket {self.name} (closed)>"
        return f"<zmqrepl socket {self.name}: {e.kind.name.lower()} {e.endpoint_text}>"
