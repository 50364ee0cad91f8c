"""Commands about messages: send, recv, watch, unwatch, monitor, poll, record, replay."""

from __future__ import annotations

import os
import time
from typing import Any

from ..core import Again
from .base import SessionCore
from .entry import SocketEntry
from .errors import CommandError
from .events import Message, Notice
from .parser import Parsed
from .records import read_records
from .results import (
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
            raise CommandError(f"monitor takes 'off' after the name, not {off!r}", "monitor NAME [off]")
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
        try:
            fh = open(os.path.expanduser(path), "a", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror}", "pick a writable path") from None

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
        try:
            with open(os.path.expanduser(path), encoding="utf-8") as fh:
                records = read_records(fh, path)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}", "replay FILE NAME") from None
        if not records:
            return Result("replay", 0, [f"{path} holds no messages"])
        start_t = records[0][0]
        plan = [((t - start_t) / speed if speed > 0 else 0.0, frames) for t, frames in records]
        self.engine.submit(lambda: self._replay_step(entry, plan, 0, time.monotonic(), path))
        span = plan[-1][0]
        return Result("replay", len(plan), [f"replaying {len(plan)} messages from {path} to "
                                            f"{entry.name} over {span:.1f} s"])

    def _replay_step(self, entry: SocketEntry, plan: list[tuple[float, list[bytes]]], index: int,
                     started: float, path: str) -> None:
        now = time.monotonic()
        while index < len(plan) and started + plan[index][0] <= now:
            if entry.socket.closed:
                self.events.push(Notice(f"replay of {path} stopped: {entry.name} was closed", True))
                return
            try:
                entry.socket.send_multipart(plan[index][1], nonblocking=True)
            except Again:
                break  # no room now: try again shortly, keeping the order
            entry.sent += 1
            index += 1
        if index >= len(plan):
            self.events.push(Notice(f"replay of {path} to {entry.name} done: {len(plan)} messages sent"))
            return
        delay = max(0.002, started + plan[index][0] - time.monotonic())
        self.engine.call_later(delay, lambda: self._replay_step(entry, plan, index, started, path))
