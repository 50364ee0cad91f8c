"""Load on a socket, done in the engine thread in steps: a burst of N messages (send
--count) at an optional pace, and ping's round trips.

A burst sends what has fallen due in one call into C (send_many), at most CHUNK
messages, then gives the engine back (its other sockets and calls) until the next
messages are due: pacing follows a schedule (message i is due at start + i / rate), not
one sleep per message, so it holds at high rates.
"""

from __future__ import annotations

import itertools
import os
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core import Again, SocketType, ZMQError
from .defaults import DEFAULT_SEND_TIMEOUT_MS
from .entry import SocketEntry
from .errors import CommandError, core_error
from .sequence import MessageTemplate
from .waiters import Waiter

if TYPE_CHECKING:
    from .state import SessionState

__all__ = ["CHUNK", "CHUNK_BYTES", "Burst", "BurstDone", "Ping", "PingDone"]

# Messages per call into C. A step of 1000 small messages measured 0.5 to 8.5 ms of the
# engine's time (more for %n frames, rendered in Python): the engine's other work waits that long.
CHUNK = 1000
CHUNK_BYTES = 4 * 1024 * 1024  # and at most this much (a burst of large messages)
_RETRY_S = 0.002  # a full queue is tried again this soon
_MAX_SLEEP_S = 0.05  # at a slow --rate, the burst still looks at its stop flag this often


@dataclass(frozen=True)
class BurstDone:
    sent: int
    size: int
    seconds: float


