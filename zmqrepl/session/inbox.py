"""The session's own receive queue, for a socket with ZMTP heartbeats.

Why the session, not libzmq, holds what such a socket has received and nobody has read:
libzmq 4.3.4 aborts the whole process ("Assertion failed: !_io_error
(src/stream_engine_base.cpp:331)") when a connection's receive queue is full (libzmq then
stops reading the connection), a heartbeat PING to a peer that has gone fails, and the
queue is read afterwards (libzmq issues 3937, 4364, 4767). Measured through a Session
(tests/reliability/heartbeat_queue.py: 200,000 messages of 16 B from a sender that exits,
nobody reading for 2 s, pings every 200 ms): an abort with rcvhwm 1,000 to 100,000, none
with rcvhwm 0 and none without heartbeats. A full queue also hides a live peer's PONGs, so
its heartbeat times out: a healthy connection would be dropped.

So the engine reads such a socket as messages come, whether or not anything watches it,
and keeps them here, in arrival order, each batch with the time it was read, until a
`recv`, `watch` or `record` takes them. Like libzmq's queue this one is bounded: at most
``rcvhwm`` messages (the socket's option; 0, no limit, as in libzmq) and MAX_BYTES, and all
of a session's inboxes together at most SESSION_MAX_BYTES. What comes while it is full is
dropped and counted ("dropped N" in `sockets`), where libzmq's full queue would instead
have made the sender wait: the price of heartbeats, said in `help socket`. A socket made
without heartbeats keeps libzmq's queue and its backpressure.

How many: a rcvhwm the user set (`set NAME rcvhwm N` or hwm) is taken at its word; left at
libzmq's default (1,000), the inbox holds up to MAX_MESSAGES, so that what a sender queued
before the user's `recv --count` or `watch` (a PUSH's sndhwm of 1,000 and the kernel's
buffers, which libzmq's backpressure kept) is still there.
"""

from __future__ import annotations

from collections import deque
from typing import Sequence

__all__ = ["MAX_BYTES", "MAX_MESSAGES", "SESSION_MAX_BYTES", "Inbox", "InboxChunk"]

MAX_MESSAGES = 100_000

# The most bytes of frames one socket's inbox holds, whatever its rcvhwm: with libzmq's
# default rcvhwm of 1,000 and the session's maxmsgsize of 64 MiB, a count alone would
# allow 64 GiB.
MAX_BYTES = 256 * 1024 * 1024

# The most bytes of frames all of a session's inboxes hold together (four sockets' worth):
# a script that makes many sockets nobody reads must not add up to tens of GiB.
SESSION_MAX_BYTES = 1024 * 1024 * 1024


class InboxChunk:
    """Messages read together, at ``at`` (time.time()), with their bytes of frames."""

    __slots__ = ("at", "messages", "nbytes")

    def __init__(self, at: float, messages: list[list[bytes]], nbytes: int) -> None:
        self.at = at
        self.messages = messages
        self.nbytes = nbytes


class Inbox:
    """Engine thread only (the counters may be read from any thread)."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._chunks: deque[InboxChunk] = deque()
        self.count = 0  # messages held
        self.nbytes = 0
        self.dropped = 0  # came while full: never held, counted
        self.full_said = False  # the notice for this spell of dropping was given

    def __len__(self) -> int:
        return self.count

    def add(
        self,
        at: float,
        messages: Sequence[list[bytes]],
        nbytes: int,
        capacity: int,
        room_bytes: int | None = None,
    ) -> int:
        """Keep what fits of ``messages`` (read at ``at``, ``nbytes`` bytes of frames in
        all) within ``capacity`` messages (0: no limit), max_bytes and ``room_bytes`` more
        (what the session's other inboxes leave, if it says); the number dropped."""
        room = len(messages) if capacity <= 0 else max(0, capacity - self.count)
        limit = (
            self.max_bytes if room_bytes is None else min(self.max_bytes, self.nbytes + max(0, room_bytes))
        )
        if room >= len(messages) and self.nbytes + nbytes <= limit:
            kept = list(messages)  # the whole batch: no per-message work
        else:
            kept = []
            size = self.nbytes
            for frames in messages[:room]:
                n = sum(map(len, frames))
                if size + n > limit:
                    break
                size += n
                kept.append(frames)
            nbytes = size - self.nbytes
        dropped = len(messages) - len(kept)
        if kept:
            self._chunks.append(InboxChunk(at, kept, nbytes))
            self.count += len(kept)
            self.nbytes += nbytes
        self.dropped += dropped
        return dropped

    def take_all(self) -> list[InboxChunk]:
        """Everything held, oldest first, and the inbox empty."""
        chunks = list(self._chunks)
        self._chunks.clear()
        self.count = self.nbytes = 0
        self.full_said = False
        return chunks

    def take_one(self) -> list[bytes] | None:
        """The oldest message, or None."""
        while self._chunks:
            chunk = self._chunks[0]
            if chunk.messages:
                frames = chunk.messages.pop(0)
                n = sum(map(len, frames))
                chunk.nbytes -= n
                self.count -= 1
                self.nbytes -= n
                self.full_said = False
                return frames
            self._chunks.popleft()
        return None

    def clear(self) -> None:
        self.take_all()
