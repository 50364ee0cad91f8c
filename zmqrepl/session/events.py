"""What the session tells front ends: messages, monitor events, notices.

The engine thread pushes events into an ``EventLog``; a front end takes them
in batches (the shell every 100 ms, a notebook watch ten times a second). The
log is bounded: when a front end falls behind, the oldest events are dropped
and counted per socket, so memory stays flat while counters stay exact.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Sequence, Union

__all__ = [
    "DISPLAY_PREFIX",
    "SUBSCRIPTION",
    "EventBatch",
    "EventLog",
    "Message",
    "MonitorNotice",
    "Notice",
    "PeerDropped",
    "SessionEvent",
    "WatchBuffer",
]

# The direction a tap (tap.py) gives the subscriptions it passes upstream, which
# render.py shows as "subscribe 'topic'" rather than as a frame.
SUBSCRIPTION = "sub→pub"

# Watch events keep at most this much of each frame for display; the true size is kept.
DISPLAY_PREFIX = 16 * 1024


@dataclass(frozen=True)
class Message:
    socket: str
    time: float
    frames: tuple[bytes, ...]  # possibly shortened to DISPLAY_PREFIX bytes each
    sizes: tuple[int, ...]  # true frame sizes
    fmt: str = "auto"
    # A tap's messages (tap.py): which way it went ("client→server", "pub→sub", ...) and the
    # client it came from or went to, where the tap's front socket knows it. Empty elsewhere.
    direction: str = ""
    peer: str = ""
    # The session's number for it (captured.py), which `show N` takes; 0: not numbered.
    number: int = 0
    view: str = "full"  # "full": a line per frame; "line": the whole message in one line
    # Read in the drain when a watch started: it waited in the queue since some time before
    # ``time`` (libzmq does not say when it arrived).
    queued: bool = False

    @classmethod
    def capture(
        cls,
        socket: str,
        frames: list[bytes],
        fmt: str = "auto",
        prefix: int = DISPLAY_PREFIX,
        direction: str = "",
        peer: str = "",
        number: int = 0,
        view: str = "full",
        at: float | None = None,
        queued: bool = False,
    ) -> Message:
        """``at``: when the message was read (wall clock), if not now."""
        when = time.time() if at is None else at
        return cls.capture_many(
            socket, [(when, frames, (direction, peer))], fmt, view, number, queued, prefix
        )[0]

    @classmethod
    def capture_many(
        cls,
        socket: str,
        waiting: Iterable[tuple[float, list[bytes], tuple[str, str]]],
        fmt: str,
        view: str,
        first_number: int,
        queued: bool = False,
        prefix: int = DISPLAY_PREFIX,
    ) -> list[Message]:
        """Display objects of messages read together, as ``capture`` makes them: from
        (time read, frames, (direction, peer)), numbered from ``first_number``.

        The session makes a few hundred of these each 100 ms under a flood, in one run of
        the engine thread, so they are made without the generated ``__init__``: a frozen
        dataclass's sets each field through ``object.__setattr__``, 3.2 us a message
        against 1.3 us for filling the instance's ``__dict__`` at once (16-byte messages,
        CPython 3.11). Equality, hashing and repr read the same fields either way."""
        new, set_dict = object.__new__, object.__setattr__
        out: list[Message] = []
        number = first_number
        for at, frames, (direction, peer) in waiting:
            msg = new(cls)
            set_dict(
                msg,
                "__dict__",
                {
                    "socket": socket,
                    "time": at,
                    "frames": tuple([f[:prefix] for f in frames]),
                    "sizes": tuple([len(f) for f in frames]),
                    "fmt": fmt,
                    "direction": direction,
                    "peer": peer,
                    "number": number,
                    "view": view,
                    "queued": queued,
                },
            )
            out.append(msg)
            number += 1
        return out


@dataclass(frozen=True)
class MonitorNotice:
    socket: str
    time: float
    event: str  # connected, disconnected, handshake_failed_auth, ...
    endpoint: str
    value: int
    reason: str = ""  # a handshake failure in words (handshake.py); "" for other events


@dataclass(frozen=True)
class Notice:
    """Something that happened in the background (a replay finished, a record failed)."""

    text: str
    error: bool = False
    time: float = field(default_factory=time.time)


@dataclass(frozen=True)
class PeerDropped:
    """libzmq dropped a connection of ``socket`` for good: a message over maxmsgsize
    (see links.py for how that is told apart from a peer that left)."""

    socket: str
    endpoint: str
    maxmsgsize: int  # the socket's limit when the drop was noticed; -1: none
    time: float = field(default_factory=time.time)


# Named apart from zmqrepl.core's Event (libzmq's monitor flags): this is what a front end is told.
SessionEvent = Union[Message, MonitorNotice, Notice, PeerDropped]


@dataclass
class EventBatch:
    events: list[SessionEvent]
    dropped: dict[str, int]  # per socket: messages not shown because the log overflowed


class EventLog:
    """A bounded, thread-safe queue of events with per-socket drop counts."""

    def __init__(self, capacity: int = 2000) -> None:
        self._events: deque[SessionEvent] = deque()
        self._capacity = capacity
        self._dropped: dict[str, int] = {}
        self._lock = threading.Lock()
        self._listeners: list[threading.Event] = []

    def push(self, event: SessionEvent) -> None:
        with self._lock:
            if len(self._events) >= self._capacity:
                old = self._events.popleft()
                key = getattr(old, "socket", "")
                self._dropped[key] = self._dropped.get(key, 0) + 1
            self._events.append(event)
        for listener in self._listeners:
            listener.set()

    def push_many(self, events: Sequence[SessionEvent]) -> None:
        """``push`` of each, in order, under one lock and with one wake-up per listener."""
        if not events:
            return
        with self._lock:
            queue, dropped = self._events, self._dropped
            queue.extend(events)
            while len(queue) > self._capacity:
                key = getattr(queue.popleft(), "socket", "")
                dropped[key] = dropped.get(key, 0) + 1
        for listener in self._listeners:
            listener.set()

    @property
    def capacity(self) -> int:
        return self._capacity

    def count_dropped(self, socket: str, count: int) -> None:
        """Messages that arrived but were never queued for display (a burst's older part)."""
        with self._lock:
            self._dropped[socket] = self._dropped.get(socket, 0) + count
        for listener in self._listeners:
            listener.set()

    def take(self, limit: int | None = None) -> EventBatch:
        """Every waiting event, or the first ``limit`` messages of them; messages past
        the limit are dropped and counted (other events are always kept)."""
        with self._lock:
            pending = list(self._events)
            self._events.clear()
            dropped, self._dropped = self._dropped, {}
        if limit is None or len(pending) <= limit:
            return EventBatch(pending, dropped)
        events: list[SessionEvent] = []
        shown = 0
        for event in pending:
            if isinstance(event, Message):
                if shown >= limit:
                    dropped[event.socket] = dropped.get(event.socket, 0) + 1
                    continue
                shown += 1
            events.append(event)
        return EventBatch(events, dropped)

    def subscribe(self) -> threading.Event:
        """A flag set whenever an event arrives (clear it after taking)."""
        flag = threading.Event()
        self._listeners.append(flag)
        return flag

    def unsubscribe(self, flag: threading.Event) -> None:
        if flag in self._listeners:
            self._listeners.remove(flag)

    def __len__(self) -> int:
        return len(self._events)


class WatchBuffer:
    """The newest messages of one socket (a ring) and exact totals."""

    def __init__(self, capacity: int = 200) -> None:
        self.messages: deque[Message] = deque(maxlen=capacity)
        self.total = 0
        self.total_bytes = 0

    def add(self, message: Message) -> None:
        self.messages.append(message)
        self.total += 1
        self.total_bytes += sum(message.sizes)

    def add_many(self, messages: Sequence[Message]) -> None:
        self.messages.extend(messages)
        self.total += len(messages)
        self.total_bytes += sum(sum(m.sizes) for m in messages)

    def snapshot(self) -> list[Message]:
        return list(self.messages)
