"""Commands about messages: send, recv, watch, unwatch, monitor, poll, record, replay.

Each public function is a handler named by the command table (commands.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from ..core import Again
from .defaults import DEFAULT_SEND_TIMEOUT_MS
from .entry import SocketEntry
from .errors import CommandError, clip
from .events import Message, Notice
from .files import open_append
from .filters import MessageFilter, compile_filter
from .records import DIRECTIONS, Recording
from .results import (
    MonitorSwitched,
    PollState,
    Received,
    RecordSwitched,
    ReplayStarted,
    Sent,
    Unwatched,
    Watching,
)
from .syntax import Parsed

if TYPE_CHECKING:
    from .session import Session

__all__ = ["monitor", "poll", "record", "recv", "replay", "send", "unwatch", "watch"]


def send(session: Session, p: Parsed) -> Sent:
    entry = session.entry(p.args["NAME"])
    frames: list[bytes] = p.args["FRAME"]
    session.send_frames(entry.name, frames)
    return Sent(entry.name, len(frames), sum(len(f) for f in frames))


def _filter(p: Parsed) -> MessageFilter | None:
    """The command's --where and --grep, compiled now: a broken one is refused before anything starts."""
    return compile_filter(p.flags["where"], p.flags["grep"])


def recv(session: Session, p: Parsed) -> Received:
    entry = session.entry(p.args["NAME"])
    count: int = p.flags["count"]
    messages = session.receive(entry.name, count, p.flags["timeout"], _filter(p))
    fmt = p.flags["format"]
    return Received(
        entry.name, tuple(messages), tuple(Message.capture(entry.name, m, fmt) for m in messages), count
    )


def watch(session: Session, p: Parsed) -> Watching:
    entries = [session.entry(n) for n in p.args["NAME"]]
    fmt: str = p.flags["format"]
    filt = _filter(p)  # one for all the sockets named: its failure is told once
    if filt is not None:
        for entry in entries:
            if entry.tap is not None:
                raise CommandError(
                    f"watch --where/--grep is not for a tap ({entry.name})",
                    f"watch {entry.name} shows both ways",
                )

    def act() -> None:
        for entry in entries:
            if entry.watch_filter is not filt:
                entry.watch_matched = 0
            entry.watching = True
            entry.fmt = fmt
            entry.watch_filter = filt
            session.update_reader(entry)

    session.engine.call(act)
    return Watching(tuple(e.name for e in entries), filt.text if filt else "")


def unwatch(session: Session, p: Parsed) -> Unwatched:
    name = p.args.get("NAME")
    entries = [session.entry(name)] if name else list(session.entries.values())

    def act() -> None:
        for entry in entries:
            entry.watching = False
            entry.watch_filter = None
            entry.showing.clear()
            session.update_reader(entry)

    session.engine.call(act)
    return Unwatched(tuple(e.name for e in entries))


def monitor(session: Session, p: Parsed) -> MonitorSwitched:
    entry = session.entry(p.args["NAME"])
    off = p.args.get("off")
    if off is not None and off.lower() != "off":
        raise CommandError(f"monitor takes 'off' after the name, not {clip(off)}", "monitor NAME [off]")
    # The session's own monitor (see state.py) stays on after `monitor off`: it may be
    # watching a connect for drops.
    entry.monitoring = not off
    if not off:
        session.engine.call(lambda: session.watch_connections(entry))
    return MonitorSwitched(entry.name, not off)


def poll(session: Session, p: Parsed) -> PollState:
    entries = [session.entry(n) for n in p.args["NAME"]]
    timeout: int = p.flags["timeout"] or 0
    deadline = time.monotonic() + timeout / 1000

    def check() -> dict[str, list[str]]:
        state = {}
        for e in entries:
            events = e.socket.events
            state[e.name] = [w for w, bit in (("in", 1), ("out", 2)) if int(events) & bit]
        return state

    while True:
        state = session.engine.call(check)
        if any(state.values()) or time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    return PollState(state)


