"""Printing session events above the prompt, in batches.

Under a flood the printer shows at most ``max_messages`` messages per batch
(every 100 ms) and summarises the rest as "+N more on s1"; the session's
counters stay exact because they are kept by the engine, not here.
"""

from __future__ import annotations

import shutil
import threading
from typing import Callable

from ..session import (
    Message,
    MonitorNotice,
    Notice,
    PeerDropped,
    Session,
    dropped_line,
    message_lines,
    monitor_line,
    notice_line,
    number_text,
    summary_line,
)

__all__ = ["Colours", "EventPrinter"]

_CODES = {
    "number": "33",
    "time": "90",
    "socket": "36",
    "event": "35",
    "notice": "33",
    "bad": "31",
    "summary": "90;3",
}


class Colours:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, kind: str, text: str) -> str:
        if not self.enabled or kind not in _CODES or not text:
            return text
        return f"\x1b[{_CODES[kind]}m{text}\x1b[0m"


class EventPrinter:
    def __init__(
        self,
        session: Session,
        write: Callable[[str], None],
        colour: Colours,
        interval: float = 0.1,
        max_messages: int = 40,
    ) -> None:
        self._session = session
        self._write = write
        self._colour = colour
        self._interval = interval
        self._max = max_messages
        self._stop = threading.Event()
        self._flag = session.events.subscribe()
        self._thread = threading.Thread(target=self._run, name="zmqrepl-printer", daemon=True)
        self.lock = threading.Lock()  # held while anything writes, so lines never interleave

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._flag.set()
        self._thread.join(timeout=2)
        self.flush()
        self._session.events.unsubscribe(self._flag)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._flag.wait(timeout=0.5)
            if self._stop.is_set():
                return
            self._stop.wait(self._interval)  # let a burst gather into one batch
            self._flag.clear()
            self.flush()

    def flush(self) -> None:
        batch = self._session.events.take(self._max)
        if not batch.events and not batch.dropped:
            return
        width = shutil.get_terminal_size((100, 24)).columns
        lines: list[str] = []
        c = self._colour
        for event in batch.events:
            if isinstance(event, Message):
                rendered = message_lines(event, width)
                number = number_text(event)
                head, _, rest = rendered[0][len(number) :].partition(" ")
                sock, _, tail = rest.partition(" ")
                lines.append(f"{c('number', number)}{c('time', head)} {c('socket', sock)} {tail}")
                lines.extend(rendered[1:])
            elif isinstance(event, MonitorNotice):
                lines.append(c("bad" if event.reason else "event", monitor_line(event)))
            elif isinstance(event, Notice):
                lines.append(c("bad" if event.error else "notice", notice_line(event)))
            elif isinstance(event, PeerDropped):
                lines.append(c("bad", dropped_line(event)))
        if batch.dropped:
            lines.append(c("summary", summary_line(batch.dropped)))
        text = "\n".join(lines) + "\n"
        with self.lock:
            self._write(text)
