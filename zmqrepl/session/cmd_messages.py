"""Commands about messages: send, recv, watch, unwatch, monitor, poll, record, replay.

Each public function is a handler named by the command table (commands.py).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from ..core import Again, ZMQError
from .cmd_load import CANNOT_SEND, send_burst
from .defaults import DEFAULT_SEND_TIMEOUT_MS, VIEWS
from .entry import SocketEntry
from .errors import CommandError, clip
from .events import Notice
from .filters import MessageFilter, compile_filter
from .load import CHUNK
from .progress import follow
from .queued import drain_queued
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
from .results_load import RecordStatus, Replayed, SentBurst
from .rotation import MAX_FILES, RecordWriter, parse_size
from .syntax import Parsed

if TYPE_CHECKING:
    from .session import Session

__all__ = [
    "MAX_RECV_COUNT",
    "RECV_SHOWN",
    "monitor",
    "poll",
    "record",
    "recv",
    "replay",
    "send",
    "unwatch",
    "watch",
]

RECV_SHOWN = 100  # recv --count shows (and numbers) the newest this many; the value has all
MAX_RECV_COUNT = 1_000_000


def send(session: Session, p: Parsed) -> Sent | SentBurst:
    entry = session.entry(p.args["NAME"])
    frames: list[bytes] = p.args["FRAME"]
    if p.flags["count"] is not None:
        return send_burst(session, p, entry, frames)
    if p.flags["rate"] is not None:
        raise CommandError(
            "--rate paces a --count", f"e.g. send {entry.name} tick-%n --count 1000 --rate 100"
        )
    session.send_frames(entry.name, frames)
    return Sent(entry.name, len(frames), sum(len(f) for f in frames))


def _filter(p: Parsed) -> MessageFilter | None:
    """The command's --where and --grep, compiled now: a broken one is refused before anything starts."""
    return compile_filter(p.flags["where"], p.flags["grep"])


def recv(session: Session, p: Parsed) -> Received:
    entry = session.entry(p.args["NAME"])
    count: int = p.flags["count"]
    if count > MAX_RECV_COUNT:
        raise CommandError(
            f"recv --count takes at most {MAX_RECV_COUNT:,} messages (each is kept for the answer)",
            f"record {entry.name} FILE keeps any number; watch {entry.name} shows them as they come",
        )
    view = check_view(p.flags["view"], session.view)
    messages, stopped = session.receive_following(entry.name, count, p.flags["timeout"], _filter(p))
    fmt = p.flags["format"]
    # Only the newest are made into display objects (numbered, kept for show): a screen of
    # 100,000 messages is no use to read, and costs a display object each.
    newest = messages[-RECV_SHOWN:]
    shown = tuple(session.captured.capture(entry, m, fmt=fmt, view=view) for m in newest)
    return Received(entry.name, tuple(messages), shown, count, stopped)


def check_view(word: str | None, default: str) -> str:
    """The view a --view flag names (full or line), or ``default`` without one."""
    if word is None:
        return default
    if word.lower() not in VIEWS:
        raise CommandError(
            f"--view takes {' or '.join(VIEWS)}, not {clip(word)}",
            "full: a line per frame; line: a line per message",
        )
    return word.lower()


def watch(session: Session, p: Parsed) -> Watching:
    entries = [session.entry(n) for n in p.args["NAME"]]
    asked_fmt: str | None = p.flags["format"]
    asked_view = check_view(p.flags["view"], "") or None
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
            fresh = not entry.reads_for_someone  # what it holds waited in the queue (or inbox)
            if not _same_filter(entry.watch_filter, filt):
                # A new filter starts clean: what waits to be shown passed the old one.
                session.not_shown(entry)
                entry.watch_matched = 0
            # watch NAME again keeps the format and view it had unless they are given.
            entry.fmt = asked_fmt or (entry.fmt if entry.watching else "auto")
            entry.view = asked_view or (entry.view if entry.watching else session.view)
            entry.watching = True
            entry.watch_filter = filt
            if fresh:
                drain_queued(session, entry)
            else:
                session.update_reader(entry)

    session.engine.call(act)
    return Watching(tuple(e.name for e in entries), filt.text if filt else "")


def _same_filter(old: MessageFilter | None, new: MessageFilter | None) -> bool:
    """Whether a watch given again lets the same messages through as before."""
    if old is None or new is None:
        return old is new
    return old.same_as(new)


def unwatch(session: Session, p: Parsed) -> Unwatched:
    name = p.args.get("NAME")
    entries = [session.entry(name)] if name else list(session.entries.values())

    def act() -> None:
        for entry in entries:
            entry.watching = False
            entry.watch_filter = None
            session.not_shown(entry)
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
            events = int(e.socket.events)
            if len(e.inbox):
                events |= 1  # what waits in the session's inbox (inbox.py) is there to recv
            state[e.name] = [w for w, bit in (("in", 1), ("out", 2)) if events & bit]
        return state

    while True:
        state = session.engine.call(check)
        if any(state.values()) or time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    return PollState(state)


