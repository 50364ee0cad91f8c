"""What the session knows about one named socket."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core import Monitor, Option, Socket, SocketType
from .events import MonitorNotice, PeerDropped, WatchBuffer
from .filters import MessageFilter
from .inbox import Inbox
from .links import DropDetector
from .peerbook import PeerBook
from .showing import SHOW_KEEP, Showing
from .stats import SocketStats

if TYPE_CHECKING:
    from .rotation import RecordWriter
    from .tap import Tap
    from .waiters import Waiter

__all__ = ["SocketEntry"]


@dataclass(eq=False)
class SocketEntry:
    name: str
    kind: SocketType
    socket: Socket
    changed: dict[str | Option, Any] = field(default_factory=dict)  # options set away from default
    received: int = 0
    sent: int = 0
    bytes_in: int = 0
    read_at: float = 0.0  # time.monotonic() of the last read for watch/record (flood.py)
    bytes_out: int = 0
    rate_in: float = 0.0  # messages per second over the last second
    rate_out: float = 0.0
    watching: bool = False
    fmt: str = "auto"
    view: str = "full"  # how watch shows its messages: full or line (defaults.VIEWS)
    monitor: Monitor | None = None  # the session's, from creation to close (see links.py)
    monitoring: bool = False  # the user's `monitor NAME`: show its events
    links: DropDetector = field(default_factory=DropDetector)
    drops: deque[PeerDropped] = field(default_factory=lambda: deque(maxlen=20))
    record_file: RecordWriter | None = None
    record_path: str = ""
    record_ended: str = ""  # why the last recording stopped by itself, and what it lost
    waiters: list[Waiter] = field(default_factory=list)
    buffer: WatchBuffer = field(default_factory=WatchBuffer)
    showing: Showing = field(default_factory=lambda: Showing(SHOW_KEEP))  # read, not yet shown
    # --where/--grep of the watch and of the recording (filters.py), and how many messages
    # each let through since it was given (exact: every message read is tested).
    watch_filter: MessageFilter | None = None
    record_filter: MessageFilter | None = None
    watch_matched: int = 0
    record_matched: int = 0
    monitor_events: deque[MonitorNotice] = field(default_factory=lambda: deque(maxlen=200))
    peers: PeerBook = field(default_factory=PeerBook)
    tap: Tap | None = None  # a tap (tap.py): this socket is its front, the tap reads it
    # A connection may have heartbeats: the engine reads the socket as messages come, and
    # keeps what nobody reads yet in the inbox (inbox.py says why).
    drained: bool = False
    inbox: Inbox = field(default_factory=Inbox)
    stats: SocketStats = field(default_factory=SocketStats)  # stats NAME, the watch pane's chart
    _last_in: int = 0
    _last_out: int = 0

    @property
    def reads_for_someone(self) -> bool:
        """A watch, a recording or a recv takes what is read now."""
        return self.watching or self.record_file is not None or bool(self.waiters)

    @property
    def needs_reading(self) -> bool:
        return self.drained or self.reads_for_someone

    def tick(self, seconds: float) -> None:
        """Update the rates; called by the engine once a second."""
        if seconds > 0:
            self.rate_in = (self.received - self._last_in) / seconds
            self.rate_out = (self.sent - self._last_out) / seconds
        self._last_in, self._last_out = self.received, self.sent
        self.stats.tick(time.time(), seconds, self.received, self.bytes_in, self.sent, self.bytes_out)

    def connected_endpoints(self) -> list[str]:
        """A copy of the endpoints connected to: the core socket keeps the record."""
        return self.socket.endpoints[1]

    @property
    def endpoint_text(self) -> str:
        if self.tap is not None:
            return f"listen {self.tap.listen} → target {self.tap.target}"
        bound, connected = self.socket.endpoints
        parts = [f"bind {e}" for e in bound] + [f"connect {e}" for e in connected]
        return ", ".join(parts) or "-"

    @property
    def flags_text(self) -> str:
        flags = [
            f
            for f, on in (
                ("watch", self.watching),
                ("monitor", self.monitoring),
                ("record", self.record_file is not None),
                ("paused", self.tap is not None and self.tap.paused),
            )
            if on
        ]
        if len(self.inbox):
            flags.append(f"queued {len(self.inbox)}")
        dropped = self.tap.dropped if self.tap is not None else self.inbox.dropped
        if dropped:
            flags.append(f"dropped {dropped}")
        return ",".join(flags) or "-"