@dataclass(eq=False)
class Burst:
    state: SessionState
    entry: SocketEntry
    template: MessageTemplate
    count: int
    rate: float | None
    future: Future[BurstDone] = field(default_factory=Future)
    sent: int = 0
    size: int = 0
    stopping: bool = False  # set by the waiting thread (Ctrl-C); read by the engine
    first_at: float = 0.0  # when the burst started
    started: float = 0.0  # the schedule's base: message i is due at started + i / rate
    blocked_since: float | None = None  # the first failed try of the stall now, if any
    _same: list[bytes] | None = None  # the message, when every copy is the same
    _same_size: int = 0
    _chunk: int = CHUNK

    def start(self) -> None:
        """Engine thread."""
        # Large messages go fewer at a time: a step copies at most about CHUNK_BYTES.
        self._chunk = max(1, min(CHUNK, CHUNK_BYTES // max(1, self.template.size(0))))
        self.first_at = self.started = time.monotonic()
        if self.template.constant:
            self._same = self.template.render(0)
            self._same_size = sum(map(len, self._same))
        self.step()

    def step(self) -> None:
        """Engine thread: send what is due, then come back when more is."""
        try:
            self._step()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            if not self.future.done():
                self.future.set_exception(exc)

    def _step(self) -> None:
        if self.future.done():
            return
        if self.stopping:
            return self._finish()
        if self.entry.socket.closed:
            raise CommandError(
                f"{self.entry.name} was closed after {self.sent:,} of {self.count:,} messages",
                "make it again",
            )
        now = time.monotonic()
        due = self.count
        if self.rate:
            if self.blocked_since is not None:
                # Stalled: one message is tried at a time, and the schedule starts again
                # from now, so the backlog is not sent in a rush once a peer takes them.
                self.started = max(self.started, now - self.sent / self.rate)
                due = self.sent + 1
            else:
                due = min(self.count, int((now - self.started) * self.rate) + 1)
        want = min(due - self.sent, self._chunk)
        if want > 0:
            first = self.sent
            if self._same is not None:
                messages = [self._same] * want
            else:
                messages = [self.template.render(first + i) for i in range(want)]
            n = self._send(messages)
            if n:
                self.blocked_since = None
            if self.sent >= self.count:
                return self._finish()
            if n < want:  # the queue is full (HWM, or no peer yet): not for ever
                if self.blocked_since is None:
                    self.blocked_since = now
                elif now - self.blocked_since > DEFAULT_SEND_TIMEOUT_MS / 1000:
                    raise CommandError(
                        f"{self.entry.name} sent {self.sent:,} of {self.count:,} messages: no peer took "
                        f"one for {DEFAULT_SEND_TIMEOUT_MS} ms",
                        "connect or bind a peer first (sockets shows endpoints); a slow one: --rate",
                    )
                self.state.engine.call_later(_RETRY_S, self.step)
                return
        delay = 0.0
        if self.rate:  # until the next message is due; short enough to see a Ctrl-C soon
            delay = min(_MAX_SLEEP_S, max(0.0, self.started + self.sent / self.rate - time.monotonic()))
        self.state.engine.call_later(delay, self.step)

    def _send(self, messages: list[list[bytes]]) -> int:
        """One call into C, counted; an error other than a full queue says how many went."""
        try:
            n = self.entry.socket.send_many(messages, nonblocking=True)
        except ZMQError as exc:
            self._count(messages, exc.sent)
            # The core's own hint, if it has one, is the hint: one "(hint: ...)" a line.
            raise core_error(
                f"{self.entry.name} sent {self.sent:,} of {self.count:,} messages: {exc.message}",
                "sockets shows the socket's state",
            ) from None
        self._count(messages, n)
        return n

    def _count(self, messages: list[list[bytes]], n: int) -> None:
        if not n:
            return
        if self._same is not None:
            size = n * self._same_size
        else:
            size = sum(len(f) for m in messages[:n] for f in m)
        self.sent += n
        self.size += size
        self.entry.sent += n
        self.entry.bytes_out += size

    def _finish(self) -> None:
        self.future.set_result(BurstDone(self.sent, self.size, time.monotonic() - self.first_at))


@dataclass(frozen=True)
class PingDone:
    times: tuple[float, ...]
    timed_out: bool
    unsent: bool = False  # the last request could not even be queued (no peer)
    skipped: int = 0  # replies that were not to the request in flight (a DEALER's)
    waits: bool = False  # stopped with a REQ's request unanswered
    disconnected: str = ""  # the endpoint whose peer went with a request in flight


_PING_IDS = itertools.count(1)


class Ping(Waiter):
    """Round trips on a REQ or DEALER socket: the next request goes as soon as the reply to
    the last one is read (in the engine thread, where the times are taken). It sits in the
    socket's waiters, so a watch or a recv does not take the replies.

    A DEALER's request is [b"ping:ID:N", b"", payload]: a REP or ROUTER server sends the
    frames before the empty delimiter back as they came, so a reply that does not start
    with the request's own first frame (a late reply to an earlier ping, or no reply to a
    ping at all) is skipped and counted. A REQ matches its replies itself.

    A REQ stopped (Ctrl-C) with a request in flight cannot send until that reply comes:
    the ping stays in the waiters ("draining") until its timeout, to drop the late reply,
    so the REQ can send again.

    When the socket's last peer disconnects with a request in flight (the monitor says so,
    state.py), the ping ends at once with the figures so far: that reply cannot come."""

    def __init__(
        self, state: SessionState, entry: SocketEntry, count: int, payload: bytes, timeout_ms: int
    ) -> None:
        super().__init__(count)
        self.state = state
        self.entry = entry
        self.req = entry.kind is SocketType.REQ
        self.payload = payload
        self.tag = f"ping:{os.getpid()}.{next(_PING_IDS)}:".encode()
        self.timeout_ms = timeout_ms
        self.times: list[float] = []
        self.skipped = 0
        # Its own future, not the base one, which close_entry fails through ``fail``.
        self.done: Future[PingDone] = Future()
        self.draining = False
        self._in_flight = False
        self._expect = b""
        self._sent_at = 0.0

    def start(self) -> None:
        """Engine thread: in the waiters first, then the first request."""
        self.entry.waiters.append(self)
        self.state.update_reader(self.entry)
        self._send(leave=True)

    def fail(self, exc: BaseException) -> None:
        if not self.done.done():
            self.done.set_exception(exc)

    def _request(self, number: int) -> list[bytes]:
        if self.req:
            return [self.payload]
        self._expect = self.tag + str(number).encode()
        return [self._expect, b"", self.payload]

    def _send(self, leave: bool) -> None:
        """``leave``: take the ping out of the waiters if it ends here (not from ``offer``,
        whose caller drops it from the list itself)."""
        number = len(self.times)
        request = self._request(number)
        self._sent_at = time.perf_counter()
        try:
            self.entry.socket.send_multipart(request, nonblocking=True)
        except Again:
            # No peer (any more): the request cannot even be queued.
            self._end(timed_out=True, leave=leave, unsent=True)
            return
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            if leave:
                self._leave()
            self.fail(exc)
            return
        self._in_flight = True
        self.entry.sent += 1
        self.entry.bytes_out += sum(len(f) for f in request)
        self.state.engine.call_later(self.timeout_ms / 1000, lambda: self._check(number))

    def _check(self, number: int) -> None:
        if self.draining:
            if number != len(self.times):
                return  # an earlier request's check: the one in flight has its own
            # Its late reply did not come in time: the REQ still waits for it.
            self.draining = False
            self._leave()
        elif not self.done.done() and len(self.times) == number:
            self._end(timed_out=True)

    def offer(self, frames: list[bytes]) -> bool:
        """Engine thread: a reply. True once the ping is over (the session drops the waiter)."""
        if self.draining:  # the reply to the stopped ping's last request: dropped
            self.draining = False
            return True
        if self.done.done():
            return True
        if not self.req and (not frames or frames[0] != self._expect):
            self.skipped += 1  # not the reply to the request in flight
            return False
        self._in_flight = False
        self.times.append(time.perf_counter() - self._sent_at)
        if len(self.times) >= self.count:
            self._end(timed_out=False, leave=False)
            return True
        self._send(leave=False)
        return self.done.done()

    def peer_gone(self, endpoint: str) -> None:
        """Engine thread: the socket's last peer disconnected with a request in flight. Its
        reply cannot come on a new connection (the server that had the request is gone), so
        the ping ends now with what came, rather than at its timeout."""
        if self.done.done() or self.draining or not self._in_flight:
            return
        if self.req:  # the REQ still waits for that reply: dropped should it come, as on Ctrl-C
            self.draining = True
            self._end(timed_out=False, leave=False, waits=True, disconnected=endpoint)
        else:
            self._end(timed_out=False, disconnected=endpoint)

    def stop(self) -> None:
        """Engine thread (Ctrl-C): end now with what came."""
        if self.done.done():
            return
        if self.req and self._in_flight:
            self.draining = True  # stays in the waiters until the reply or the timeout
            self._end(timed_out=False, leave=False, waits=True)
        else:
            self._end(timed_out=False)

    def _leave(self) -> None:
        if self in self.entry.waiters:
            self.entry.waiters.remove(self)
            self.state.update_reader(self.entry)

    def _end(
        self,
        timed_out: bool,
        leave: bool = True,
        unsent: bool = False,
        waits: bool = False,
        disconnected: str = "",
    ) -> None:
        if leave:
            self._leave()
        if not self.done.done():
            self.done.set_result(
                PingDone(tuple(self.times), timed_out, unsent, self.skipped, waits, disconnected)
            )