def record(session: Session, p: Parsed) -> RecordSwitched | RecordStatus:
    entry = session.entry(p.args["NAME"])
    path = p.args.get("FILE")
    if p.flags["stop"]:
        session.engine.call(lambda: session.stop_record(entry))
        return RecordSwitched(entry.name, None)
    max_size, files = _ring(p)
    if not path:
        if max_size is not None:
            raise CommandError("--max-size needs a FILE", "record NAME FILE --max-size 10M --files 5")
        return session.engine.call(lambda: record_status(entry))
    filt = _filter(p)
    if filt is not None and entry.tap is not None:
        raise CommandError(
            "record --where/--grep is not for a tap", f"record {entry.name} FILE records both ways"
        )
    fh = RecordWriter(path, max_size, files)

    def start() -> None:
        session.stop_record(entry)
        entry.record_file = fh
        entry.record_ended = ""
        entry.record_path = path
        entry.record_filter = filt
        entry.record_matched = 0
        session.update_reader(entry)

    session.engine.call(start)
    return RecordSwitched(entry.name, path, entry.tap is not None, filt.text if filt else "")


def _ring(p: Parsed) -> tuple[int | None, int]:
    """--max-size and --files of record: (bytes or None, files)."""
    size_text: str | None = p.flags["max-size"]
    files: int | None = p.flags["files"]
    if size_text is None:
        if files is not None:
            raise CommandError(
                "--files goes with --max-size", "e.g. record s feed.jsonl --max-size 10M --files 5"
            )
        return None, 1
    if files is not None and not 1 <= files <= MAX_FILES:
        raise CommandError(f"--files must be 1 to {MAX_FILES}", "e.g. --files 5")
    return parse_size(size_text), 2 if files is None else files


def record_status(entry: SocketEntry) -> RecordStatus:
    """Engine thread: the recording's counters, read where they are written."""
    w = entry.record_file
    if w is None:
        return RecordStatus(entry.name, None, ended=entry.record_ended)
    return RecordStatus(
        entry.name,
        w.path,
        w.messages,
        w.size,
        w.written,
        w.max_size,
        w.files,
        w.rotations,
        w.lost,
        w.lost_reason,
        rotation_failure=w.rotation_failure,
        filter=entry.record_filter.text if entry.record_filter is not None else "",
        matched=entry.record_matched,
    )


def replay(session: Session, p: Parsed) -> ReplayStarted | Replayed:
    entry = session.entry(p.args["NAME"])
    path: str = p.args["FILE"]
    speed: float = p.flags["speed"]
    if entry.kind in CANNOT_SEND:
        raise CommandError(
            f"{entry.name} is a {entry.kind.name.lower()} socket and cannot send",
            "replay through a push, pub, dealer...",
        )
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
    seconds = (last_t - first_t) / speed if speed > 0 else 0.0
    if p.flags["background"]:
        run = _Replay(session, entry, path, count, records, first_t, speed, recording)
        session.engine.submit(run.step)
        return ReplayStarted(entry.name, path, count, seconds)
    run = _Replay(session, entry, path, count, records, first_t, speed, recording, Future())
    assert run.future is not None

    def stop() -> None:
        run.stopping = True

    try:
        session.engine.submit(run.step)
    except KeyboardInterrupt:  # before it could be followed: it must not go on unseen
        stop()
        raise

    what = f"replay {os.path.basename(path) or path} to {entry.name}"
    failure, stopped = follow(run.future, session.progress, what, count, lambda: run.sent, stop)
    if failure:
        raise CommandError(f"replay of {path} to {entry.name} {failure}", "sockets shows the socket's peers")
    return Replayed(entry.name, path, run.sent, count, time.monotonic() - run.started, stopped)


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
    # Set when the command waits for the end (not --background): the stop's reason, or "".
    future: Future[str] | None = None
    stopping: bool = False  # Ctrl-C in the waiting thread
    sent: int = 0
    pending: tuple[float, list[bytes]] | None = None
    progress_at: float = 0.0
    started: float = 0.0
    ended: bool = False

    def __post_init__(self) -> None:
        self.started = self.progress_at = time.monotonic()

    def due(self, t: float) -> float:
        """When a message recorded at ``t`` is sent (monotonic clock)."""
        return self.started + ((t - self.first_t) / self.speed if self.speed > 0 else 0.0)

    def step(self) -> None:
        """Engine thread: send what has fallen due, then come back when the next one does.
        Whatever goes wrong ends the replay with its reason (a REQ given a second request
        before its reply, say): never a replay that neither runs nor ends."""
        try:
            self._step()
        except BaseException as exc:  # noqa: BLE001 - said as the replay's end
            if not self.ended:
                reason = exc.message if isinstance(exc, (CommandError, ZMQError)) else repr(exc)
                self.stop(f"stopped after {self.sent} of {self.count} messages: {reason}")

    def _step(self) -> None:
        entry = self.entry
        now = time.monotonic()
        if self.stopping:
            return self.stop("stopped", error=False)
        due: float | None = None  # None (the loop's else): a full chunk went, come back at once
        for _ in range(CHUNK):  # then the engine serves the rest (other sockets, calls)
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
        else:
            due = None
        # Wake at least twice a second, so a socket closed during a long gap ends the replay now
        # (ten times while a command waits for it: Ctrl-C stops it at the next wake).
        longest = 0.1 if self.future is not None else 0.5
        delay = 0.0 if due is None else min(max(0.002, due - time.monotonic()), longest)
        self.session.engine.call_later(delay, self.step)

    def stop(self, how: str, error: bool = True) -> None:
        self.ended = True
        try:
            close = getattr(self.records, "close", None)
            if close is not None:
                close()
        finally:
            self.recording.close()
        if self.future is not None:
            if not self.future.done():
                self.future.set_result(how if error else "")
            return
        self.session.events.push(Notice(f"replay of {self.path} to {self.entry.name} {how}", error))
