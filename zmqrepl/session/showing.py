"""What a watched socket will show: the newest messages, made into display objects at a
bounded rate.

A front end shows a few hundred messages a second at most (the shell prints 40 per 100 ms
and counts the rest), so turning every received message into a ``Message`` would spend
per-message work on messages nobody sees: at 500k msg/s that alone took a core. The
engine hands each received batch here as it is (a reference, no copy, no per-message
work) with a number in the session's order of reading (``seq``); the session takes what
waits on every watched socket at once, at most every ``SHOW_INTERVAL_S``, and makes
display objects for the newest ``keep`` of each socket in the order they were read, so the
numbers ``show N`` takes follow arrival across sockets. What is left over is counted: the
front ends say "+N more", and the socket's counters stay exact because the engine counts
whole batches before anything comes here.

What waits is bounded by count and by bytes (``SHOW_MAX_BYTES``): a flood of big messages
holds the newest few, not whole batches of them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence, Tuple, TypeVar

__all__ = ["SHOW_INTERVAL_S", "SHOW_KEEP", "SHOW_MAX_BYTES", "Chunk", "Label", "Showing", "in_order"]

# At most this often the session's waiting messages become display objects. A message
# after a quiet spell is made at once; a burst shows in steps of this.
SHOW_INTERVAL_S = 0.1
# The most made per socket per interval, by default: as many as its watch buffer keeps
# (events.py), so that buffer always holds the newest. A front end that shows fewer says how
# many (Session's show_keep: the shell's max_messages), and no more are made.
SHOW_KEEP = 200
# The most bytes of frames one socket holds for display between two takes (whole frames:
# they are cut to DISPLAY_PREFIX only when made into display objects). The count alone keeps
# whole read batches (each stops once past 16 MiB, recv_many's max_bytes): a flood of 1 MiB
# messages would hold some 200 of them. With this, 4 MiB: four of 1 MiB, or 200 of 20 KiB.
# The newest message is kept whatever its size (at most the socket's maxmsgsize).
SHOW_MAX_BYTES = 4 * 1024 * 1024


# A tap's message is shown with which way it went and who sent or gets it (tap.py).
Label = Tuple[str, str]  # (direction, peer)
Waiting = Tuple[float, "list[bytes]", Label]
_NO_LABEL: Label = ("", "")


@dataclass
class Chunk:
    """Messages read together from one socket: ``seq`` orders reads across sockets."""

    seq: int
    at: float  # wall time of the read
    messages: Sequence[list[bytes]]
    labels: Sequence[Label] | None
    nbytes: int  # bytes of frames, or a bound on them until _trim counted them
    queued: bool = False  # read in the drain when the watch started (queued.py)

    def waiting(self) -> Iterator[Waiting]:
        """The messages, each with the time of the read and its label ("", "" if none)."""
        if self.labels is None:
            return ((self.at, frames, _NO_LABEL) for frames in self.messages)
        return ((self.at, frames, label) for frames, label in zip(self.messages, self.labels))


class Showing:
    """Engine thread only: the batches of one socket waiting to be shown."""

    def __init__(self, keep: int, max_bytes: int = SHOW_MAX_BYTES) -> None:
        self.keep = keep
        self.max_bytes = max_bytes
        self._chunks: deque[Chunk] = deque()
        self._count = 0  # messages in _chunks
        self._bytes = 0  # their bytes, at most (a filtered batch counts as the whole batch)
        self.draining = False  # batches added meanwhile waited in the queue (queued.py)

    def add(
        self,
        seq: int,
        at: float,
        messages: Sequence[list[bytes]],
        labels: Sequence[Label] | None = None,
        nbytes: int | None = None,
    ) -> int:
        """Keep ``messages`` (read at wall time ``at``, the ``seq``-th read of the session;
        a tap's with a label each). ``nbytes``: their bytes of frames, or a bound on them
        (a filtered batch's are at most the batch's); counted here without it. Returns how
        many older messages no longer fit and will never be shown."""
        if not messages:
            return 0
        size = sum(_size(m) for m in messages) if nbytes is None else nbytes
        self._chunks.append(Chunk(seq, at, messages, labels, size, self.draining))
        self._count += len(messages)
        self._bytes += size
        before = self._count
        # Whole older chunks first, by count: no per-message work.
        while len(self._chunks) > 1 and self._count - len(self._chunks[0].messages) >= self.keep:
            old = self._chunks.popleft()
            self._count -= len(old.messages)
            self._bytes -= old.nbytes
        if self._bytes > self.max_bytes:
            self._trim()
        return before - self._count

    def _trim(self) -> None:
        """Keep the newest messages that fit in ``max_bytes`` (and ``keep``), counted exactly:
        at most ``keep`` messages are looked at, from the newest back."""
        count_left, bytes_left = self.keep, self.max_bytes
        kept: list[Chunk] = []
        for chunk in reversed(self._chunks):
            if count_left <= 0 or (kept and bytes_left <= 0):
                break
            messages = chunk.messages
            n = len(messages)
            first = n  # index of the oldest message kept of this chunk
            used = 0
            while first > 0 and count_left > 0:
                size = _size(messages[first - 1])
                if size > bytes_left - used and (kept or first < n):
                    break  # the newest message of all stays, however big
                used += size
                first -= 1
                count_left -= 1
            if first == n:
                break
            if first:  # a partial chunk: a list of the tail, so the batch can be let go
                tail = list(messages[first:])
                labels = list(chunk.labels[first:]) if chunk.labels is not None else None
                kept.append(Chunk(chunk.seq, chunk.at, tail, labels, used, chunk.queued))
                bytes_left -= used
                break
            kept.append(Chunk(chunk.seq, chunk.at, messages, chunk.labels, used, chunk.queued))
            bytes_left -= used
        kept.reverse()
        self._chunks = deque(kept)
        self._count = sum(len(c.messages) for c in kept)
        self._bytes = sum(c.nbytes for c in kept)

    def take(self) -> tuple[list[Chunk], int]:
        """What waits, oldest first, cut to the newest ``keep`` messages; and how many
        older ones were passed over."""
        passed = max(0, self._count - self.keep)
        skip = passed
        out: list[Chunk] = []
        for chunk in self._chunks:
            n = len(chunk.messages)
            if skip >= n:
                skip -= n
                continue
            if skip:
                labels = chunk.labels[skip:] if chunk.labels is not None else None
                chunk = Chunk(chunk.seq, chunk.at, chunk.messages[skip:], labels, chunk.nbytes, chunk.queued)
                skip = 0
            out.append(chunk)
        self._chunks.clear()
        self._count = self._bytes = 0
        return out, passed

    def clear(self) -> int:
        """Forget what waits (watch stopped or changed, socket closed); returns how many
        that was."""
        count = self._count
        self._chunks.clear()
        self._count = self._bytes = 0
        return count

    @property
    def held_bytes(self) -> int:
        """The bytes of frames waiting (at most; exact once they were over ``max_bytes``)."""
        return self._bytes

    def __len__(self) -> int:
        return self._count


T = TypeVar("T")


def in_order(chunks: Iterable[tuple[Chunk, T]]) -> list[tuple[Chunk, T]]:
    """Chunks of several sockets (each with its owner) in the order they were read."""
    return sorted(chunks, key=lambda pair: pair[0].seq)


def _size(frames: list[bytes]) -> int:
    return sum(map(len, frames))
