"""Messages that waited in libzmq's queue before a watch started.

A socket nobody reads still receives: its messages queue (up to rcvhwm) and the watch's
first read takes them all at once. Counted in the rate of that second, a 10 msg/s stream
would show a spike; stamped with the time of that read, they would look as if they had
all just arrived. So when a watch makes the session start reading a socket, the engine
takes what is queued at once, in the same step, and marks it: those messages show as
queued (Message.queued) and are no part of any rate (SocketStats.exclude).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core import PollFlag
from .state import READ_BATCH

if TYPE_CHECKING:
    from .entry import SocketEntry
    from .state import SessionState

__all__ = ["DRAIN_READS", "drain_queued"]

# Reads of READ_BATCH messages at most: libzmq queues rcvhwm (1000 unless set) plus what
# sits in the connection's buffers; a socket flooded faster than it is drained stops here.
DRAIN_READS = 10


def drain_queued(state: SessionState, entry: SocketEntry) -> int:
    """Engine thread, right after the watch turned reading on: read what is queued, marked
    as queued. Returns how many messages that was."""
    if entry.tap is not None or entry.waiters or entry.socket.closed:
        return 0  # a tap forwards as it goes; a waiting recv takes what is queued
    if not entry.socket.events & PollFlag.POLLIN:
        return 0  # nothing queued (or a REQ that must send first: a read would fail)
    before, before_bytes = entry.received, entry.bytes_in
    entry.showing.draining = True
    try:
        for _ in range(DRAIN_READS):
            got = entry.received
            state._read(entry)
            if entry.received - got < READ_BATCH:
                break
    finally:
        entry.showing.draining = False
    drained = entry.received - before
    entry.stats.exclude(drained, entry.bytes_in - before_bytes)
    return drained