def record(session: Session, p: Parsed) -> RecordSwitched:
    entry = session.entry(p.args["NAME"])
    path = p.args.get("FILE")
    if p.flags["stop"]:
        session.engine.call(lambda: session.stop_record(entry))
        return RecordSwitched(entry.name, None)
    if not path:
        raise CommandError("record needs a FILE (or --stop)", "record NAME FILE")
    filt = _filter(p)
    if filt is not None and entry.tap is not None:
        raise CommandError(
            "record --where/--grep is not for a tap", f"record {entry.name} FILE records both ways"
        )
    fh = open_append(path, path, "pick a writable path")

    def start() -> None:
        session.stop_record(entry)
        entry.record_file = fh
        entry.record_path = path
        entry.record_filter = filt
        entry.record_matched = 0
        session.update_reader(entry)

    session.engine.call(start)
    return RecordSwitched(entry.name, path, entry.tap is not None, filt.text if filt else "")


def replay(session: Session, p: Parsed) -> ReplayStarted:
    entry = session.entry(p.args["NAME"])
    path: str = p.args["FILE"]
    speed: float = p.flags["speed"]
    direction = _direction(p.flags["direction"])
    # A first pass checks the whole file and measures it; the replay reads it again as
    # it goes, so memory holds one message, not the file. Both passes read one open
    # descriptor: a file replaced at this path after the check is not what is sent.
    recording = Recording(path, direction)
    try:
        count, first_t, last_t = recording.measure()
        records = recording.records()
    except BaseException:
        recording.close()
        raise
    if not count:
        recording.close()
        return ReplayStarted(entry.name, path, 0, 0.0)
    run = _Replay(session, entry, path, count, records, first_t, speed, recording)
    session.engine.submit(run.step)
    return ReplayStarted(entry.name, path, count, (last_t - first_t) / speed if speed > 0 else 0.0)


def _direction(word: str | None) -> str:
    """The "direction" a replay keeps ("" for every message): client or server."""
    if word is None:
        return ""
    way = DIRECTIONS.get(word.lower())
    if way is None:
        raise CommandError(f"--direction takes client or server, not {clip(word)}", "e.g. --direction client")
    return way


@dataclass(eq=False)
class _Replay:
    """A replay in progress: the file is read as the messages fall due."""

    session: Session
    entry: SocketEntry
    path: str
    count: int
    records: Iterator[tuple[float, list[bytes]]]
    first_t: float
    speed: float
    recording: Recording
    sent: int = 0
    pending: tuple[float, list[bytes]] | None = None
    progress_at: float = 0.0
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = self.progress_at = time.monotonic()

    def due(self, t: float) -> float:
        """When a message recorded at ``t`` is sent (monotonic clock)."""
        return self.started + ((t - self.first_t) / self.speed if self.speed > 0 else 0.0)

    def step(self) -> None:
        """Engine thread: send what has fallen due, then come back when the next one does."""
        entry = self.entry
        now = time.monotonic()
        while True:
            if self.pending is None:
                try:
                    self.pending = next(self.records, None)
                except CommandError as exc:  # the file changed since it was checked
                    return self.stop(f"stopped after {self.sent} messages: {exc.message}")
                if self.pending is None:
                    return self.stop(f"done: {self.sent} messages sent", error=False)
            if entry.socket.closed:
                return self.stop(
                    f"stopped after {self.sent} of {self.count} messages: {entry.name} was closed"
                )
            due = self.due(self.pending[0])
            if due > now:
                break
            try:
                entry.socket.send_multipart(self.pending[1], nonblocking=True)
            except Again:
                # No room now: keep the order and try again shortly, but not for ever (counted
                # from when this message fell due, or from the last one sent, if later).
                if now - max(self.progress_at, due) > DEFAULT_SEND_TIMEOUT_MS / 1000:
                    return self.stop(
                        f"stopped after {self.sent} of {self.count} messages: no "
                        f"peer took one for {DEFAULT_SEND_TIMEOUT_MS} ms"
                    )
                due = now + 0.002
                break
            entry.sent += 1
            entry.bytes_out += sum(len(f) for f in self.pending[1])
            self.sent += 1
            self.pending = None
            self.progress_at = now
        # Wake at least twice a second, so a socket closed during a long gap ends the replay now.
        delay = min(max(0.002, due - time.monotonic()), 0.5)
        self.session.engine.call_later(delay, self.step)

    def stop(self, how: str, error: bool = True) -> None:
        close = getattr(self.records, "close", None)
        if close is not None:
            close()
        self.recording.close()
        self.session.events.push(Notice(f"replay of {self.path} to {self.entry.name} {how}", error))
