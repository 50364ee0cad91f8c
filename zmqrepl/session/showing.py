"""What a watched socket will show: the newest messages, made into display objects at a
bounded rate.

A front end shows a few hundred messages a second at most (the shell prints 40 per 100 ms
and counts the rest), so turning every received message into a ``Message`` would spend
per-message work on messages nobody sees: at 500k msg/s that alone took a core. The
engine hands each received batch here as it is (a reference, no copy, no per-message
work); ``take`` is called at most every ``SHOW_INTERVAL_S`` per socket and gives the newest
``keep`` messages of what arrived since, with the time their batch was read. What is left
over is counted: the front ends say "+N more", and the socket's counters stay exact
because the engine counts whole batches before anything comes here.
"""

from __future__ import annotations

from collections import deque
from typing import Sequence, Tuple

__all__ = ["SHOW_INTERVAL_S", "SHOW_KEEP", "Label", "Showing"]

# At most this often a watched socket's waiting messages become display objects. A message
# after a quiet spell is made at once; a burst shows in steps of this.
SHOW_INTERVAL_S = 0.1
# The most made per socket per interval: as many as its watch buffer keeps (events.py),
# so that buffer always holds the newest.
SHOW_KEEP = 200


# A tap's message is shown with which way it went and who sent or gets it (tap.py).
Label = Tuple[str, str]  # (direction, peer)
Waiting = Tuple[float, "list[bytes]", Label]


class Showing:
    """Engine thread only: the batches of one socket waiting to be shown."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._chunks: deque[tuple[float, Sequence[list[bytes]], Sequence[Label] | None]] = deque()
        self._count = 0  # messages in _chunks
        self.scheduled = False  # a take is due (the engine has a timer for it)
        self.shown_at = float("-inf")  # monotonic time of the last take

    def add(self, at: float, messages: Sequence[list[bytes]], labels: Sequence[Label] | None = None) -> int:
        """Keep ``messages`` (read at wall time ``at``; a tap's with a label each); returns
        how many older messages no longer fit and will never be shown."""
        if not messages:
            return 0
        self._chunks.append((at, messages, labels))
        self._count += len(messages)
        passed = 0
        while len(self._chunks) > 1 and self._count - len(self._chunks[0][1]) >= self.keep:
            _, old, _ = self._chunks.popleft()
            self._count -= len(old)
            passed += len(old)
        return passed

    def take(self) -> tuple[list[Waiting], int]:
        """The newest ``keep`` messages waiting, oldest first, with their times and labels
        ("", "" if none); and how many older ones were passed over."""
        out: list[Waiting] = []
        passed = max(0, self._count - self.keep)
        skip = passed
        for at, messages, labels in self._chunks:
            if skip >= len(messages):
                skip -= len(messages)
                continue
            if labels is None:
                out.extend((at, frames, _NO_LABEL) for frames in messages[skip:])
            else:
                out.extend((at, frames, label) for frames, label in zip(messages[skip:], labels[skip:]))
            skip = 0
        self._chunks.clear()
        self._count = 0
        return out, passed

    def clear(self) -> int:
        """Forget what waits (watch stopped); returns how many that was."""
        count, self._count = self._count, 0
        self._chunks.clear()
        return count

    def __len__(self) -> int:
        return self._count


_NO_LABEL: Label = ("", "")
