"""A session: named sockets driven by the command language.

    >>> s = Session()
    >>> s.run("socket r rep; bind r tcp://127.0.0.1:*")
    >>> s.close()

``run``/``execute`` may be called from any thread; every socket lives in the
engine thread. Results are plain data (``Result``); front ends render them.
"""

from __future__ import annotations

from ..core import SocketType
from .cmd_messages import MessageCommands
from .cmd_sockets import SocketCommands
from .cmd_tools import ToolCommands
from .events import Message, MonitorNotice, PeerDropped
from .handle import SocketHandle
from .results import (
    DEFAULT_LINGER_MS,
    DEFAULT_MAXMSGSIZE,
    Result,
    SocketInfo,
)

__all__ = ["DEFAULT_LINGER_MS", "DEFAULT_MAXMSGSIZE", "Result", "Session", "SocketInfo"]


class Session(SocketCommands, MessageCommands, ToolCommands):
    def socket_names(self) -> list[str]:
        return list(self._entries)

    def socket_type(self, name: str) -> SocketType | None:
        entry = self._entries.get(name)
        return entry.kind if entry else None

    def endpoints_used(self) -> list[str]:
        return list(self._endpoints)

    def handle(self, name: str) -> SocketHandle:
        """A thread-safe Python handle on socket ``name``."""
        self._entry(name)
        return SocketHandle(self, name)

    def watch_buffer(self, name: str) -> list[Message]:
        return self._entry(name).buffer.snapshot()

    def dropped_peers(self, name: str) -> list[PeerDropped]:
        """The newest connections of socket ``name`` that libzmq dropped (see links.py)."""
        return list(self._entry(name).drops)

    def monitor_events(self, name: str) -> list[MonitorNotice]:
        """The newest connection events of a monitored socket."""
        return list(self._entry(name).monitor_events)
