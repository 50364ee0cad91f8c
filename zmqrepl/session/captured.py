"""The messages the session showed, numbered: what ``show N`` and ``history`` read.

Every display object of a received message (a ``Message``, made for watch or recv) is
made here, so that it gets the session's next number. The newest are kept in a ring
bounded by count and by bytes; a number that has left it is told apart from one never
given (``gone``).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING, Iterable

from .defaults import DEFAULT_HISTORY_BYTES, DEFAULT_HISTORY_SIZE
from .events import Message
from .files import human_size

if TYPE_CHECKING:
    from .entry import SocketEntry
    from .showing import Label

__all__ = ["MessageRing"]


class MessageRing:
    """Numbers messages as they are captured and keeps the newest (thread-safe: the
    engine thread captures for watch, a command's thread for recv)."""

    def __init__(self, size: int = DEFAULT_HISTORY_SIZE, max_bytes: int = DEFAULT_HISTORY_BYTES) -> None:
        self.size = max(size, 0)
        self.max_bytes = max_bytes
        self._messages: deque[Message] = deque()
        self._sizes: deque[int] = deque()  # _kept_bytes of each of _messages
        self._bytes = 0
        self._last = 0  # the newest number given
        self._lock = threading.Lock()

    def capture(
        self,
        entry: SocketEntry,
        frames: list[bytes],
        *,
        fmt: str | None = None,
        view: str | None = None,
        direction: str = "",
        peer: str = "",
        at: float | None = None,
        queued: bool = False,
    ) -> Message:
        """The display object of a message ``entry`` received, numbered and kept. ``fmt``
        and ``view``: a recv's own; by default the socket's (watch). ``at``: when it was
        read, if not now; ``queued``: it waited in the queue before the watch (its time is the
        drain's, not its arrival's)."""
        with self._lock:
            msg = Message.capture(
                entry.name,
                frames,
                fmt or entry.fmt,
                direction=direction,
                peer=peer,
                number=self._last + 1,
                view=view or entry.view,
                at=at,
                queued=queued,
            )
            self._last += 1  # only once made: a capture that raises leaves no gap
            self._keep(msg)
        return msg

    def capture_many(
        self, entry: SocketEntry, waiting: Iterable[tuple[float, list[bytes], Label]], queued: bool = False
    ) -> list[Message]:
        """``capture`` of messages read together (a watch's, in the socket's format and
        view), each as (time read, frames, (direction, peer)), under one lock."""
        with self._lock:
            out = Message.capture_many(entry.name, waiting, entry.fmt, entry.view, self._last + 1, queued)
            self._last += len(out)
            for msg in out:
                self._keep(msg)
        return out

    def _keep(self, msg: Message) -> None:
        if not self.size:
            return
        kept = _kept_bytes(msg)
        self._messages.append(msg)
        self._sizes.append(kept)
        self._bytes += kept
        # The newest always stays, however big: show prints what was just shown.
        while len(self._messages) > 1 and (len(self._messages) > self.size or self._bytes > self.max_bytes):
            self._messages.popleft()
            self._bytes -= self._sizes.popleft()

    def get(self, number: int) -> Message | None:
        with self._lock:
            first = self._messages[0].number if self._messages else self._last + 1
            if not first <= number <= self._last:
                return None
            # Numbers are given in order and only the oldest leave, so the kept ones run
            # from ``first`` without gaps.
            return self._messages[number - first]

    def newest(self) -> Message | None:
        with self._lock:
            return self._messages[-1] if self._messages else None

    def snapshot(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    def state(self) -> tuple[int, int, int]:
        """The oldest kept number, the newest given and how many are kept, read together
        (0, 0, 0 before the first; with nothing kept, the oldest is the newest given + 1)."""
        with self._lock:
            first = self._messages[0].number if self._messages else self._last + 1
            return (first if self._last else 0), self._last, len(self._messages)

    def bound_text(self) -> str:
        """Which bound keeps the ring as it is now, in words: "the newest 1000", or the byte
        cap when that is what made older messages leave while fewer than ``size`` are kept."""
        with self._lock:
            count = len(self._messages)
            lost = bool(self._messages) and self._messages[0].number > 1
        if lost and count < self.size:
            now = f"{count} message{'s' if count != 1 else ''} now"
            return f"the newest {human_size(self.max_bytes)} of frames ({now})"
        return f"the newest {self.size}"


def _kept_bytes(msg: Message) -> int:
    # The frames' bytes, plus a rough 64 per frame for the objects that hold them.
    return sum(len(f) + 64 for f in msg.frames)
