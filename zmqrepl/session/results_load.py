"""Results of load and long-running commands: send --count, ping, replay, record status.

Kept apart from results.py (the other results) so that each module stays short; exported
from ``zmqrepl.session`` like them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .files import human_size
from .progress import format_count, format_seconds
from .results import Result

__all__ = ["PingReport", "RecordStatus", "Replayed", "SentBurst", "format_latency"]


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f} msg/s" if seconds > 0 else "-"


def _sent_lines(head: str, sent: int, count: int, took: str, stopped: bool, detail: str = "") -> list[str]:
    """The line of a run of sends (send --count, replay): "HEAD sent 3 of 10 TOOK, stopped"
    after Ctrl-C, else "HEAD sent 10 messagesDETAIL TOOK"."""
    if stopped:
        return [f"{head} sent {format_count(sent)} of {format_count(count)} {took}, stopped"]
    return [f"{head} sent {format_count(sent)} messages{detail} {took}"]


@dataclass(frozen=True)
class SentBurst(Result):
    """``send NAME FRAME ... --count N [--rate R]``: how many went, how fast."""

    socket: str
    sent: int
    count: int
    seconds: float
    rate: float | None  # asked for, msg/s; None: as fast as the peers take them
    size: int  # bytes, every frame of every message sent
    stopped: bool = False  # Ctrl-C

    @property
    def lines(self) -> list[str]:
        asked = f", asked {self.rate:,.0f}" if self.rate else ""
        took = f"in {format_seconds(self.seconds)} ({_rate(self.sent, self.seconds)}{asked})"
        return _sent_lines(
            f"{self.socket}:", self.sent, self.count, took, self.stopped, f", {human_size(self.size)}"
        )

    @property
    def value(self) -> int:
        return self.sent

    @property
    def interrupted(self) -> bool:
        return self.stopped


def format_latency(seconds: float) -> str:
    """A round trip: "85 us" below a millisecond, else "1.23 ms"."""
    us = seconds * 1e6
    if us < 1000:
        return f"{us:.0f} us"
    return f"{us / 1000:.2f} ms" if us < 100_000 else f"{us / 1000:.0f} ms"


def _quantile(ordered: tuple[float, ...], q: float) -> float:
    """The nearest-rank quantile of a sorted sample (p99 of 10 is the largest)."""
    rank = max(1, -(-int(q * 1000) * len(ordered) // 1000))  # ceil(q * n), in whole numbers
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class PingReport(Result):
    """``ping NAME``: the round trips measured, in seconds, in order."""

    socket: str
    times: tuple[float, ...]
    asked: int
    size: int
    timeout_ms: int
    timed_out: bool = False  # the next request had no reply within timeout_ms
    stopped: bool = False  # Ctrl-C
    waits: bool = False  # a REQ socket still waits for the unanswered reply
    skipped: int = 0  # replies that were not to the request in flight (stale, or not a ping's)
    gone: bool = False  # the peer went: the next request could not be sent
    disconnected: str = ""  # the endpoint whose peer went with a request in flight

    @cached_property
    def stats(self) -> dict[str, float]:
        """Sorted once (a ping keeps up to a million round trips)."""
        ordered = tuple(sorted(self.times))
        if not ordered:
            return {}
        return {
            "min": ordered[0],
            "p50": _quantile(ordered, 0.5),
            "p99": _quantile(ordered, 0.99),
            "max": ordered[-1],
        }

    @property
    def lines(self) -> list[str]:
        n = len(self.times)
        stats = "  ".join(f"{k} {format_latency(v)}" for k, v in self.stats.items())
        head = f"{self.socket}: {format_count(n)} round trip{'s' if n != 1 else ''} of {self.size} B"
        lines = [f"{head}: {stats}" if stats else head]
        if self.gone:
            lines.append(
                f"the peer is gone: request {n + 1} of {self.asked} could not be sent (no peer to take it)"
            )
        elif self.disconnected:
            lines.append(
                f"the peer disconnected ({self.disconnected}) during request {format_count(n + 1)} of "
                f"{format_count(self.asked)}: stopped there"
            )
            if self.waits:
                lines.append(
                    f"{self.socket} (req) still waits for that reply, which cannot come now: close "
                    f"{self.socket} and make it again"
                )
        elif self.timed_out:
            lines.append(
                f"no reply within {self.timeout_ms} ms to request {n + 1} of {self.asked}: stopped there"
            )
            if self.waits:
                lines.append(
                    f"{self.socket} (req) still waits for that reply: recv {self.socket} takes it "
                    f"when it comes, or close {self.socket} and make it again"
                )
        elif self.stopped:
            lines.append(f"stopped after {format_count(n)} of {format_count(self.asked)}")
            if self.waits:
                lines.append(
                    f"{self.socket} (req) still waits for the reply to request {n + 1}: it is dropped "
                    f"if it comes within {self.timeout_ms} ms of the request; after that recv "
                    f"{self.socket} takes it, or close {self.socket} and make it again"
                )
        if self.skipped:
            lines.append(
                f"{format_count(self.skipped)} replies to other requests skipped (late, or not a ping's)"
            )
        return lines

    @property
    def value(self) -> dict[str, float]:
        """min, p50, p99 and max in seconds."""
        return self.stats

    @property
    def interrupted(self) -> bool:
        return self.stopped


@dataclass(frozen=True)
class Replayed(Result):
    """A replay that ran to its end (or was stopped) while the command waited."""

    socket: str
    path: str
    sent: int
    count: int
    seconds: float
    stopped: bool = False

    @property
    def lines(self) -> list[str]:
        took = f"in {format_seconds(self.seconds)}"
        return _sent_lines(
            f"replay of {self.path} to {self.socket}:", self.sent, self.count, took, self.stopped
        )

    @property
    def value(self) -> int:
        return self.sent

    @property
    def interrupted(self) -> bool:
        return self.stopped


@dataclass(frozen=True)
class RecordStatus(Result):
    """``record NAME``: where a socket records, how much, and what could not be written."""

    socket: str
    path: str | None  # None: not recording
    messages: int = 0
    size: int = 0  # bytes written to the current file
    written: int = 0  # bytes written in all
    max_size: int | None = None
    files: int = 1
    rotations: int = 0
    lost: int = 0  # messages that could not be written
    lost_reason: str = ""
    ended: str = ""  # not recording: why the last recording stopped by itself, if it did
    rotation_failure: str = ""  # why the ring could not rotate (it records on, past SIZE)
    filter: str = ""  # record --where/--grep as given, "" for none
    matched: int = 0  # with a filter: the messages it let through since the recording started

    @property
    def lines(self) -> list[str]:
        if self.path is None:
            lines = [f"{self.socket}: not recording (record {self.socket} FILE starts)"]
            return lines + ([f"the last {self.ended}"] if self.ended else [])
        ring = ""
        if self.max_size is not None:
            ring = (
                f" (a ring of {self.files} files of {human_size(self.max_size)}, {self.rotations} rotations)"
            )
        lines = [
            f"{self.socket}: recording to {self.path}{ring}: {format_count(self.messages)} messages, "
            f"{human_size(self.written)} written"
            + (f"; {format_count(self.matched)} matched {self.filter}" if self.filter else "")
        ]
        if self.lost:
            lines.append(f"{format_count(self.lost)} messages could not be written: {self.lost_reason}")
        if self.rotation_failure:
            lines.append(self.rotation_failure)
        return lines

    @property
    def value(self) -> dict[str, object]:
        return {
            "path": self.path,
            "messages": self.messages,
            "written": self.written,
            "rotations": self.rotations,
            "lost": self.lost,
            "filter": self.filter or None,
            "matched": self.matched if self.filter else None,
        }
