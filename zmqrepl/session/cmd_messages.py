"""Commands about messages: send, recv, watch, unwatch, monitor, poll, record, replay."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterator

from ..core import Again
from .base import SessionCore
from .entry import SocketEntry
from .errors import CommandError, clip
from .events import Message, Notice
from .files import open_append
from .parser import Parsed
from .records import Recording
from .results import (
    DEFAULT_SEND_TIMEOUT_MS,
    Result,
)

__all__ = ["MessageCommands"]


class MessageCommands(SessionCore):
    def _cmd_send(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        frames: list[bytes] = p.args["FRAME"]
        self.send_frames(entry.name, frames)
        total = sum(len(f) for f in frames)
        return Result("send", None, [f"{entry.name}: sent {len(frames)} part"
                                     f"{'s' if len(frames) != 1 else ''}, {total} bytes"])

    def _cmd_recv(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        count: int = p.flags["count"]
        timeout: int | None = p.flags["timeout"]
        messages = self.receive(entry.name, count, timeout)
        fmt = p.flags["format"]
        shown = [Message.capture(entry.name, m, fmt) for m in messages]
        lines: list[str] = []
        if len(messages) < count:
            lines.append(f"{entry.name}: {len(messages)} of {count} messages before the timeout")
        value: Any = messages[0] if count == 1 and messages else messages
        return Result("recv", value, lines, shown)

    def _cmd_watch(self, p: Parsed) -> Result:
        entries = [self._entry(n) for n in p.args["NAME"]]
        fmt: str = p.flags["format"]

        def act() -> None:
            for entry in entries:
                entry.watching = True
                entry.fmt = fmt
                self._update_reader(entry)

        self.engine.call(act)
        names = " ".join(e.name for e in entries)
        return Result("watch", [e.name for e in entries], [f"watching {names} (unwatch to stop)"])

    def _cmd_unwatch(self, p: Parsed) -> Result:
        name = p.args.get("NAME")
        entries = [self._entry(name)] if name else list(self._entries.values())

        def act() -> None:
            for entry in entries:
                entry.watching = False
                self._update_reader(entry)

        self.engine.call(act)
        names = " ".join(e.name for e in entries) or "nothing"
        return Result("unwatch", [e.name for e in entries], [f"stopped watching {names}"])

    def _cmd_monitor(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        off = p.args.get("off")
        if off is not None and off.lower() != "off":
            raise CommandError(f"monitor takes 'off' after the name, not {clip(off)}", "monitor NAME [off]")
        # The session's own monitor (see base.py) stays on after `monitor off`: it may be
        # watching a connect for drops.
        entry.monitoring = not off
        if off:
            return Result("monitor", (False, entry.name), [f"{entry.name}: monitor off"])
        self.engine.call(lambda: self._watch_connections(entry))
        return Result("monitor", (True, entry.name), [f"{entry.name}: monitoring connection events (monitor "
                                        f"{entry.name} off to stop)"])

    def _cmd_poll(self, p: Parsed) -> Result:
        entries = [self._entry(n) for n in p.args["NAME"]]
        timeout: int = p.flags["timeout"] or 0
        deadline = time.monotonic() + timeout / 1000

        def check() -> dict[str, list[str]]:
            state = {}
            for e in entries:
                events = e.socket.events
                state[e.name] = [w for w, bit in (("in", 1), ("out", 2)) if int(events) & bit]
            return state

        while True:
            state = self.engine.call(check)
            if any(state.values()) or time.monotonic() >= deadline:
                break
            time.sleep(0.01)
        lines = [f"{name}: {' '.join(ready) if ready else 'nothing ready'}" for name, ready in state.items()]
        return Result("poll", state, lines)

    def _cmd_record(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        path = p.args.get("FILE")
        if p.flags["stop"]:
            self.engine.call(lambda: self._stop_record(entry))
            return Result("record", None, [f"{entry.name}: recording stopped"])
        if not path:
            raise CommandError("record needs a FILE (or --stop)", "record NAME FILE")
        fh = open_append(path, path, "pick a writable path")

        def start() -> None:
            self._stop_record(entry)
            entry.record_file = fh
            entry.record_path = path
            self._update_reader(entry)

        self.engine.call(start)
        return Result("record", path, [f"{entry.name}: recording incoming messages to {path}"])

    def _cmd_replay(self, p: Parsed) -> Result:
        entry = self._entry(p.args["NAME"])
        path: str = p.args["FILE"]
        speed: float = p.flags["speed"]
        # A first pass checks the whole file and measures it; the replay reads it again as
        # it goes, so memory holds one message, not the file. Both passes read one open
        # descriptor: a file replaced at this path after the check is not what is sent.
        recording = Recording(path)
        try:
            count, first_t, last_t = recording.measure()
            records = recording.records()
        except BaseException:
            recording.close()
            raise
        if not count:
            recording.close()
            return Result("replay", 0, [f"{path} holds no messages"])
        run = _Replay(entry, path, count, records, first_t, speed, recording)
        self.engine.submit(lambda: self._replay_step(run))
        span = (last_t - first_t) / speed if speed > 0 else 0.0
        return Result("replay", count, [f"replaying {count} messages from {path} to "
                                        f"{entry.name} over {span:.1f} s"])

    def _replay_step(self, run: _Replay) -> None:
        entry = run.entry
        now = time.monotonic()
        while True:
            if run.pending is None:
                try:
                    run.pending = next(run.records, None)
                except CommandError as exc:  # the file changed since it was checked
                    return run.stop(self, f"stopped after {run.sent} messages: {exc.message}")
                if run.pending is None:
                    return run.stop(self, f"done: {run.sent} messages sent", error=False)
            if entry.socket.closed:
                return run.stop(self, f"stopped after {run.sent} of {run.count} messages: "
                                      f"{entry.name} was closed")
            due = run.due(run.pending[0])
            if due > now:
                break
            try:
                entry.socket.send_multipart(run.pending[1], nonblocking=True)
            except Again:
                # No room now: keep the order and try again shortly, but not for ever (counted
                # from when this message fell due, or from the last one sent, if later).
                if now - max(run.progress_at, due) > DEFAULT_SEND_TIMEOUT_MS / 1000:
                    return run.stop(self, f"stopped after {run.sent} of {run.count} messages: no "
                                          f"peer took one for {DEFAULT_SEND_TIMEOUT_MS} ms")
                due = now + 0.002
                break
            entry.sent += 1
            entry.bytes_out += sum(len(f) for f in run.pending[1])
            run.sent += 1
            run.pending = None
            run.progress_at = now
        # Wake at least twice a second, so a socket closed during a long gap ends the replay now.
        delay = min(max(0.002, due - time.monotonic()), 0.5)
        self.engine.call_later(delay, lambda: self._replay_step(run))


@dataclass(eq=False)
class _Replay:
    """A replay in progress: the file is read as the messages fall due."""

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

    def stop(self, session: MessageCommands, how: str, error: bool = True) -> None:
        close = getattr(self.records, "close", None)
        if close is not None:
            close()
        self.recording.close()
        session.events.push(Notice(f"replay of {self.path} to {self.entry.name} {how}", error))
