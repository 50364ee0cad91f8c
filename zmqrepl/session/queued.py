"""Messages that waited in libzmq's queue before a watch started.

A socket nobody reads still receives: its messages queue (up to rcvhwm in libzmq, or in
the session's inbox for a socket with heartbeats, inbox.py) and the watch's first read
takes them all at once. Counted in the rate of that second, a 10 msg/s stream would show a
spike; stamped with the time of that read, they would look as if they had all just
arrived. So when a watch makes the session start taking a socket's messages, the engine
takes what is queued at once, in the same step, and marks it: those messages show as
queued (Message.queued: at or before the time shown, the time of the read that took them
from libzmq) and are no part of any rate (SocketStats.exclude).
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
    """Engine thread, the watch just turned on (entry.watching) where nothing took the
    socket's messages: turn reading on and take what is queued, marked as queued. Returns
    how many messages that was."""
    if entry.tap is not None or entry.waiters or entry.socket.closed:
        state.update_reader(entry)
        return 0  # a tap forwards as it goes; a waiting recv takes what is queued
    before, before_bytes = entry.received, entry.bytes_in
    entry.showing.draining = True
    try:
        state.update_reader(entry)  # what waits in the inbox goes first (state.py)
        # Then libzmq's queue, if anything is there (a REQ that must send first: nothing).
        for _ in range(DRAIN_READS):
            if entry.socket.closed or not entry.socket.events & PollFlag.POLLIN:
                break
            got = entry.received
            state._read(entry)
            if entry.received - got < READ_BATCH:
                break
    finally:
        entry.showing.draining = False
    drained = entry.received - before
    entry.stats.exclude(drained, entry.bytes_in - before_bytes)
    return drained
