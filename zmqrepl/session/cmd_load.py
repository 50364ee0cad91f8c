"""Commands that put load on a socket: send --count (a burst) and ping.

Both run in the engine thread in steps (load.py) while the command waits with progress
(progress.py); Ctrl-C stops them and they say what was done.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..core import SocketType
from .entry import SocketEntry
from .errors import CommandError
from .load import Burst, Ping
from .progress import follow
from .results_load import PingReport, SentBurst
from .sequence import MessageTemplate
from .syntax import Parsed

if TYPE_CHECKING:
    from .session import Session

__all__ = [
    "CANNOT_SEND",
    "DEFAULT_PING_COUNT",
    "DEFAULT_PING_SIZE",
    "DEFAULT_PING_TIMEOUT_MS",
    "ping",
    "send_burst",
]

DEFAULT_PING_COUNT = 10
DEFAULT_PING_SIZE = 16
DEFAULT_PING_TIMEOUT_MS = 1000
_MAX_PING_SIZE = 64 * 1024 * 1024
MAX_PING_COUNT = 1_000_000  # the round trips are kept (8 bytes each) to give the quantiles
CANNOT_SEND = (SocketType.SUB, SocketType.PULL, SocketType.XSUB)
# Beyond these a pace means nothing: a message every 1000 s at the least, and above a
# billion a second no socket keeps up (full speed, without --rate, is what is meant).
_MIN_RATE = 0.001
_MAX_RATE = 1e9


def send_burst(session: Session, p: Parsed, entry: SocketEntry, frames: list[bytes]) -> SentBurst:
    """``send NAME FRAME ... --count N [--rate R]``."""
    count: int = p.flags["count"]
    rate: float | None = p.flags["rate"]
    if rate is not None and rate <= 0:
        raise CommandError(
            "--rate must be above 0 (messages per second)", "e.g. --rate 1000; leave it out for full speed"
        )
    if rate is not None and not (math.isfinite(rate) and _MIN_RATE <= rate <= _MAX_RATE):
        raise CommandError(
            f"--rate takes {_MIN_RATE:g} to {_MAX_RATE:,.0f} messages per second",
            "e.g. --rate 1000; leave it out for full speed",
        )
    if entry.kind in CANNOT_SEND:
        raise CommandError(
            f"{entry.name} is a {entry.kind.name.lower()} socket and cannot send",
            "send on a push, pub, dealer...",
        )
    if entry.kind is SocketType.REQ and count > 1:
        raise CommandError(
            f"{entry.name} is a req socket: it sends one request, then must receive the reply",
            f"ping {entry.name} --count {count} measures round trips; a dealer sends many requests",
        )
    template = MessageTemplate.of(frames, p.words[1:])
    if not count:
        return SentBurst(entry.name, 0, 0, 0.0, rate, 0)
    burst = Burst(session, entry, template, count, rate)

    def stop() -> None:
        burst.stopping = True

    try:
        session.engine.submit(burst.start)
    except KeyboardInterrupt:  # before it could be followed: it must not go on unseen
        stop()
        raise

    done, stopped = follow(
        burst.future, session.progress, f"send {entry.name}", count, lambda: burst.sent, stop
    )
    return SentBurst(entry.name, done.sent, count, done.seconds, rate, done.size, stopped)


def ping(session: Session, p: Parsed) -> PingReport:
    entry = session.entry(p.args["NAME"])
    if entry.kind not in (SocketType.REQ, SocketType.DEALER):
        raise CommandError(
            f"ping needs a req or dealer socket; {entry.name} is a {entry.kind.name.lower()}",
            f"socket {entry.name}2 req; connect {entry.name}2 ENDPOINT; ping {entry.name}2",
        )
    if entry.tap is not None:
        raise CommandError(f"{entry.name} is a tap", "ping from a req or dealer socket of its own")
    count: int = p.flags["count"]
    size: int = p.flags["size"]
    timeout: int = p.flags["timeout"]
    if not 1 <= count <= MAX_PING_COUNT:
        raise CommandError(
            f"ping --count takes 1 to {MAX_PING_COUNT:,} round trips", "e.g. ping r --count 100"
        )
    if size > _MAX_PING_SIZE:
        raise CommandError(f"--size must be at most {_MAX_PING_SIZE} bytes", "e.g. --size 1024")
    if timeout < 1:
        raise CommandError("--timeout must be at least 1 ms", f"the default is {DEFAULT_PING_TIMEOUT_MS} ms")
    if entry.waiters:
        if isinstance(entry.waiters[0], Ping):  # a stopped ping's REQ, waiting for its reply
            raise CommandError(
                f"{entry.name} (req) still waits for the reply to the ping stopped before "
                f"(dropped when it comes, or after that ping's {entry.waiters[0].timeout_ms} ms)",
                f"ping {entry.name} again then; close {entry.name} and make it again to start now",
            )
        raise CommandError(f"{entry.name} has a recv waiting", "let it finish (or press Ctrl-C there) first")
    job = Ping(session, entry, count, b"p" * size, timeout)

    def stop() -> None:
        session.engine.submit(job.stop)

    try:
        session.engine.call(job.start)
    except KeyboardInterrupt:  # the start may still run: stop it after
        stop()
        raise

    done, stopped = follow(
        job.done,
        session.progress,
        f"ping {entry.name}",
        count,
        lambda: len(job.times),
        stop,
        unit="round trips",
    )
    skipped = f" ({done.skipped:,} replies to other requests skipped)" if done.skipped else ""
    if done.unsent and not done.times:
        raise CommandError(
            f"{entry.name} has no peer to send a request to",
            f"connect {entry.name} to the service first: connect {entry.name} tcp://HOST:PORT",
        )
    if not done.times and done.disconnected:
        raise CommandError(
            f"the peer of {entry.name} disconnected ({done.disconnected}) before the first reply"
            + (f"; {entry.name} (req) still waits for it" if entry.kind is SocketType.REQ else ""),
            "is the service still running? peers shows who is connected"
            + (f"; close {entry.name} and make it again" if entry.kind is SocketType.REQ else ""),
        )
    if not done.times and done.timed_out:
        raise CommandError(
            f"no reply on {entry.name} within {timeout} ms{skipped}"
            + (f"; {entry.name} (req) still waits for it" if entry.kind is SocketType.REQ else ""),
            "is a service answering at the endpoint? sockets shows it; --timeout waits longer",
        )
    return PingReport(
        entry.name,
        done.times,
        count,
        size,
        timeout,
        timed_out=done.timed_out and not done.unsent,
        stopped=stopped,
        waits=done.waits or (done.timed_out and not done.unsent and entry.kind is SocketType.REQ),
        skipped=done.skipped,
        gone=done.unsent,
        disconnected=done.disconnected,
    )
