"""Socket monitors: typed connection events.

    >>> mon = sock.monitor()
    >>> for event in mon:          # blocks; Ctrl-C stops it
    ...     print(event.event.name, event.endpoint)
    CONNECTED tcp://127.0.0.1:5555

Teardown order matters (a known hang in other bindings): the monitor is first
disabled on the watched socket, then its PAIR socket is closed with linger 0.
"""

from __future__ import annotations

import itertools
import struct
from typing import TYPE_CHECKING, Iterator

from .constants import Event, Option, SocketType
from .errors import Again, ZMQError

if TYPE_CHECKING:
    from .socket import Socket

__all__ = ["Monitor", "MonitorEvent", "parse_monitor_message"]

_ids = itertools.count(1)
_HEADER = struct.Struct("=HI")


class MonitorEvent:
    """One event: what happened, its value (fd, errno or interval) and where.

    A plain class rather than a dataclass: importing dataclasses (and inspect)
    would double the import time of zmqrepl.core."""

    __slots__ = ("endpoint", "event", "value")

    def __init__(self, event: Event, value: int, endpoint: str) -> None:
        self.event = event
        self.value = value
        self.endpoint = endpoint

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MonitorEvent) and (self.event, self.value, self.endpoint) == (
            other.event,
            other.value,
            other.endpoint,
        )

    def __hash__(self) -> int:
        return hash((self.event, self.value, self.endpoint))

    def __repr__(self) -> str:
        return f"MonitorEvent(event={self.event!r}, value={self.value}, endpoint={self.endpoint!r})"

    def __str__(self) -> str:
        name = self.event.name or str(int(self.event))
        return f"{name.lower()} {self.endpoint} ({self.value})"


def parse_monitor_message(frames: list[bytes]) -> MonitorEvent:
    if len(frames) != 2 or len(frames[0]) != _HEADER.size:
        raise ValueError(f"not a libzmq monitor message: {frames!r}")
    code, value = _HEADER.unpack(frames[0])
    return MonitorEvent(Event(code), value, frames[1].decode("utf-8", "replace"))


class Monitor:
    """Events of one socket, read from an inproc PAIR socket (``.socket``, pollable)."""

    def __init__(self, watched: Socket, events: Event) -> None:
        self._watched = watched
        self.endpoint = f"inproc://zmqrepl.monitor.{id(watched):x}.{next(_ids)}"
        watched._monitor_endpoint(self.endpoint, int(events))
        self.socket = watched.context.socket(SocketType.PAIR)
        self.socket._serves = self
        try:
            self.socket.set(Option.LINGER, 0)
            self.socket.connect(self.endpoint)
        except ZMQError:
            self.close()
            raise

    def recv(self, timeout: int | None = None) -> MonitorEvent | None:
        """The next event; None if none came within ``timeout`` ms (None waits)."""
        sock = self.socket
        sock.set(Option.RCVTIMEO, -1 if timeout is None else timeout)
        try:
            frames = sock.recv_multipart()
        except Again:
            return None
        return parse_monitor_message(frames or [])

    def __iter__(self) -> Iterator[MonitorEvent]:
        while not self.socket.closed:
            event = self.recv()
            if event is None:
                return
            yield event
            if event.event == Event.MONITOR_STOPPED:
                return

    def close(self) -> None:
        """Disable the monitor on the watched socket, then close the PAIR socket."""
        self._disable()
        self._watched._monitor_closed(self)
        sock = getattr(self, "socket", None)
        if sock is not None:
            sock.close(linger=0)

    def _disable(self) -> None:
        watched = self._watched
        if not watched.closed:
            try:
                watched._monitor_endpoint(None, 0)
            except ZMQError:
                pass  # in use by another thread: its monitor stops when it is closed

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<zmqrepl.core.Monitor of {self._watched!r}>"
