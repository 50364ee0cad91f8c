"""Progress of long-running commands (send --count, replay, recv --count, ping).

The engine does the work in steps; the thread that runs the command waits for it here,
and hands a ``Progress`` to the session's ``progress`` listener (a front end's: the shell
draws a bar, the magics a line) a few times a second. Ctrl-C in that thread asks the work
to stop; the command then returns what was done.

    session.progress = lambda p: print(p.line)
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable, TypeVar

__all__ = ["FIRST_REPORT_S", "Progress", "ProgressListener", "follow", "format_count", "format_seconds"]

T = TypeVar("T")

# A command that ends sooner shows no progress at all (a bar that flashes is noise).
FIRST_REPORT_S = 0.3
_REPORT_EVERY_S = 0.1
# How long a stopped job may take to say what it did: it stops at its next step, which comes
# within a step's time (milliseconds, see load.CHUNK) unless the engine is stuck; past this
# the command is cancelled as if the job had not answered.
_STOP_WAIT_S = 5.0


def format_count(n: int) -> str:
    return f"{n:,}"


def format_seconds(s: float) -> str:
    if s < 60:
        return f"{s:.1f} s"
    minutes, seconds = divmod(int(s + 0.5), 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass(frozen=True)
class Progress:
    """Where a long command stands. ``finished`` is the last report of a command (sent once,
    only to a listener that had a report before)."""

    what: str  # "send s", "replay feed.jsonl to p", "recv s", "ping r"
    done: int
    total: int
    elapsed: float  # seconds since the command started
    finished: bool = False
    unit: str = "msg"

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left at the rate so far (None before anything was done)."""
        if not self.done or not self.rate:
            return None
        return max(0.0, (self.total - self.done) / self.rate)

    @property
    def detail(self) -> str:
        """Counts, rate and time left: "12,345/100,000 10,234 msg/s eta 8.6 s"."""
        eta = self.eta
        left = "eta -" if eta is None else f"eta {format_seconds(eta)}"
        if self.finished:
            left = f"in {format_seconds(self.elapsed)}"
        return f"{format_count(self.done)}/{format_count(self.total)} {self.rate:,.0f} {self.unit}/s {left}"

    @property
    def line(self) -> str:
        """One line of text: "send s: 12% 12,345/100,000 10,234 msg/s eta 8.6 s"."""
        return f"{self.what}: {self.fraction * 100:3.0f}% {self.detail}"


ProgressListener = Callable[[Progress], None]


def follow(
    future: Future[T],
    listener: ProgressListener | None,
    what: str,
    total: int,
    done: Callable[[], int],
    stop: Callable[[], None],
    unit: str = "msg",
    started: float | None = None,
) -> tuple[T, bool]:
    """Wait for ``future`` (the engine's job), reporting ``done()`` of ``total`` to the
    listener; Ctrl-C calls ``stop()`` (the job then settles the future with what it did).
    Returns (result, stopped by Ctrl-C). Errors of the job are raised."""
    start = time.monotonic() if started is None else started
    reported = False
    stopped = False
    next_report = start + FIRST_REPORT_S
    try:
        while True:
            try:
                result = future.result(timeout=_REPORT_EVERY_S)
                break
            except FutureTimeout:
                pass
            now = time.monotonic()
            if listener is not None and now >= next_report:
                reported = True
                next_report = now + _REPORT_EVERY_S
                try:
                    listener(Progress(what, done(), total, now - start, unit=unit))
                except KeyboardInterrupt:
                    raise
                except BaseException:
                    # A broken listener (a display that fails) ends the command: the job is
                    # stopped and settled first, so it never goes on unseen; no last report.
                    reported = False
                    stop()
                    try:
                        _settle_after_stop(future)
                    except BaseException:  # noqa: BLE001 - the listener's error is the one said
                        pass
                    raise
    except KeyboardInterrupt:
        stopped = True
        stop()
        result = _settle_after_stop(future)
    finally:
        if listener is not None and reported:
            _final(listener, Progress(what, done(), total, time.monotonic() - start, True, unit))
    return result, stopped


def _settle_after_stop(future: Future[T]) -> T:
    deadline = time.monotonic() + _STOP_WAIT_S
    while True:
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except KeyboardInterrupt:
            continue  # a second Ctrl-C while the job stops: it is stopping already
        except FutureTimeout:
            raise KeyboardInterrupt from None  # the engine is stuck: cancelled, as before


def _final(listener: ProgressListener, progress: Progress) -> None:
    """The last report closes the front end's bar: it must be delivered even if Ctrl-C
    lands meanwhile."""
    for _ in range(3):
        try:
            listener(progress)
            return
        except KeyboardInterrupt:
            continue
